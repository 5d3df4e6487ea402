"""Arabic-aware search and lookup (issue 14): one normaliser and light stemming for the
listing search, the member directory and the member pickers, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.factories import make_community, make_member, make_user
from tests.listing_factories import make_listing
from timebank.extensions import db
from timebank.services.community import profiles
from timebank.services.exchanges import lookups
from timebank.services.listings import search
from timebank.services.listings.search import Filters
from timebank.services.textsearch import query_terms

pytestmark = pytest.mark.usefixtures("app")

# (what is typed in the search box, a listing title it must find)
MUST_MATCH = [
    ("الزيارة", "زيارة"),  # the article
    ("زيارة", "الزيارة"),
    ("زيارات", "زيارة"),  # plural → singular
    ("الزيارات", "زيارة"),
    ("زيارة", "زيارات أسبوعية"),  # singular → plural
    ("مستشفيات", "المستشفى"),
    ("المستشفى", "مستشفيات"),
    ("أحمد", "احمد"),  # hamza forms of alef
    ("احمد", "أحمد"),
    ("إسلام", "اسلام"),
    ("آمال", "امال"),
    ("قرآن", "القرآن"),
    ("مستشفى", "مستشفي"),  # alef maqsura / yaa
    ("مدرسة", "مدرسه"),  # taa marbuta / haa
    ("مَدْرَسَة", "مدرسة"),  # harakat
    ("عــربي", "عربي"),  # tatweel
    ("٣", "3 ساعات"),  # Arabic-Indic digits
    ("١٢", "غرفة 12"),
    ("المعلمون", "معلم"),  # sound plurals
    ("معلمين", "المعلم"),
    ("معلمات", "معلمة"),
    ("سيارات", "سيارة"),
    ("السيارة", "سيارات"),
    ("الطبيبة", "طبيب"),  # feminine
    ("طبيبة", "الطبيب"),
    ("الكتابة", "كتابة"),
    ("مساعدة", "المساعدة"),
    ("ومساعدة", "مساعدة"),  # joined conjunction
    ("بالمستشفى", "مستشفى"),  # joined preposition
    ("للأطفال", "أطفال"),
    ("الأطفال", "للأطفال"),
    ("الخياطة", "خياطة"),
    ("التصليحات", "تصليح"),
    ("الحدائق", "حدائق"),
    ("حديقة", "الحديقة"),
    ("الحاسوب", "حاسوب"),
    ("التعليم", "تعليم"),
    ("الرعاية", "رعاية"),
    ("مسن", "المسنين"),
    ("الدروس", "دروس"),
]
# (what is typed, a listing title it must not find)
MUST_NOT_MATCH = [
    ("زيارة", "سيارة"),
    ("سيارة", "زيارة"),
    ("طبخ", "مطبخ"),
    ("كتاب", "مكتب"),
    ("درس", "مدرسة"),
    ("مستشفى", "مدرسة"),
    ("حديقة", "حديد"),
    ("طبيب", "طيب"),
    ("ولد", "أولاد"),
    ("جار", "نجار"),
    ("علم", "معلم"),
    ("سوق", "تسوق"),
    ("بيت", "بنت"),
    ("٣", "٤ ساعات"),
]


def test_the_table_has_enough_pairs():
    assert len(MUST_MATCH) >= 30 and len(MUST_NOT_MATCH) >= 10


def test_arabic_queries_find_their_variants_and_only_them():
    """Every pair of the tables, against the database's own full-text search."""
    community = make_community()
    owner = make_member(community)
    titles = {title for _, title in MUST_MATCH + MUST_NOT_MATCH}
    ids = {title: make_listing(owner, title=title, language="ar").id for title in titles}
    missed, wrong = [], []
    for query, title in MUST_MATCH:
        found = {
            card.id for card in search.listings(community, Filters(q=query), per_page=100).items
        }
        if ids[title] not in found:
            missed.append((query, title, query_terms(query)))
    for query, title in MUST_NOT_MATCH:
        found = {
            card.id for card in search.listings(community, Filters(q=query), per_page=100).items
        }
        if ids[title] in found:
            wrong.append((query, title, query_terms(query)))
    assert missed == []
    assert wrong == []


def test_the_member_directory_finds_arabic_names_and_skills():
    community = make_community()
    member = make_member(community, name="أحمد الحدّاد")
    profile = profiles.profile_of(member)
    profile.skills, profile.show_skills = "الخياطة وتصليح الملابس", True
    profile.search_text = profiles.search_text(profile, member.user)
    make_member(community, name="Someone else")
    db.session.commit()
    for query in ("احمد", "الحداد", "خياطة", "تصليح", "ملابس"):
        page = search.members(community, Filters(q=query), per_page=10)
        assert [m.id for m, _ in page.items] == [member.id], query


def test_member_pickers_fold_arabic_spellings():
    """The recording forms' picker finds "أحمد" typed "احمد", "فاطمة" typed "فاطمه"."""
    community = make_community()
    ahmad = make_member(community, name="أحمد مُحمّد")
    fatima = make_member(community, name="فاطمة الزهراء")
    make_member(community, name="Zoë Ahmed")
    assert [c.membership_id for c in lookups.find_members(community, "احمد")] == [ahmad.id]
    assert [c.membership_id for c in lookups.find_members(community, "محمد")] == [ahmad.id]
    assert [c.membership_id for c in lookups.find_members(community, "فاطمه")] == [fatima.id]
    assert [c.membership_id for c in lookups.find_members(community, "إحمد")] == [ahmad.id]
    assert len(lookups.find_members(community, "ZOE")) == 1
    assert lookups.find_members(community, "%") == []
    assert lookups.find_members(community, "ـــ") == []


def test_a_renamed_member_is_found_by_the_new_name():
    community = make_community()
    member = make_member(community, name="Old Name")
    member.user.display_name = "سُعاد"
    db.session.commit()
    assert [c.membership_id for c in lookups.find_members(community, "سعاد")] == [member.id]
    assert lookups.find_members(community, "old name") == []


def test_users_made_anywhere_carry_their_folded_name():
    user = make_user(name="Zoë  آمنة")
    assert user.search_name == " zoe امنه "
