"""Reminders before each duty, at the volunteer's lead times (default 24 h and 2 h).

Every round of the workers (`rounds.run_round`) starts with
`schedule_reminders(session, now)`. In one query it reads the live duties that start
within the longest lead time anyone has, works out for each the one reminder that is
due at `now` (if any), and records it through `service.tell` like any other event.
Nothing is recorded ahead of time, so a duty cancelled or moved before its reminder is
due simply never gets one.

Rules, per duty (a volunteer on a shift):
- A lead time L is due at `start - L`. Inside the volunteer's quiet hours it is held
  back to their end, and dropped if that is not before the start.
- Of the lead times that are due, only the shortest is recorded: a worker that was
  down (or quiet hours that held back two of them) sends one reminder, not a pile.
- A lead time that had already passed when the duty was given is not owed. If every
  one had passed (a duty given at short notice), the duty gets one reminder at once,
  `late`, instead.
- Never twice: the event ref names the duty (`reminder:<shift>:<minutes>`, the
  volunteer is in the idempotency key) and a reminder is not recorded when one as
  close to the start (a shorter lead, or `late`) is already recorded, in the outbox or
  among the webhook deliveries. The duty is named by its shift, not by its assignment
  row, because a republished roster gives every unchanged duty a new assignment row:
  keyed by assignment, a republish within two hours of a duty would remind everyone on
  it again.
- Who: volunteers who hear by e-mail (and have not muted reminders); everyone, when an
  office gateway's webhook carries `duty.reminder` (the volunteer with no address
  hears by SMS).

Quiet hours are read in the station's time zone. The duty is at the station and the
volunteer lives within travel of it, and the service keeps no time zone per volunteer
(their weekly availability is wall-clock time too); the mail states the duty in the
station's time as well. They also hold back a reminder whose delivery was held up into
them (`not_before`), and at delivery a reminder whose duty has started or is no longer
the volunteer's is not sent (`stale_reminder`).
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, bindparam, func, select, text
from sqlalchemy.orm import Session, aliased

from app.notifications import preferences
from app.notifications.models import (
    Channel,
    EventKind,
    Language,
    NotificationPreference,
    OutboxMessage,
)
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.settings import get_settings
from app.shifts.models import Shift
from app.stations.models import Station
from app.volunteers.models import Volunteer, VolunteerStatus
from app.webhooks import service as webhooks
from app.webhooks.models import WebhookDelivery

if TYPE_CHECKING:
    from app.notifications.mail import Rendered

log = logging.getLogger(__name__)

LATE = "late"
# Keys looked up per query: well under SQLite's and PostgreSQL's limits on parameters.
KEYS_PER_QUERY = 5000
# Taken by the round that schedules reminders on PostgreSQL, so that rounds running at
# once in several workers do not both record the same reminder (SQLite's BEGIN
# IMMEDIATE already lets one writer at a time through).
SCHEDULER_LOCK = 26_000_003


@dataclass(frozen=True)
class Due:
    """The reminder of a duty that is due: its lead time in minutes (None: `late`)."""

    lead: int | None

    @property
    def label(self) -> str:
        return LATE if self.lead is None else str(self.lead)


def out_of_quiet_hours(
    moment: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None
) -> datetime:
    """The moment, or the end of the quiet hours (local time in `zone`) it falls in."""
    local = moment.astimezone(zone)
    if quiet is None or not preferences.in_quiet_hours(local.time(), quiet):
        return moment
    end = datetime.combine(local.date(), quiet[1], zone)
    if end <= local:  # quiet hours that run past midnight end the next morning
        end = datetime.combine(local.date() + timedelta(days=1), quiet[1], zone)
    return end.astimezone(UTC)


def due_reminder(
    *,
    starts_at: datetime,
    given_at: datetime,
    leads: list[int],
    quiet: tuple[time, time] | None,
    zone: ZoneInfo,
    now: datetime,
) -> Due | None:
    """The one reminder of a duty that is due at `now`, if any (see the module's rules)."""
    if not leads or now >= starts_at:
        return None
    moments: dict[int | None, datetime] = {
        lead: starts_at - timedelta(minutes=lead)
        for lead in leads
        if starts_at - timedelta(minutes=lead) >= given_at
    }
    if not moments:  # every lead time had passed when the duty was given
        moments = {None: given_at}
    due = [
        Due(lead)
        for lead, nominal in moments.items()
        if (at := out_of_quiet_hours(nominal, zone, quiet)) <= now and at < starts_at
    ]
    # The shortest lead that is due (`late` is shorter than any): the latest news.
    return min(due, key=lambda d: d.lead or 0, default=None)


def event_ref(shift_id: int, label: str) -> str:
    return f"reminder:{shift_id}:{label}"


def _as_recent_or_more(due: Due, leads: list[int]) -> list[str]:
    """Labels of the reminders that make `due` superfluous when already recorded: for
    `late`, any reminder of the duty; for a lead time, a shorter or equal one, or late."""
    if due.lead is None:
        return [LATE, *(str(lead) for lead in leads)]
    return [LATE, *(str(lead) for lead in leads if lead <= due.lead)]


def _longest_lead(session: Session) -> int:
    """The longest lead time anyone has: the office's default or a volunteer's own."""
    stored = session.scalars(
        select(NotificationPreference.reminder_minutes)
        .where(NotificationPreference.reminder_minutes.is_not(None))
        .distinct()
    )
    longest = 0
    for minutes in [get_settings().reminder_lead_minutes, *stored]:
        try:
            longest = max([longest, *preferences.parse_minutes(minutes)])
        except ValueError:  # unreadable: that volunteer is skipped below, not everyone
            continue
    return longest


def _window(now: datetime, longest: int, *, email_only: bool) -> Select:
    """The live duties starting in (now, now + longest]: scheduled in a published
    roster, the shift not cancelled; `email_only`: of volunteers with an address. The
    shift's start is indexed, so this reads the window, not every duty."""
    query = (
        select(
            Assignment.id,
            Assignment.volunteer_id,
            Assignment.shift_id,
            Assignment.created_at,
            Roster.published_at,
            Shift.starts_at,
            Shift.ends_at,
            Station.name,
            Station.timezone,
            NotificationPreference,
        )
        .join(Roster, Roster.id == Assignment.roster_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .outerjoin(
            NotificationPreference, NotificationPreference.volunteer_id == Assignment.volunteer_id
        )
        .where(
            Shift.starts_at > now,
            Shift.starts_at <= now + timedelta(minutes=longest),
            Shift.cancelled_at.is_(None),
            Roster.status == RosterStatus.published,
            Assignment.status == AssignmentStatus.scheduled,
            Volunteer.status == VolunteerStatus.active,
        )
    )
    return query.where(Volunteer.email.is_not(None)) if email_only else query


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _recorded(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these idempotency keys are in the outbox or among the webhook deliveries
    (looked up on their unique indexes)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(keys)), KEYS_PER_QUERY):
        for column in (OutboxMessage.idempotency_key, WebhookDelivery.idempotency_key):
            found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _payload(duty: Row, due: Due) -> dict:
    """What the reminder says: the duty in the station's local time, and the assignment
    that the check at delivery reads (has the duty been cancelled since?)."""
    zone = ZoneInfo(duty.timezone)
    return {
        "assignment_id": duty.id,
        "shift_id": duty.shift_id,
        "station": duty.name,
        "timezone": duty.timezone,
        "starts_at": duty.starts_at.astimezone(zone).isoformat(),
        "ends_at": duty.ends_at.astimezone(zone).isoformat(),
        "lead_minutes": due.lead,
    }


def _take_scheduler_lock(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    taken = session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SCHEDULER_LOCK})
    return bool(taken)


@dataclass(frozen=True)
class _Owed:
    """A reminder due for a duty of the window, and the keys that would make it one too many."""

    duty: Row
    due: Due
    superseded_by: list[str]


def schedule_reminders(session: Session, now: datetime) -> int:
    """Records the reminders due at `now` in the caller's transaction (the caller
    commits); returns how many. Time is an argument: tests and the workers say what
    time it is."""
    # Imported here: service (and mail) name this module's functions in their tables.
    from app.notifications import service

    def keys(duty: Row, label: str) -> list[str]:
        """The keys of the duty's reminder: as an e-mail, and through the webhooks."""
        ref = event_ref(duty.shift_id, label)
        return [
            service.idempotency_key(EventKind.reminder, ref, duty.volunteer_id, Channel.email),
            webhooks.delivery_key(EventKind.reminder, ref, duty.volunteer_id),
        ]

    if not _take_scheduler_lock(session):
        return 0  # another worker is scheduling at this very moment
    longest = _longest_lead(session)
    if longest == 0:
        return 0
    # An office gateway (SMS) that carries reminders: everyone is reminded, e-mail or not.
    by_webhook = webhooks.any_subscribed(session, EventKind.reminder)
    owed: list[_Owed] = []
    for duty in session.execute(_window(now, longest, email_only=not by_webhook)):
        try:
            choices = preferences.choices(duty.NotificationPreference)
        except ValueError:
            # A stored choice that cannot be read must not stop everyone's reminders.
            log.error("volunteer %s: notification preferences unreadable", duty.volunteer_id)
            continue
        by_email = choices.email and EventKind.reminder not in choices.muted_kinds
        if not by_email and not by_webhook:
            continue
        due = due_reminder(
            starts_at=duty.starts_at,
            given_at=max(duty.created_at, duty.published_at or duty.created_at),
            leads=choices.reminder_minutes,
            quiet=choices.quiet_hours,
            zone=ZoneInfo(duty.timezone),
            now=now,
        )
        if due is not None:
            labels = _as_recent_or_more(due, choices.reminder_minutes)
            owed.append(_Owed(duty, due, [k for label in labels for k in keys(duty, label)]))
    recorded = _recorded(session, (k for o in owed for k in o.superseded_by))
    # One event per shift and lead time, told to every volunteer of the shift it is due
    # to (each gets their own message): a few calls of `tell`, not one per volunteer.
    events: dict[str, dict[int, dict]] = defaultdict(dict)
    for o in owed:
        if recorded.isdisjoint(o.superseded_by):
            ref = event_ref(o.duty.shift_id, o.due.label)
            events[ref][o.duty.volunteer_id] = _payload(o.duty, o.due)
    return sum(
        service.tell(session, kind=EventKind.reminder, event_ref=ref, payloads=payloads)
        for ref, payloads in events.items()
    )


def schedule_in_own_session(now: datetime, sessions: Callable[[], Session]) -> int:
    """The round's first step, committed on its own: a failure here is logged and
    does not keep the round from delivering what is already in the outbox."""
    try:
        with sessions() as session:
            scheduled = schedule_reminders(session, now)
            # No nudge for these: the round that scheduled them delivers them next.
            session.info.pop("after_commit", None)
            session.commit()
            return scheduled
    except Exception:  # noqa: BLE001 - the next round schedules again
        log.exception("reminders not scheduled")
        return 0


# -- at delivery -----------------------------------------------------------------------


@cache  # built once, at first use (not at import, before every model is mapped)
def _still_theirs() -> Select:
    """For an assignment id: whether its shift was cancelled, and how many scheduled
    assignments of the same volunteer on the same shift a published roster holds (a
    republish moves the duty onto a new row of the new roster)."""
    given = aliased(Assignment)
    live = (
        select(func.count())
        .select_from(Assignment)
        .join(Roster, Roster.id == Assignment.roster_id)
        .where(
            Assignment.shift_id == given.shift_id,
            Assignment.volunteer_id == given.volunteer_id,
            Assignment.status == AssignmentStatus.scheduled,
            Roster.status == RosterStatus.published,
        )
        .scalar_subquery()
    )
    return (
        select(Shift.cancelled_at, live)
        .select_from(given)
        .join(Shift, Shift.id == given.shift_id)
        .where(given.id == bindparam("assignment_id"))
    )


def stale_reminder(payload: dict, now: datetime, session: Session) -> str | None:
    """A reminder of a duty that has started, or is no longer the volunteer's (the
    shift cancelled, the assignment cancelled, or dropped by a republish), is not sent."""
    if now >= datetime.fromisoformat(payload["starts_at"]):
        return "Not sent: the duty had started when it could be delivered."
    found = session.execute(_still_theirs(), {"assignment_id": payload["assignment_id"]}).first()
    if found is None or found.cancelled_at is not None:
        return "Not sent: the shift was cancelled before it could be delivered."
    if found[1] == 0:
        return "Not sent: the duty was cancelled before it could be delivered."
    return None


def not_before(payload: dict, now: datetime, choices: preferences.Choices) -> datetime | None:
    """Quiet hours hold a reminder back at delivery too: one recorded just before them
    but held up into them (the server down, a retry) waits for their end. If the duty
    starts by then, the staleness check marks it dead at that moment."""
    zone = ZoneInfo(payload.get("timezone") or get_settings().default_timezone)
    until = out_of_quiet_hours(now, zone, choices.quiet_hours)
    return until if until > now else None


# -- the mail --------------------------------------------------------------------------

TEXTS = {
    Language.zh: {
        "subject": "值班提醒：{duty}",
        "greeting": "{name}，您好：",
        "intro": "提醒您即将到来的值班：",
        "footer": "此邮件由 U-Roster 自动发送。",
    },
    Language.en: {
        "subject": "Reminder: your duty {duty}",
        "greeting": "Dear {name},",
        "intro": "A reminder of your coming duty:",
        "footer": "Sent by U-Roster.",
    },
}


def render_reminder(payload: dict, language: Language, name: str) -> "Rendered":
    from app.notifications import mail

    texts = TEXTS[language]
    duty = mail.duty_line(payload, language)
    greeting = texts["greeting"].format(name=name)
    text_body = f"{greeting}\n\n{texts['intro']}\n\n- {duty}\n\n-- \n{texts['footer']}\n"
    html = mail._HTML.render(
        lang=language.value, greeting=greeting, intro=texts["intro"], duties=[duty],
        none="", footer=texts["footer"],
    )  # fmt: skip
    return mail.Rendered(subject=texts["subject"].format(duty=duty), text=text_body, html=html)
