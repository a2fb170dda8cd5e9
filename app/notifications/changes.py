"""Change notices and invitations: the messages that follow a change to someone's duties
after the roster was published, and the code with which an imported volunteer registers.

Every path that changes a published duty calls `duties_changed` in its own transaction
with what it did to each volunteer (duties given, duties taken away): a repair applied
in place, a coordinator's manual edit, a cancelled shift, a swap (both sides), a
coordinator's cancellation. A draft tells nobody, and neither do duties that have begun.

Kinds: `duty_changed` when a duty is given or moved (something was added), and
`duty_cancelled` when duties were only taken away. Each change is its own event: its ref
is made of the assignments it created or cancelled, and an assignment is created once
and cancelled at most once, so two changes are two messages and one change can never be
recorded twice (the outbox's unique key would refuse it).

Their renderers and staleness checks are looked up by `mail.renderers()` and
`service.stale_checks()`.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.db import utcnow
from app.notifications import mail
from app.notifications import service as notifications
from app.notifications.models import EventKind, Language, OutboxMessage
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.settings import get_settings, public_url
from app.volunteers.models import Volunteer


class Cause(StrEnum):
    """Why a volunteer's duties changed; the message opens with it."""

    repair = "repair"
    coordinator_edit = "coordinator_edit"  # a manual add or remove on the roster
    shift_cancelled = "shift_cancelled"
    cancelled_by_coordinator = "cancelled_by_coordinator"
    swap_given = "swap_given"  # the offerer: their duty was taken over
    swap_taken = "swap_taken"  # the taker
    team_lead = "team_lead"  # a team's lead put a member on an adopted seat


# (duties given, duties taken away) of one volunteer in one change.
Change = tuple[Sequence[Assignment], Sequence[Assignment]]


def by_volunteer(
    given: Iterable[Assignment] = (), taken: Iterable[Assignment] = ()
) -> dict[int, Change]:
    """A change to several volunteers' duties, split up per volunteer."""
    split: dict[int, tuple[list[Assignment], list[Assignment]]] = {}
    for side, assignments in enumerate((given, taken)):
        for assignment in assignments:
            split.setdefault(assignment.volunteer_id, ([], []))[side].append(assignment)
    return dict(split)


def duties_changed(
    session: Session,
    cause: Cause,
    changes: dict[int, Change],
    *,
    reason: str | None = None,
) -> int:
    """Records, in the caller's transaction, one message per volunteer whose published,
    not yet started duties the change touched (volunteer id → (given, taken away);
    the assignments must be flushed). `reason` is the coordinator's own words, told to
    the volunteer. Returns the number of messages recorded."""
    now = utcnow()
    recorded = 0
    for volunteer_id, (given, taken) in sorted(changes.items()):
        # A duty taken away before the notice giving it went out: neither is sent.
        unheard_of = _retract_notices_of_cancelled(session, volunteer_id) if taken else set()
        given = [a for a in given if _tellable(session, a, now)]
        taken = [a for a in taken if _tellable(session, a, now) and a.id not in unheard_of]
        if not given and not taken:
            continue
        payload = {
            "cause": cause.value,
            "added": [_duty(a) for a in _by_time(given)],
            "dropped": [_duty(a) for a in _by_time(taken)],
        }
        if reason:
            payload["reason"] = reason
        recorded += notifications.tell(
            session,
            kind=EventKind.duty_changed if given else EventKind.duty_cancelled,
            event_ref=_change_ref(given, taken),
            payloads={volunteer_id: payload},
        )
    return recorded


def duty_cancelled(session: Session, account: Account, assignment: Assignment) -> int:
    """A duty cancelled through the duties API or app: a coordinator's cancellation is
    told to the volunteer with its reason; the volunteer's own is not (they know), but
    a notice still waiting to give them that duty is withdrawn either way."""
    if account.role == Role.volunteer:
        _retract_notices_of_cancelled(session, assignment.volunteer_id)
        return 0
    return duties_changed(
        session,
        Cause.cancelled_by_coordinator,
        {assignment.volunteer_id: ([], [assignment])},
        reason=assignment.cancel_reason,
    )


def _tellable(session: Session, assignment: Assignment, now: datetime) -> bool:
    roster = session.get_one(Roster, assignment.roster_id)
    return roster.status == RosterStatus.published and assignment.shift.starts_at > now


def _by_time(assignments: Iterable[Assignment]) -> list[Assignment]:
    return sorted(assignments, key=lambda a: (a.shift.starts_at, a.id))


def _duty(assignment: Assignment) -> dict:
    # The assignment's id lets a later cancellation find the notice that gave it.
    return notifications._duty(assignment) | {"assignment_id": assignment.id}


def _change_ref(given: Sequence[Assignment], taken: Sequence[Assignment]) -> str:
    """`change+12` for a change that created assignment 12, else `change-9` for one that
    cancelled assignment 9: either happens to an assignment in exactly one change."""
    if given:
        return f"change+{min(a.id for a in given)}"
    return f"change-{min(a.id for a in taken)}"


def _retract_notices_of_cancelled(session: Session, volunteer_id: int) -> set[int]:
    """A notice still waiting to tell the volunteer of duties they have all lost since
    (cancelled by anyone, themselves included) would send them to a desk that is no
    longer theirs: it is marked dead instead. Runs in the cancelling transaction, so
    the notice dies exactly when the cancellation commits. Returns the assignments
    those notices gave: the volunteer never heard of them."""
    session.flush()
    now = utcnow()
    waiting = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.volunteer_id == volunteer_id,
            OutboxMessage.event_kind == EventKind.duty_changed,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.dead.is_(False),
        )
        # Waits for a worker's claim of these rows to commit, and reads it; in id order,
        # so that two changes for the same volunteer lock them in the same order.
        .order_by(OutboxMessage.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    unheard_of: set[int] = set()
    for message in waiting:
        given = {duty["assignment_id"] for duty in message.payload["added"]}
        live = session.scalar(
            select(Assignment.id)
            .where(Assignment.id.in_(given), Assignment.status != AssignmentStatus.cancelled)
            .limit(1)
        )
        if live is None:
            # Claimed (due later than now), a worker may be sending it at this moment: then
            # the volunteer may well hear of the duty, and must hear that it is gone.
            in_flight = message.next_attempt_at is not None and message.next_attempt_at > now
            notifications._give_up(
                message, "Not sent: the duties it gives were cancelled before it was delivered."
            )
            if not in_flight:
                unheard_of |= given
    return unheard_of


# -- invitations ---------------------------------------------------------------------


def invitation_created(
    session: Session, volunteer: Volunteer, code: str, expires_at: datetime
) -> int:
    """Records the invitation mail to the imported volunteer (if they have an address),
    in the transaction that stores the code's digest. The code is in the outbox only
    until the mail is sent or given up (service._forget_secrets). An earlier invitation
    still waiting is withdrawn: its code no longer works."""
    retract_invitations(session, volunteer.id, "Not sent: a newer invitation code replaced it.")
    zone = ZoneInfo(get_settings().default_timezone)
    payload = {
        "invitation_code": code,
        "expires_at": expires_at.astimezone(zone).isoformat(),
        "register_url": f"{public_url(get_settings())}/app/register",
    }
    # Not derived from the code: the ref ends up (hashed) in the Message-ID.
    ref = f"invitation-{volunteer.id}-{int(expires_at.timestamp() * 1_000_000)}"
    return notifications.tell(
        session, kind=EventKind.invitation, event_ref=ref, payloads={volunteer.id: payload}
    )


def retract_invitations(session: Session, volunteer_id: int, reason: str) -> None:
    """Invitation mails still waiting for this volunteer are not sent (a new code
    replaced theirs, or the record has been claimed)."""
    for message in session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.volunteer_id == volunteer_id,
            OutboxMessage.event_kind == EventKind.invitation,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.dead.is_(False),
        )
    ):
        notifications._give_up(message, reason)


# -- staleness -----------------------------------------------------------------------


def stale_change(payload: dict, now: datetime, session: Session) -> str | None:
    duties = payload["added"] + payload["dropped"]
    if duties and all(datetime.fromisoformat(d["starts_at"]) <= now for d in duties):
        return "Not sent: every duty it names had started when it could be delivered."
    return None


def stale_invitation(payload: dict, now: datetime, session: Session) -> str | None:
    if now >= datetime.fromisoformat(payload["expires_at"]):
        return "Not sent: the invitation code had expired when it could be delivered."
    return None


# -- e-mail --------------------------------------------------------------------------

TEXTS = {
    Language.zh: {
        "changed": "值班变更：{what}",
        "cancelled": "值班取消：{what}",
        "week": "{year}年第{week}周",
        "reason": "原因：{reason}",
        Cause.repair: "因人员变动，排班已调整，您的值班有以下变化：",
        Cause.coordinator_edit: "协调员调整了您的值班：",
        Cause.shift_cancelled: "您所在的班次已取消：",
        Cause.cancelled_by_coordinator: "协调员取消了您的值班：",
        Cause.swap_given: "您转让的值班已由其他志愿者接替：",
        Cause.swap_taken: "您已接替以下值班：",
        Cause.team_lead: "您所在队伍的队长为您安排了认领岗位的值班：",
        "invitation_subject": "U-Roster 注册邀请码（{expires}前有效）",
        "invitation_intro": "协调员已为您登记志愿者信息。请在注册页面填写以下邀请码，"
        "即可用自己的账号查看值班：",
        "invitation_code": "邀请码：{code}",
        "invitation_url": "注册页面：{url}",
        "invitation_expires": "有效期至：{expires}",
        "invitation_once": "邀请码只能使用一次，请勿转告他人。",
    },
    Language.en: {
        "changed": "Duty changed: {what}",
        "cancelled": "Duty cancelled: {what}",
        "week": "week {week} of {year}",
        "reason": "Reason: {reason}",
        Cause.repair: "The roster was repaired after changes, and your duties changed:",
        Cause.coordinator_edit: "A coordinator changed your duties:",
        Cause.shift_cancelled: "A shift you were on has been cancelled:",
        Cause.cancelled_by_coordinator: "A coordinator cancelled your duty:",
        Cause.swap_given: "Another volunteer has taken over the duty you offered:",
        Cause.swap_taken: "You have taken over this duty:",
        Cause.team_lead: "Your team's lead put you on a seat the team adopted:",
        "invitation_subject": "Your U-Roster invitation code (valid until {expires})",
        "invitation_intro": "Your coordinator has entered your details as a volunteer. "
        "Register with this invitation code to see your duties with your own account:",
        "invitation_code": "Invitation code: {code}",
        "invitation_url": "Register at: {url}",
        "invitation_expires": "Valid until: {expires}",
        "invitation_once": "The code works once; do not pass it on.",
    },
}

_HTML = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><body>
<p>{{ greeting }}</p>
<p>{{ intro }}</p>
{% for title, lines in sections %}<p>{{ title }}</p>
<ul>{% for line in lines %}<li>{{ line }}</li>{% endfor %}</ul>
{% endfor %}{% for line in after %}<p>{{ line }}</p>
{% endfor %}<p><small>{{ footer }}</small></p>
</body></html>
"""
)


def _mail(
    language: Language,
    subject: str,
    name: str,
    intro: str,
    sections: list[tuple[str, list[str]]],
    after: list[str],
) -> mail.Rendered:
    greeting = mail.TEXTS[language]["greeting"].format(name=name)
    footer = mail.TEXTS[language]["footer"]
    parts = [greeting, intro]
    for title, lines in sections:
        parts.append(title + "\n" + "\n".join(f"- {line}" for line in lines))
    parts.extend(after)
    text = "\n\n".join(parts) + f"\n\n-- \n{footer}\n"
    html = _HTML.render(
        lang=language.value, greeting=greeting, intro=intro, sections=sections, after=after,
        footer=footer,
    )  # fmt: skip
    return mail.Rendered(subject=subject, text=text, html=html)


def render_change(payload: dict, language: Language, name: str) -> mail.Rendered:
    texts = TEXTS[language]
    duties = payload["added"] + payload["dropped"]
    if len(duties) == 1:
        what = mail.duty_line(duties[0], language)
    else:
        first = min(datetime.fromisoformat(d["starts_at"]) for d in duties)
        year, week, _ = first.isocalendar()
        what = texts["week"].format(year=year, week=week)
    subject = texts["changed" if payload["added"] else "cancelled"].format(what=what)
    after = [texts["reason"].format(reason=payload["reason"])] if payload.get("reason") else []
    return _mail(
        language, subject, name, texts[Cause(payload["cause"])],
        mail.change_sections(payload, language), after,
    )  # fmt: skip


def render_invitation(payload: dict, language: Language, name: str) -> mail.Rendered:
    texts = TEXTS[language]
    expires = datetime.fromisoformat(payload["expires_at"])
    day = date(expires.year, expires.month, expires.day)
    on_day = (
        f"{day.year}年{day.month}月{day.day}日"
        if language == Language.zh
        else f"{day.day} {day:%b} {day.year}"
    )
    shown = f"{on_day} {expires:%H:%M}"
    after = [
        texts["invitation_code"].format(code=payload["invitation_code"]),
        texts["invitation_url"].format(url=payload["register_url"]),
        texts["invitation_expires"].format(expires=shown),
        texts["invitation_once"],
    ]
    # The day only: a space between Chinese words does not survive header encoding.
    subject = texts["invitation_subject"].format(expires=on_day)
    return _mail(language, subject, name, texts["invitation_intro"], [], after)
