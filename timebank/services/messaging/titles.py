"""Who did what, for the notifications about a listing, a proposal or a companionship
match: "Salma Haddad responded to your offer “Help with the garden”" rather than "Someone
responded to your listing".

The inbox renders them at reading time from the object as it is (``describe_notes``: the
names and titles isolated with ``<bdi>`` and marked with their language), the e-mail at
sending time (``letter``: the same sentences, member text isolated with Unicode isolate
marks), each in the reader's language. Exchange notices have their own module
(``exchanges.notices``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.i18n import lang_of
from timebank.models import (
    Arrangement,
    CompanionshipRequest,
    Conversation,
    Listing,
    ListingKind,
    Membership,
    Notification,
    Proposal,
    ProposalRevision,
    ProposalStage,
    User,
)
from timebank.services.messaging import notifications

KINDS = ("response", "matched", "proposal_stage", "proposal_adopted")
# How member text is isolated: (text, its language or None) -> what goes in the sentence.
Isolate = Callable[[str, str | None], Any]


@dataclass(frozen=True)
class Notice:
    """A title (who did what) and a sentence saying what to do next; ``text`` as the
    inbox shows it under the title."""

    title: Any
    text: Any


def _bdi(text: str, language: str | None) -> Markup:
    return Markup("<bdi{}>{}</bdi>").format(lang_of(language), text)


def _marks(text: str, _language: str | None) -> str:
    return f"\u2068{text}\u2069" if text else text


def _say(sentence: str, isolate: Isolate, **values: Any) -> Any:
    """A translated ``sentence``, its placeholders filled with values already isolated:
    Markup (the sentence escaped) for a page, plain text for an e-mail."""
    if isolate is _bdi:
        return escape(sentence) % values if values else escape(sentence)
    return sentence % values if values else sentence


def _response(row: Any, isolate: Isolate) -> Notice:
    who = isolate(row.name, None)
    title = isolate(row.title, row.language)
    if row.kind == ListingKind.OFFER:
        head = _say(_("%(who)s responded to your offer “%(title)s”"), isolate, who=who, title=title)
    else:
        head = _say(
            _("%(who)s responded to your request “%(title)s”"), isolate, who=who, title=title
        )
    return Notice(head, _say(_("Read the message and reply in the conversation."), isolate))


def _matched(row: Any, user_id: int, isolate: Isolate) -> Notice:
    volunteer = user_id == row.volunteer_user_id
    other = isolate(row.recipient_name if volunteer else row.volunteer_name, None)
    head = _say(_("You were matched with %(who)s for companionship visits"), isolate, who=other)
    text = (
        _say(_("Agree a day and time for the visits with the coordinator."), isolate)
        if volunteer
        else _say(_("%(who)s will visit you; the coordinator agrees the day and time."), isolate,
                  who=other)
    )  # fmt: skip
    return Notice(head, text)


def _proposal_title(row: Any, locale: str, isolate: Isolate) -> Any:
    first, other = ("ar", "en") if locale == "ar" else ("en", "ar")
    titles = {"en": row.title_en, "ar": row.title_ar}
    language = first if titles[first] else other
    return isolate(titles[language], language)


def _proposal(kind: str, row: Any, locale: str, isolate: Isolate, *, latest: bool) -> Notice:
    """``latest``: the newest notice of this proposal's stages for its reader, the only
    one that can name the stage (the proposal is read as it is now)."""
    title = _proposal_title(row, locale, isolate)
    if kind == "proposal_adopted":
        head = _say(_("The proposal “%(title)s” you endorsed was adopted"), isolate, title=title)
        return Notice(head, _say(_("It is now part of what the community offers."), isolate))
    see = _say(_("See what changed on the proposal's page."), isolate)
    if not latest:
        head = _say(_("Your proposal “%(title)s” moved to a new stage"), isolate, title=title)
    elif row.stage == ProposalStage.DISCUSSION:
        head = _say(_("Your proposal “%(title)s” is now under discussion"), isolate, title=title)
    elif row.stage == ProposalStage.ADOPTED:
        head = _say(_("Your proposal “%(title)s” was adopted"), isolate, title=title)
    elif row.stage == ProposalStage.RUNNING:
        head = _say(_("Your proposal “%(title)s” is now running"), isolate, title=title)
    elif row.stage == ProposalStage.RETIRED:
        head = _say(_("Your proposal “%(title)s” was retired"), isolate, title=title)
    elif row.stage == ProposalStage.DECLINED:
        head = _say(_("Your proposal “%(title)s” was declined"), isolate, title=title)
        see = _say(_("The coordinator's reason is on the proposal's page."), isolate)
    else:
        head = _say(_("Your proposal “%(title)s” moved to a new stage"), isolate, title=title)
    return Notice(head, see)


def _group(kind: str) -> str:
    """Which facts a notice of ``kind`` reads (both proposal notices read the proposal)."""
    return "proposal" if kind.startswith("proposal") else kind


def _facts(kind: str, ids: set[int]) -> dict[int, Any]:
    """The rows a notice of ``kind`` reads, by object id (one query per kind)."""
    if not ids:
        return {}
    query: Any
    if kind == "response":
        query = (
            select(Conversation.id, User.display_name.label("name"), Listing.title,
                   Listing.language, Listing.kind)
            .join(Membership, Membership.id == Conversation.starter_id)
            .join(User, User.id == Membership.user_id)
            .join(Listing, Listing.id == Conversation.listing_id)
            .where(Conversation.id.in_(ids))
        )  # fmt: skip
    elif kind == "matched":
        volunteer, recipient = aliased(Membership), aliased(Membership)
        volunteer_user, recipient_user = aliased(User), aliased(User)
        query = (
            select(
                Arrangement.id,
                volunteer_user.id.label("volunteer_user_id"),
                volunteer_user.display_name.label("volunteer_name"),
                recipient_user.display_name.label("recipient_name"),
            )
            .join(volunteer, volunteer.id == Arrangement.volunteer_id)
            .join(volunteer_user, volunteer_user.id == volunteer.user_id)
            .join(CompanionshipRequest, CompanionshipRequest.id == Arrangement.request_id)
            .join(recipient, recipient.id == CompanionshipRequest.recipient_id)
            .join(recipient_user, recipient_user.id == recipient.user_id)
            .where(Arrangement.id.in_(ids))
        )
    else:
        latest = (
            select(ProposalRevision.proposal_id, func.max(ProposalRevision.number).label("n"))
            .where(ProposalRevision.proposal_id.in_(ids))
            .group_by(ProposalRevision.proposal_id)
            .subquery()
        )
        query = (
            select(Proposal.id, Proposal.stage, ProposalRevision.title_en,
                   ProposalRevision.title_ar)
            .join(latest, latest.c.proposal_id == Proposal.id)
            .join(ProposalRevision, (ProposalRevision.proposal_id == Proposal.id)
                  & (ProposalRevision.number == latest.c.n))
        )  # fmt: skip
    return {row.id: row for row in db.session.execute(query)}


def _describe(
    kind: str, row: Any, user_id: int, locale: str, isolate: Isolate, *, latest: bool = True
) -> Notice:
    if kind == "response":
        return _response(row, isolate)
    if kind == "matched":
        return _matched(row, user_id, isolate)
    return _proposal(kind, row, locale, isolate, latest=latest)


def _newest_stage_notes(proposal_ids: set[int]) -> dict[tuple[int, int | None], int]:
    """The id of each reader's newest ``proposal_stage`` notice, by (reader, proposal)."""
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        select(Notification.user_id, Notification.object_id, func.max(Notification.id))
        .where(Notification.kind == "proposal_stage", Notification.object_id.in_(proposal_ids))
        .group_by(Notification.user_id, Notification.object_id)
    )
    return {(user_id, object_id): newest for user_id, object_id, newest in rows}


def describe_notes(
    notes: Iterable[Notification], locale: str, *, plain: bool = False
) -> dict[int, Notice]:
    """The notices among ``notes`` this module knows, by notification id, for the inbox
    (in the language in force, ``locale``); the others, and those whose object is gone,
    are absent. ``plain``: text with Unicode isolates instead of ``<bdi>`` (the API)."""
    ours = [n for n in notes if n.kind in KINDS and n.object_id is not None]
    facts = {
        group: _facts(group, {n.object_id or 0 for n in ours if _group(n.kind) == group})
        for group in {_group(n.kind) for n in ours}
    }
    newest = _newest_stage_notes({n.object_id or 0 for n in ours if n.kind == "proposal_stage"})
    found = {}
    for n in ours:
        row = facts[_group(n.kind)].get(n.object_id or 0)
        if row is not None:
            latest = newest.get((n.user_id, n.object_id), n.id) == n.id
            isolate = _marks if plain else _bdi
            found[n.id] = _describe(n.kind, row, n.user_id, locale, isolate, latest=latest)
    return found


def letter(
    kind: str, object_id: int, user_id: int
) -> tuple[Callable[[str], str], Callable[[str], str]] | None:
    """The subject and body of the e-mail of ``kind`` about ``object_id`` for ``user_id``,
    as functions of the reader's language (``notifications.notify_all`` calls them with it
    in force); None when the object is gone."""
    row = _facts(_group(kind), {object_id}).get(object_id)
    if row is None:
        return None

    def subject(locale: str) -> str:
        return str(_describe(kind, row, user_id, locale, _marks).title)

    def body(locale: str) -> str:
        notice = _describe(kind, row, user_id, locale, _marks)
        return f"{notice.title}.\n\n{notice.text}"

    return subject, body


def notify(
    users: Iterable[Any], kind: str, *, community: Any, object_type: str, object_id: int
) -> None:
    """``notifications.notify_all`` for ``kind`` about ``object_id``, each e-mail saying
    who did what in its reader's language."""
    for user in users:
        texts = letter(kind, object_id, user.id)
        subject, body = texts if texts is not None else (None, None)
        notifications.notify_all(
            [user],
            kind,
            community=community,
            object_type=object_type,
            object_id=object_id,
            subject=subject,
            body=body,
        )
