"""What the exchange lifecycle tells the members (in-app, and by e-mail when they want it).

Every party hears of every step they did not take themselves: the other party is asked to
confirm a record (``exchange_confirm``); the recorder hears that it was confirmed
(``exchange_confirmed``, when it then waits for a coordinator) or posted
(``exchange_posted``); the parties hear a decision — approved, rejected, confirmed by a
coordinator (``exchange_decided``) — and a reversal (``exchange_reversed``).

Each notice says what happened, who did it, how many hours, when and why, in the
RECIPIENT's language (``describe`` renders it with that language in force: names of
categories and of the community, durations and dates as that reader reads them), with a
link to the exchange. The inbox renders the same text at reading time (``describe_notes``),
from the exchange as it is, so an erased reason is gone from both. Called by
``exchanges.lifecycle`` inside the decision's transaction; ``database.transaction``
delivers the queued e-mail after the commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask_babel import format_date, get_locale, get_translations
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Account,
    Category,
    Community,
    Exchange,
    ExchangeStatus,
    ExchangeText,
    Membership,
    Notification,
    TextKind,
    User,
)
from timebank.services.languages import duration, in_readers_digits
from timebank.services.messaging import notifications

S = ExchangeStatus
EXCHANGE_KINDS = (
    "exchange_confirm",
    "exchange_confirmed",
    "exchange_posted",
    "exchange_decided",
    "exchange_reversed",
)


@dataclass(frozen=True)
class Facts:
    """What a notice about one exchange needs, read in a handful of queries."""

    exchange_id: int
    community_id: int
    status: S
    minutes: int
    service_date: date
    category: str  # the key
    category_names: tuple[str, str]  # (English, Arabic); the key when none is known
    provider: str
    recipient: str
    party_user_ids: frozenset[int]
    recorded_by: str
    confirmed_by: str
    decided_by: str
    decided_by_id: int | None
    decided_at: datetime | None
    rejection: str | None
    reversed_by: str
    reversed_at: datetime | None
    reversal_reason: str | None


@dataclass(frozen=True)
class Notice:
    """A title (what happened, who did it) and its sentences (how many hours of what,
    when, why); the reason, member text, comes last."""

    title: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


# What a notice reads of an exchange: plain rows, not ORM objects.
_FACT_COLUMNS = (
    Exchange.id,
    Exchange.community_id,
    Exchange.status,
    Exchange.minutes,
    Exchange.service_date,
    Exchange.category,
    Exchange.provider_account_id,
    Exchange.recipient_account_id,
    Exchange.recorded_by_id,
    Exchange.confirmed_by_id,
    Exchange.decided_by_id,
    Exchange.decided_at,
    Exchange.reverses_exchange_id,
)


def facts_for(exchange_ids: Iterable[int]) -> dict[int, Facts]:
    """The facts of these exchanges (missing ids are absent), in five queries whatever
    their number."""
    ids = sorted(set(exchange_ids))
    if not ids:
        return {}
    exchanges = list(db.session.execute(select(*_FACT_COLUMNS).where(Exchange.id.in_(ids))))
    reversals = {
        r.reverses_exchange_id: r
        for r in db.session.execute(
            select(*_FACT_COLUMNS).where(Exchange.reverses_exchange_id.in_(ids))
        )
    }
    account_ids = {e.provider_account_id for e in exchanges} | {
        e.recipient_account_id for e in exchanges
    }
    holders = {
        account_id: (user_id, name)
        for account_id, user_id, name in db.session.execute(
            select(Account.id, User.id, User.display_name)
            .join(Membership, Account.membership_id == Membership.id)
            .join(User, User.id == Membership.user_id)
            .where(Account.id.in_(account_ids))
        )
    }
    user_ids = {
        uid
        for e in [*exchanges, *reversals.values()]
        for uid in (e.recorded_by_id, e.confirmed_by_id, e.decided_by_id)
        if uid is not None
    }
    names = dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )
    text_ids = ids + [r.id for r in reversals.values()]
    texts = {
        (exchange_id, kind): body
        for exchange_id, kind, body in db.session.execute(
            select(ExchangeText.exchange_id, ExchangeText.kind, ExchangeText.body).where(
                ExchangeText.exchange_id.in_(text_ids),
                ExchangeText.kind.in_([TextKind.REJECTION, TextKind.REVERSAL]),
            )
        )
    }
    categories = {
        (community_id, key): (en, ar)
        for community_id, key, en, ar in db.session.execute(
            select(Category.community_id, Category.key, Category.name_en, Category.name_ar).where(
                Category.community_id.in_({e.community_id for e in exchanges}),
                Category.key.in_({e.category for e in exchanges}),
            )
        )
    }
    found = {}
    for e in exchanges:
        reversal = reversals.get(e.id)
        provider = holders.get(e.provider_account_id)
        recipient = holders.get(e.recipient_account_id)
        found[e.id] = Facts(
            exchange_id=e.id,
            community_id=e.community_id,
            status=e.status,
            minutes=e.minutes,
            service_date=e.service_date,
            category=e.category,
            category_names=categories.get((e.community_id, e.category), (e.category, e.category)),
            provider=provider[1] if provider else "",
            recipient=recipient[1] if recipient else "",
            party_user_ids=frozenset(h[0] for h in (provider, recipient) if h),
            recorded_by=names.get(e.recorded_by_id, ""),
            confirmed_by=names.get(e.confirmed_by_id or 0, ""),
            decided_by=names.get(e.decided_by_id or 0, ""),
            decided_by_id=e.decided_by_id,
            decided_at=e.decided_at,
            rejection=texts.get((e.id, TextKind.REJECTION)),
            reversed_by=names.get(reversal.recorded_by_id, "") if reversal else "",
            reversed_at=reversal.decided_at if reversal else None,
            reversal_reason=texts.get((reversal.id, TextKind.REVERSAL)) if reversal else None,
        )
    return found


def _iso(text: str) -> str:
    """Member text (a name, a reason) isolated for bidirectional text with Unicode first
    strong isolate marks, so it cannot reorder the sentence around it, in an e-mail (plain
    text) as on a page."""
    return f"\u2068{text}\u2069" if text else text


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime):  # a day reads the same in any time zone
        return _day_in(value, str(get_locale()))
    return in_readers_digits(format_date(value, "long"))


@lru_cache(maxsize=512)
def _day_in(value: date, locale: str) -> str:
    """A day as ``locale`` writes it (called with that language in force)."""
    return in_readers_digits(format_date(value, "long"))


def _translator() -> Callable[..., str]:
    """``gettext`` for the language in force, with the catalogue looked up once: a notice
    is a dozen sentences, and flask-babel finds the catalogue again for each (a notice is
    written on every posting, the ledger's hot path)."""
    catalogue = get_translations()

    def translate(msgid: str, **variables: Any) -> str:
        text = catalogue.ugettext(msgid)
        return text % variables if variables else text

    return translate


def describe(kind: str, facts: Facts, locale: str) -> Notice:
    """The notice about ``facts`` for ``kind``, in the language in force (``locale``):
    what happened and who did it (the title), then how many hours, of what, when, and why."""
    _ = _translator()
    category = facts.category_names[1 if locale == "ar" else 0]
    what = _(
        "%(provider)s gave %(recipient)s %(duration)s of help (%(category)s) on %(date)s.",
        provider=_iso(facts.provider),
        recipient=_iso(facts.recipient),
        duration=duration(facts.minutes),
        category=_iso(category),
        date=_day(facts.service_date),
    )
    title: Any = notifications.KINDS[kind]
    lines: list[Any] = [what]
    decider = facts.decided_by or facts.confirmed_by
    coordinator = facts.decided_by_id is not None and (
        facts.decided_by_id not in facts.party_user_ids
    )
    waits = _("It now waits for a coordinator's approval.")
    posted = _("The hours are now in both balances.")
    when = _("Decided on %(date)s.", date=_day(facts.decided_at)) if facts.decided_at else ""
    if kind == "exchange_confirm":
        title = _("%(who)s asks you to confirm an exchange", who=_iso(facts.recorded_by))
        lines.append(_("Confirm it if it is right, or reject it with a reason."))
    elif kind == "exchange_confirmed":
        title = _("%(who)s confirmed your exchange", who=_iso(facts.confirmed_by))
        lines.append(waits)
    elif kind == "exchange_posted":
        title = _("Your exchange is posted")
        lines += [_("Agreed by %(who)s.", who=_iso(decider)), posted, when]
    elif kind == "exchange_decided" and facts.status == S.REJECTED:
        title = (
            _("Coordinator %(who)s rejected your exchange", who=_iso(decider))
            if coordinator
            else _("%(who)s rejected your exchange", who=_iso(decider))
        )
        lines.append(when)
        if facts.rejection:
            lines.append(_("Reason: %(reason)s", reason=_iso(facts.rejection)))
    elif kind == "exchange_decided" and facts.status in (S.POSTED, S.REVERSED):
        title = _("Coordinator %(who)s approved your exchange", who=_iso(decider))
        lines += [posted, when]
    elif kind == "exchange_decided" and facts.status == S.AWAITING_APPROVAL:
        title = _("Coordinator %(who)s confirmed your exchange", who=_iso(facts.confirmed_by))
        lines.append(waits)
    elif kind == "exchange_reversed":
        title = _("Coordinator %(who)s reversed your exchange", who=_iso(facts.reversed_by))
        lines.append(_("The hours were moved back."))
        if facts.reversed_at:
            lines.append(_("Reversed on %(date)s.", date=_day(facts.reversed_at)))
        if facts.reversal_reason:
            lines.append(_("Reason: %(reason)s", reason=_iso(facts.reversal_reason)))
    return Notice(str(title), tuple(str(line) for line in lines if str(line)))


def describe_notes(notes: Iterable[Notification], locale: str) -> dict[int, Notice]:
    """The notices of the exchange notifications among ``notes``, by notification id, in
    the reader's language (the inbox); other notifications are absent."""
    ours = [n for n in notes if n.kind in EXCHANGE_KINDS and n.object_id is not None]
    facts = facts_for(n.object_id for n in ours if n.object_id is not None)
    return {
        n.id: describe(n.kind, facts[n.object_id], locale)
        for n in ours
        if n.object_id is not None and n.object_id in facts
    }


def _tell(
    exchange: Exchange,
    community: Community,
    kind: str,
    *,
    user_ids: Iterable[int],
    actor: User | None,
) -> None:
    """``kind`` about ``exchange`` for these users except the actor, each in their own
    language (the e-mail starts with the community's name in that language)."""
    told = set(user_ids) - ({actor.id} if actor is not None else set())
    if not told:
        return
    db.session.flush()
    facts = facts_for([exchange.id])[exchange.id]
    subject, body = letter_texts(kind, facts, community.display_name)
    notifications.notify_all(
        db.session.execute(
            select(User.id, User.email, User.locale).where(User.id.in_(told)).order_by(User.id)
        ).all(),
        kind,
        community=community,
        object_type="exchanges",
        object_id=exchange.id,
        subject=subject,
        body=body,
    )


def letter_texts(
    kind: str, facts: Facts, community_name: Callable[[str], str]
) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """The subject and body of the e-mail about ``facts``, as functions of the reader's
    language (``notifications.notify_all`` calls them with it in force); the notice is
    rendered once per language, however many readers share it."""
    rendered: dict[str, Notice] = {}

    def notice(locale: str) -> Notice:
        if locale not in rendered:
            rendered[locale] = describe(kind, facts, locale)
        return rendered[locale]

    def subject(locale: str) -> str:
        return notice(locale).title

    def body(locale: str) -> str:
        lines = "\n".join(notice(locale).lines)
        return f"{community_name(locale)}\n\n{notice(locale).title}.\n\n{lines}"

    return subject, body


def _parties_and_recorder(exchange: Exchange, members: list[Any]) -> set[int]:
    return {m.user_id for m in members} | {exchange.recorded_by_id}


def ask_to_confirm(exchange: Exchange, community: Community, *, other_user_id: int) -> None:
    """``exchange_confirm`` for the party who did not record the exchange."""
    _tell(exchange, community, "exchange_confirm", user_ids=[other_user_id], actor=None)


def tell_recorded(
    exchange: Exchange, community: Community, *, actor: User, members: list[Any]
) -> None:
    """A record agreed at once: when it posted, the parties other than the recorder hear
    it (``exchange_posted``)."""
    if exchange.status == S.POSTED:
        _tell(
            exchange,
            community,
            "exchange_posted",
            user_ids={m.user_id for m in members},
            actor=actor,
        )


def tell_confirmed(
    exchange: Exchange, community: Community, *, actor: User, members: list[Any]
) -> None:
    """The other party confirmed: the recorder (and a party a proxy confirmed for) hear
    that it posted (``exchange_posted``) or waits for a coordinator
    (``exchange_confirmed``)."""
    kind = "exchange_posted" if exchange.status == S.POSTED else "exchange_confirmed"
    _tell(exchange, community, kind, user_ids=_parties_and_recorder(exchange, members), actor=actor)


def tell_decided(
    exchange: Exchange, community: Community, *, actor: User, members: list[Any]
) -> None:
    """``exchange_decided`` (approved, rejected, or confirmed by a coordinator) for each
    party and the recorder except the one who decided (a party who rejects a recorded
    exchange is not told about their own decision)."""
    _tell(
        exchange,
        community,
        "exchange_decided",
        user_ids=_parties_and_recorder(exchange, members),
        actor=actor,
    )


def tell_reversed(
    exchange: Exchange, community: Community, *, actor: User, members: list[Any]
) -> None:
    """``exchange_reversed`` for both parties of the reversed exchange (the notice is
    about the original, whose page links the reversal)."""
    _tell(
        exchange,
        community,
        "exchange_reversed",
        user_ids={m.user_id for m in members},
        actor=actor,
    )
