"""Recording messages in the outbox, and delivering those that are due.

Recording only adds rows to the caller's session: the message commits with the change
that causes it, or is rolled back with it. Delivery claims one due message at a time,
sends it and marks it in its own short transaction, so that a worker killed mid-batch
loses nothing and sends again at most the one message it was sending (which carries
the same Message-ID)."""

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from enum import Enum
from functools import cache
from zoneinfo import ZoneInfo

import aiosmtplib
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db import after_commit, utcnow
from app.districts.models import District
from app.notifications import mail, reminders, unsubscribe
from app.notifications.models import (
    Channel,
    EventKind,
    NotificationPreference,
    OutboxMessage,
)
from app.notifications.preferences import Choices, choices
from app.rosters import queries
from app.rosters.models import Assignment, Roster
from app.settings import get_settings
from app.shifts.models import Shift
from app.volunteers.models import Volunteer, VolunteerStatus
from app.webhooks import service as webhooks

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
# Messages claimed per commit (see _claim). A worker killed mid-batch leaves the rest
# of its batch to the next worker once the claim runs out.
CLAIM_BATCH = 50
LONGEST_WAIT = timedelta(hours=1)


def idempotency_key(kind: EventKind, event_ref: str, volunteer_id: int, channel: Channel) -> str:
    return f"{kind.value}:{event_ref}:{volunteer_id}:{channel.value}"


def record(
    session: Session,
    *,
    kind: EventKind,
    event_ref: str,
    volunteer_id: int,
    channel: Channel,
    payload: dict,
    language: str,
) -> OutboxMessage:
    """Adds the message to the caller's transaction (no commit of its own)."""
    message = OutboxMessage(
        event_kind=kind.value,
        volunteer_id=volunteer_id,
        channel=channel.value,
        idempotency_key=idempotency_key(kind, event_ref, volunteer_id, channel),
        payload=payload,
        language=language,
        attempts=0,
        dead=False,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    # Delivered within seconds instead of at the next periodic round.
    after_commit(session, nudge)
    return message


# How a nudge reaches the workers, installed where the app or a worker starts
# (app.rosters.dispatch.install): this module never imports the tasks.
_nudge: Callable[[], None] | None = None


def set_nudger(nudger: Callable[[], None]) -> None:
    global _nudge
    _nudge = nudger


def nudge() -> None:
    """Asks the workers to deliver now (called after the commit that recorded messages).
    A lost nudge delays messages to the next periodic round but loses none, so a
    failure here is logged, not raised into the request that has already committed."""
    try:
        if _nudge is None:
            raise RuntimeError("no nudger: call app.rosters.dispatch.install() at start")
        _nudge()
    except Exception:  # noqa: BLE001 - the periodic round delivers what a nudge missed
        log.exception("notification workers not nudged")


def _email_recipients(session: Session, volunteer_ids: set[int], kind: EventKind) -> dict[int, str]:
    """Of these volunteers, those who hear of this kind of event by e-mail, with their
    language: an active volunteer with an address, e-mail not turned off, and this
    kind not unsubscribed from (muting reminders leaves the change notices coming)."""
    if not volunteer_ids:
        return {}
    preferences = {
        p.volunteer_id: p
        for p in session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.volunteer_id.in_(volunteer_ids)
            )
        )
    }
    reachable = session.scalars(
        select(Volunteer.id).where(
            Volunteer.id.in_(volunteer_ids),
            Volunteer.status == VolunteerStatus.active,
            Volunteer.email.is_not(None),
        )
    )
    recipients = {}
    for volunteer_id in reachable:
        chosen = choices(preferences.get(volunteer_id))
        if chosen.email and kind.value not in chosen.muted_kinds:
            recipients[volunteer_id] = chosen.language.value
    return recipients


def tell(session: Session, *, kind: EventKind, event_ref: str, payloads: dict[int, dict]) -> int:
    """Records one event for the volunteers concerned (volunteer id → what their message
    says) on every channel they hear by, in the caller's transaction. Every event of
    the service goes through here. Returns the number of e-mails recorded."""
    recipients = _email_recipients(session, set(payloads), kind)
    for volunteer_id, language in sorted(recipients.items()):
        record(
            session,
            kind=kind,
            event_ref=event_ref,
            volunteer_id=volunteer_id,
            channel=Channel.email,
            payload=payloads[volunteer_id],
            language=language,
        )
    # Webhooks hear of every event, e-mail or not (the office's SMS and chat gateways).
    recorded = webhooks.fan_out(session, kind=kind, event_ref=event_ref, payloads=payloads)
    if recorded:
        after_commit(session, nudge)
    return len(recipients)


def _duties_by_volunteer(assignments: list[Assignment]) -> dict[int, list[Assignment]]:
    duties: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        if assignment.shift.cancelled_at is None:
            duties[assignment.volunteer_id].append(assignment)
    return duties


def _duty(assignment: Assignment) -> dict:
    return shift_as_told(assignment.shift)


def shift_as_told(shift: Shift) -> dict:
    """A shift as messages tell it: in the station's local time."""
    zone = ZoneInfo(shift.station.timezone)
    return {
        "shift_id": shift.id,
        "station": shift.station.name,
        "starts_at": shift.starts_at.astimezone(zone).isoformat(),
        "ends_at": shift.ends_at.astimezone(zone).isoformat(),
    }


def roster_published(session: Session, roster: Roster, earlier: Roster | None) -> int:
    """One message per volunteer with their duties of the week. On a republish only
    those whose duties differ from the earlier roster's hear of it (a volunteer with
    none left is told so). Returns the number of messages recorded."""
    duties = _duties_by_volunteer(queries.live_assignments(session, roster.id))
    concerned = set(duties)
    before: dict[int, list[Assignment]] = {}
    if earlier is not None:
        before = _duties_by_volunteer(queries.live_assignments(session, earlier.id))
        shifts_of = lambda rows: {a.shift_id for a in rows}  # noqa: E731
        concerned = {
            volunteer_id
            for volunteer_id in set(duties) | set(before)
            if shifts_of(duties.get(volunteer_id, [])) != shifts_of(before.get(volunteer_id, []))
        }
    district = session.get_one(District, roster.district_id)
    # The week ends at midnight where its stations are (a district's stations share
    # one zone); kept in the payload so that a message left waiting can tell it is late.
    zones = {a.shift.station.timezone for rows in duties.values() for a in rows}
    zone = min(zones) if zones else get_settings().default_timezone
    by_time = lambda a: (a.shift.starts_at, a.id)  # noqa: E731
    payloads = {}
    for volunteer_id in concerned:
        rows = sorted(duties.get(volunteer_id, []), key=by_time)
        payloads[volunteer_id] = {
            "roster_id": roster.id,
            "week": roster.week,
            "timezone": zone,
            "district": district.name,
            "duties": [_duty(a) for a in rows],
        }
        if earlier is not None:
            # What changed against the earlier roster, told before the full list.
            now_on = {a.shift_id for a in rows}
            was_on = {a.shift_id for a in before.get(volunteer_id, [])}
            payloads[volunteer_id]["added"] = [_duty(a) for a in rows if a.shift_id not in was_on]
            payloads[volunteer_id]["dropped"] = [
                _duty(a)
                for a in sorted(before.get(volunteer_id, []), key=by_time)
                if a.shift_id not in now_on
            ]
    return tell(
        session, kind=EventKind.roster_published, event_ref=f"roster-{roster.id}", payloads=payloads
    )


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def _claim(session: Session, now: datetime, limit: int = CLAIM_BATCH) -> list[OutboxMessage]:
    """Takes the next due messages (at most `limit`) for this worker: their next attempt
    moves to the end of a claim period, so that other workers leave them alone while
    they are sent (on PostgreSQL they skip the rows while the claim is being written).
    The caller commits the claim before it talks to the SMTP server: no lock is held
    during a send (on SQLite the write lock would stop every request that writes).
    Claiming a batch at a time, not one message, is what lets 10,000 reminders due at
    once go out within a minute; each is still marked sent on its own as soon as the
    server has accepted it."""
    messages = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == Channel.email,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    # From the later of the round's time and the clock: a long round must not hand
    # out claims that have already run out.
    claimed_until = max(now, utcnow()) + timedelta(
        seconds=get_settings().notification_claim_seconds
    )
    for message in messages:
        message.next_attempt_at = claimed_until
    return messages


def _release(session: Session, messages: list[OutboxMessage], now: datetime) -> None:
    """Hands claimed messages that this round will not send back to the next one."""
    for message in messages:
        message.next_attempt_at = now
    session.commit()


def next_attempt_due(session: Session) -> datetime | None:
    """When the earliest waiting message is due (a retry, or a claim running out)."""
    from app.webhooks import delivery as webhook_delivery

    due = session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at.is_not(None))
        .order_by(OutboxMessage.next_attempt_at)
        .limit(1)
    )
    webhook_due = webhook_delivery.next_attempt_due(session)
    return min((d for d in (due, webhook_due) if d is not None), default=None)


def week_ends_at(week: str, zone: str) -> datetime:
    """The end of an ISO week ("2026-W50"): the next Monday's midnight in `zone`."""
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return datetime.combine(monday + timedelta(weeks=1), time(), ZoneInfo(zone))


def stale_reason(message: OutboxMessage, now: datetime, session: Session) -> str | None:
    """Why the message is no use any more at `now`, or None. Messages can wait a long
    time (an outbox filled before SMTP was configured, a server down for days): a
    roster for a week that is over, or whose duties have all begun, would only
    confuse; it is marked dead with this reason instead of sent. A check may read the
    database (has the duty been cancelled since?) in the delivering session."""
    check = stale_checks().get(message.event_kind)
    return check(message.payload, now, session) if check is not None else None


def _stale_roster(payload: dict, now: datetime, session: Session) -> str | None:
    zone = payload.get("timezone") or get_settings().default_timezone
    if now >= week_ends_at(payload["week"], zone):
        return f"Not sent: week {payload['week']} had ended when it could be delivered."
    starts = [datetime.fromisoformat(duty["starts_at"]) for duty in payload["duties"]]
    if starts and now >= max(starts):
        return "Not sent: every duty it lists had started when it could be delivered."
    return None


@cache
def stale_checks() -> dict[str, Callable[[dict, datetime, Session], str | None]]:
    """Per kind of message: why it is no use any more at a given time (None: still
    useful); the session lets a check see what changed since. Gathered at first use:
    the kinds' own modules build on this one."""
    from app.cover import messages as cover_messages
    from app.notifications import changes

    return {
        EventKind.roster_published: _stale_roster,
        EventKind.duty_changed: changes.stale_change,
        EventKind.duty_cancelled: changes.stale_change,
        EventKind.invitation: changes.stale_invitation,
        EventKind.reminder: reminders.stale_reminder,
        EventKind.seat_offered: cover_messages.stale_seat_message,
        EventKind.seat_taken: cover_messages.stale_seat_message,
    }


# Per kind of message: the earliest moment it may go to a recipient with these choices
# (None: at once). Reminders keep out of quiet hours even when their delivery was held
# up into them (the server down, a retry); every other kind goes at once.
NOT_BEFORE: dict[str, Callable[[dict, datetime, Choices], datetime | None]] = {
    EventKind.reminder: reminders.not_before,
}


# Payload fields that are secrets (an invitation's code): the outbox holds them only
# until the message is sent or given up, not for as long as the code would work.
SECRET_FIELDS = frozenset({"invitation_code"})


def _forget_secrets(message: OutboxMessage) -> None:
    if SECRET_FIELDS & message.payload.keys():
        message.payload = {k: v for k, v in message.payload.items() if k not in SECRET_FIELDS}


def _give_up(message: OutboxMessage, reason: str) -> None:
    _forget_secrets(message)
    message.dead = True
    message.next_attempt_at = None
    message.last_error = reason[:2000]


def _failed(message: OutboxMessage, now: datetime, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= get_settings().notification_max_attempts:
        _give_up(message, message.last_error)
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)


class _Outcome(Enum):
    sent = "sent"
    given_up = "given_up"
    held = "held"  # not yet: see NOT_BEFORE
    refused = "refused"  # the server refused this message: retried later
    unreachable = "unreachable"  # the server is down or gone: the round stops


def deliver_due(session: Session, now: datetime) -> Delivery:
    """Sends every e-mail due at `now` (time is an argument: the tests and the
    scheduler say what time it is), claiming them a batch at a time and committing
    after each one. Without an SMTP host nothing is sent and the messages wait."""
    settings = get_settings()
    if settings.smtp_host is None:
        return Delivery()
    longest_send = timedelta(seconds=settings.smtp_timeout_seconds)
    outcomes: Counter[_Outcome] = Counter()
    with mail.Mailer(settings) as mailer:
        while batch := _claim(session, now, CLAIM_BATCH):
            claimed_until = batch[0].next_attempt_at
            assert claimed_until is not None
            session.commit()  # the claims are on record before the server hears anything
            volunteer_ids = {m.volunteer_id for m in batch}
            recipients = {
                volunteer.id: volunteer
                for volunteer in session.scalars(
                    select(Volunteer).where(Volunteer.id.in_(volunteer_ids))
                )
            }
            chosen = {
                preference.volunteer_id: preference
                for preference in session.scalars(
                    select(NotificationPreference).where(
                        NotificationPreference.volunteer_id.in_(volunteer_ids)
                    )
                )
            }
            stop = False
            for position, message in enumerate(batch):
                if utcnow() + longest_send >= claimed_until:
                    # A send begun now could outlast the claim (a slow server), and
                    # another worker could send the message as well: claim afresh. If
                    # not even the first send fits in a fresh claim, the next round
                    # tries again, rather than this one claiming in circles.
                    _release(session, batch[position:], now)
                    stop = position == 0
                    break
                preference = chosen.get(message.volunteer_id)
                outcome = _deliver(session, mailer, message, recipients, preference, now)
                outcomes[outcome] += 1
                if outcome is _Outcome.unreachable:
                    # Not the server refusing this message but the server unreachable or
                    # gone: the rest wait for the next round instead of failing in turn.
                    _release(session, batch[position + 1 :], now)
                    stop = True
                    break
            if stop:
                break
    failed = outcomes[_Outcome.refused] + outcomes[_Outcome.unreachable]
    return Delivery(sent=outcomes[_Outcome.sent], failed=failed)


def _deliver(
    session: Session,
    mailer: mail.Mailer,
    message: OutboxMessage,
    recipients: dict[int, Volunteer],
    preference: NotificationPreference | None,
    now: datetime,
) -> _Outcome:
    """Sends one claimed message, gives it up, or holds it back, and commits what
    became of it."""
    try:
        prepared = _prepare(session, message, recipients, preference, now)
    except (KeyError, ValueError, TypeError) as error:
        # A payload its kind cannot read, or a kind with no e-mail: it would fail the
        # same way at every round, and stop the messages behind it.
        log.error("Outbox message %s cannot be composed: %s", message.id, type(error).__name__)
        prepared = f"Not sent: the message cannot be composed ({type(error).__name__})."
    if isinstance(prepared, str):
        _give_up(message, prepared)
        _commit_outcome(session)
        return _Outcome.given_up
    if isinstance(prepared, datetime):
        message.next_attempt_at = prepared  # the claim ends; the round that reaches it sends it
        _commit_outcome(session)
        return _Outcome.held
    composed = prepared
    try:
        mailer.send(composed)
    except (aiosmtplib.SMTPException, OSError) as error:
        _failed(message, now, error)
        session.commit()
        # The message's id only: addresses and names stay out of the logs.
        log.warning("Outbox message %s not sent: %s", message.id, type(error).__name__)
        if isinstance(error, aiosmtplib.SMTPResponseException):
            return _Outcome.refused
        return _Outcome.unreachable
    message.attempts += 1
    message.sent_at = utcnow()
    message.next_attempt_at = None
    _forget_secrets(message)
    _commit_outcome(session)  # marked sent at once: a worker killed later does not resend it
    return _Outcome.sent


def _prepare(
    session: Session,
    message: OutboxMessage,
    recipients: dict[int, Volunteer],
    preference: NotificationPreference | None,
    now: datetime,
) -> EmailMessage | str | datetime:
    """The mail to send now; or why the message will never be sent; or when it may be."""
    reason = stale_reason(message, now, session)
    if reason is not None:
        return reason
    volunteer = recipients.get(message.volunteer_id)
    if volunteer is None or volunteer.email is None:
        # Withdrawn or the address removed since: nobody to write to.
        return "The volunteer has no e-mail address any more."
    hold = NOT_BEFORE.get(message.event_kind)
    until = hold(message.payload, now, choices(preference)) if hold is not None else None
    if until is not None and until > now:
        return until
    # Stops this kind of message for this volunteer: a header and the last line.
    unsubscribe_url = unsubscribe.url(session, message.volunteer_id, message.event_kind)
    return mail.compose(
        mail.render(
            message.event_kind, message.payload, message.language, volunteer.name,
            unsubscribe_url=unsubscribe_url,
        ),
        to_name=volunteer.name,
        to_address=volunteer.email,
        idempotency_key=message.idempotency_key,
        mail_from=get_settings().mail_from,
        unsubscribe_url=unsubscribe_url,
    )  # fmt: skip


def _commit_outcome(session: Session) -> None:
    """Commits what became of one message. On PostgreSQL without waiting for the WAL to
    reach the disk (synchronous_commit off, for this transaction only): that wait was
    half the time of a delivery. A killed worker loses nothing by it (the server has the
    commit); only a crash of the database server itself could forget the last few
    fractions of a second of marks, and those mails would go again under the same
    Message-ID: at-least-once still holds, and nothing is lost."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.commit()
