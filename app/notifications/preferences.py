"""A volunteer's notification choices as the rest of the service reads them: the stored
row where there is one, the office's defaults (settings) where there is none."""

from dataclasses import dataclass
from datetime import time

from app.notifications.models import Language, NotificationPreference
from app.settings import get_settings


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
