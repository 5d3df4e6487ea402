"""The co-design board's demo data: a proposal at every stage, one of them — Omar's "Friday
lift to the mosque", proposed in Arabic — endorsed by five members and adopted as a weekly
group activity with a driving check, running, with the hours of its last Fridays recorded."""

from __future__ import annotations

from datetime import date, time, timedelta

from timebank.extensions import db
from timebank.models import Community, Membership, Proposal, User, utcnow
from timebank.services.codesign import activities, proposals
from timebank.services.codesign.activities import ActivityInput
from timebank.services.codesign.proposals import ProposalInput
from timebank.services.companionship import safeguarding

FRIDAY = 4
# (proposer's position in MEMBERS, language, input, days ago it was proposed)
PROPOSALS = {
    "proposed": (2, "en", ProposalInput(
        title_en="Repair café", description_en="Fix broken things together once a month, "
        "with tea.", need="Kettles and lamps are thrown away for want of a screw.",
        audience="Everyone", frequency="monthly", volunteers="Two people handy with tools",
    ), 5),
    "discussion": (3, "en", ProposalInput(
        title_en="Homework club", title_ar="نادي الواجبات المدرسية",
        description_en="An hour after school in the library for children who need help.",
        need="Parents working late cannot help with homework.", audience="Children aged 8-14",
        frequency="weekly", checks=["background", "references"],
    ), 20),
    "declined": (0, "ar", ProposalInput(
        title_ar="حافلة ليلية", description_ar="حافلة صغيرة تعيد الجيران إلى بيوتهم ليلاً.",
        need="لا مواصلات بعد العاشرة مساءً.", audience="كل الجيران", frequency="weekly",
        checks=["driving"],
    ), 60),
    "adopted": (4, "ar", ProposalInput(
        title_ar="مكتبة البذور", title_en="Seed library",
        description_ar="نتبادل البذور من حدائقنا في الربيع.",
        need="البذور غالية والحدائق كثيرة.", audience="أصحاب الحدائق", frequency="as_needed",
    ), 45),
    "retired": (2, "en", ProposalInput(
        title_en="Winter soup kitchen", title_ar="مطبخ حساء الشتاء",
        description_en="Soup on Saturdays in the hall through the winter.",
        need="Cold weeks are lonely.", audience="Anyone living alone", frequency="weekly",
    ), 300),
    "running": (1, "ar", ProposalInput(
        title_ar="توصيلة الجمعة إلى المسجد", title_en="Friday lift to the mosque",
        description_ar="سيارة تأخذ الجيران كبار السن إلى صلاة الجمعة وتعيدهم.",
        need="كبار السن لا يستطيعون المشي إلى المسجد.", audience="الجيران كبار السن",
        frequency="weekly", volunteers="سائق واحد كل أسبوع", checks=["driving"],
    ), 50),
}  # fmt: skip


def _backdate(proposal: Proposal, days: int) -> None:
    """Demo data only: a proposal and its first revision made ``days`` ago."""
    when = utcnow() - timedelta(days=days)
    proposal.created_at = proposal.revisions[0].created_at = when
    db.session.flush()


def load_demo_codesign(
    community: Community, *, admin: User, coordinator: User, members: list[Membership]
) -> None:
    grace, layla = members[2], members[4]
    made = {}
    for stage, (who, language, data, days) in PROPOSALS.items():
        proposer = members[who]
        made[stage] = proposals.propose(proposer, actor=proposer.user, data=data, language=language)
        _backdate(made[stage], days)
    discussion = made["discussion"]
    proposals.move(discussion, actor=coordinator, stage="discussion")
    proposals.endorse(discussion, actor=grace.user)
    proposals.comment(discussion, actor=layla.user, body="يمكنني المساعدة في الرياضيات.")
    proposals.volunteer(discussion, actor=grace.user, minutes_per_week=60)
    proposals.decline(
        made["declined"], actor=coordinator,
        reason="لا نملك حافلة ولا تأميناً لها هذا العام؛ نعيد النظر في الربيع.",
    )  # fmt: skip
    proposals.adopt(made["adopted"], actor=coordinator, name_en="Seed library",
                    name_ar="مكتبة البذور")  # fmt: skip
    retired = made["retired"]
    proposals.adopt(retired, actor=coordinator, name_en="Soup kitchen", name_ar="مطبخ الحساء")
    retired.adopted_at = utcnow() - timedelta(days=280)
    proposals.move(retired, actor=coordinator, stage="running")
    proposals.move(retired, actor=coordinator, stage="retired")
    _friday_lift(made["running"], admin=admin, coordinator=coordinator, members=members)


def _friday_lift(
    lift: Proposal, *, admin: User, coordinator: User, members: list[Membership]
) -> None:
    salma, omar, grace, yusuf, layla = members
    for endorser in (salma.user, grace.user, yusuf.user, layla.user, admin):
        proposals.endorse(lift, actor=endorser)
    proposals.volunteer(lift, actor=yusuf.user, minutes_per_week=60)
    today = utcnow().date()
    activity = activities.adopt_as_activity(
        lift,
        actor=coordinator,
        data=ActivityInput(
            frequency="weekly", weekday=FRIDAY, starts_at=time(17, 0), minutes=60,
            first_date=today - timedelta(days=35), category_key="transport",
            checks=["driving"],
        ),
    )  # fmt: skip
    lift.adopted_at = utcnow() - timedelta(days=36)
    safeguarding.record_check(
        yusuf, actor=coordinator, check_type="driving", checked_on=today - timedelta(days=40),
        expires_on=today + timedelta(days=325), note="Licence and insurance seen",
    )  # fmt: skip
    fridays: list[date] = activities.dates(activity, activity.first_date, today)
    for number, friday in enumerate(fridays[-4:]):
        activities.record_session(
            activity, actor=coordinator, providers=[yusuf], recipients=[omar, salma, layla],
            minutes=60, service_date=friday, idempotency_key=f"demo-friday-lift-{number}",
            description="صلاة الجمعة",
        )  # fmt: skip
    db.session.flush()
