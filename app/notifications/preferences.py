"""A volunteer's notification choices as the rest of the service reads them: the stored
row where there is one, the office's defaults (settings) where there is none."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notifications.models import EventKind, Language, NotificationPreference
from app.notifications.schemas import (
    Channels,
    NotificationSettingsRead,
    NotificationSettingsUpdate,
    QuietHours,
)
from app.settings import get_settings
from app.volunteers.models import Volunteer

EVENT_KINDS = frozenset(kind.value for kind in EventKind)


def parse_minutes(text: str) -> list[int]:
    """ "1440,120" → [1440, 120], longest lead first; "" → no reminders."""
    return sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)


def format_minutes(minutes: list[int]) -> str:
    return ",".join(str(m) for m in sorted(set(minutes), reverse=True))


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """ "22:00-07:00" → (22:00, 07:00) (the span may run past midnight); "" → None."""
    if not text:
        return None
    start, end = text.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def format_quiet_hours(span: tuple[time, time] | None) -> str:
    return "" if span is None else f"{span[0]:%H:%M}-{span[1]:%H:%M}"


def in_quiet_hours(moment: time, span: tuple[time, time] | None) -> bool:
    """Whether a local time of day falls inside the quiet hours [start, end)."""
    if span is None or span[0] == span[1]:
        return False
    start, end = span
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # past midnight: 22:00-07:00


@dataclass(frozen=True)
class Choices:
    """What a volunteer hears and when, defaults filled in."""

    language: Language
    email: bool
    reminder_minutes: list[int]
    quiet_hours: tuple[time, time] | None
    muted_kinds: frozenset[str]


def choices(preference: NotificationPreference | None) -> Choices:
    settings = get_settings()
    minutes = settings.reminder_lead_minutes
    quiet = settings.quiet_hours
    if preference is None:
        return Choices(
            language=Language.zh,
            email=True,
            reminder_minutes=parse_minutes(minutes),
            quiet_hours=parse_quiet_hours(quiet),
            muted_kinds=frozenset(),
        )
    if preference.reminder_minutes is not None:
        minutes = preference.reminder_minutes
    if preference.quiet_hours is not None:
        quiet = preference.quiet_hours
    return Choices(
        language=Language(preference.language),
        email=preference.email_enabled,
        reminder_minutes=parse_minutes(minutes),
        quiet_hours=parse_quiet_hours(quiet),
        muted_kinds=frozenset(kind for kind in preference.muted_kinds.split(",") if kind),
    )


# -- reading and changing them (the settings API and page, the unsubscribe link) ----------


def preference_of(session: Session, volunteer_id: int) -> NotificationPreference | None:
    return session.get(NotificationPreference, volunteer_id)


def _locked_preference(session: Session, volunteer_id: int) -> NotificationPreference:
    """The volunteer's row, made if there is none, with their volunteer row locked:
    two changes at once (an unsubscribe link and the settings page) queue instead of
    both creating the row or one undoing the other's muted kind. (On SQLite every
    writing transaction queues already: app.db begins them IMMEDIATE.)"""
    session.scalar(select(Volunteer.id).where(Volunteer.id == volunteer_id).with_for_update())
    preference = session.scalar(
        select(NotificationPreference)
        .where(NotificationPreference.volunteer_id == volunteer_id)
        .execution_options(populate_existing=True)
    )
    if preference is None:
        # The columns the office's defaults apply to stay NULL until chosen.
        preference = NotificationPreference(
            volunteer_id=volunteer_id, language=Language.zh, email_enabled=True, muted_kinds=""
        )
        session.add(preference)
    return preference


def _format_muted(kinds: Iterable[str]) -> str:
    return ",".join(sorted(set(kinds)))


def update(
    session: Session, volunteer_id: int, changes: NotificationSettingsUpdate
) -> NotificationPreference:
    """Stores the fields sent; from then on those are the volunteer's own, whatever the
    office's defaults become."""
    preference = _locked_preference(session, volunteer_id)
    sent = changes.model_fields_set
    if changes.channels is not None:
        preference.email_enabled = changes.channels.email
    if changes.language is not None:
        preference.language = changes.language
    if "quiet_hours" in sent:
        span = changes.quiet_hours
        preference.quiet_hours = format_quiet_hours(
            None if span is None else (time.fromisoformat(span.start), time.fromisoformat(span.end))
        )
    if changes.reminder_minutes is not None:
        preference.reminder_minutes = format_minutes(changes.reminder_minutes)
    if changes.muted_kinds is not None:
        preference.muted_kinds = _format_muted(changes.muted_kinds)
    session.flush()
    return preference


def mute(session: Session, volunteer_id: int, kind: EventKind) -> None:
    """No more e-mails of this kind (an unsubscribe link); idempotent."""
    preference = _locked_preference(session, volunteer_id)
    current = choices(preference).muted_kinds
    if kind.value not in current:
        preference.muted_kinds = _format_muted(current | {kind.value})
    session.flush()


def as_read(choice: Choices) -> NotificationSettingsRead:
    quiet = choice.quiet_hours
    return NotificationSettingsRead(
        channels=Channels(email=choice.email),
        language=choice.language,
        quiet_hours=(
            None
            if quiet is None
            else QuietHours(start=f"{quiet[0]:%H:%M}", end=f"{quiet[1]:%H:%M}")
        ),
        reminder_minutes=choice.reminder_minutes,
        muted_kinds=sorted(EventKind(kind) for kind in choice.muted_kinds if kind in EVENT_KINDS),
    )


def settings_of(session: Session, volunteer_id: int) -> NotificationSettingsRead:
    return as_read(choices(preference_of(session, volunteer_id)))
