"""The notifications part of the app's settings page: the volunteer's settings as the
form shows them, and the form read back into the API's change
(NotificationSettingsUpdate, so the page and the API refuse the same things), with
each problem said next to its field in the page's language."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from app.notifications.models import EventKind
from app.notifications.schemas import (
    LONGEST_LEAD_MINUTES,
    MOST_LEAD_TIMES,
    NotificationSettingsRead,
    NotificationSettingsUpdate,
)
from app.web.volunteer_app.forms import Translate

# The lead times offered as boxes to tick; any other is typed in minutes.
COMMON_LEADS = (1440, 120, 60, 30)
# An invitation code goes to imported volunteers who have no account yet: nothing a
# signed-in volunteer chooses about (an unsubscribed one stays so, untouched here).
KINDS_ON_PAGE = tuple(kind for kind in EventKind if kind != EventKind.invitation)
# When quiet hours are off, the times the boxes offer if they are turned on.
SUGGESTED_QUIET = ("22:00", "07:00")


@dataclass
class NotificationValues:
    """What the form shows: stored settings, or what was typed into a refused form."""

    email: bool
    language: str
    quiet: bool
    quiet_start: str
    quiet_end: str
    leads: set[int]
    other_leads: str
    wanted_kinds: set[str]
    muted_elsewhere: set[str] = field(default_factory=set)


def values_of(current: NotificationSettingsRead) -> NotificationValues:
    quiet = current.quiet_hours
    start, end = (quiet.start, quiet.end) if quiet is not None else SUGGESTED_QUIET
    muted = {kind.value for kind in current.muted_kinds}
    return NotificationValues(
        email=current.channels.email,
        language=current.language.value,
        quiet=quiet is not None,
        quiet_start=start,
        quiet_end=end,
        leads={m for m in current.reminder_minutes if m in COMMON_LEADS},
        other_leads=", ".join(str(m) for m in current.reminder_minutes if m not in COMMON_LEADS),
        wanted_kinds={kind.value for kind in KINDS_ON_PAGE} - muted,
        muted_elsewhere=muted - {kind.value for kind in KINDS_ON_PAGE},
    )


def lead_labels(_: Translate) -> list[tuple[int, str]]:
    return [
        (1440, _("1 day before")),
        (120, _("2 hours before")),
        (60, _("1 hour before")),
        (30, _("30 minutes before")),
    ]


def read_form(
    form: Mapping[str, str],
    ticked_leads: list[str],
    ticked_kinds: list[str],
    current: NotificationSettingsRead,
) -> NotificationValues:
    """The form as typed (kept to be shown again if it is refused)."""
    leads = {int(v) for v in ticked_leads if v.isascii() and v.isdigit() and len(v) < 7}
    return NotificationValues(
        email=form.get("email") == "yes",
        language=form.get("language", ""),
        quiet=form.get("quiet") == "yes",
        quiet_start=form.get("quiet_start", "").strip(),
        quiet_end=form.get("quiet_end", "").strip(),
        leads=leads,
        other_leads=form.get("other_leads", "").strip()[:100],
        wanted_kinds=set(ticked_kinds) & {kind.value for kind in KINDS_ON_PAGE},
        muted_elsewhere=values_of(current).muted_elsewhere,
    )


def changes(
    values: NotificationValues, current: NotificationSettingsRead, _: Translate
) -> tuple[NotificationSettingsUpdate | None, dict[str, str]]:
    """The change to store, or the problems by field. Only what differs from the
    current settings is sent: saving the page to change the language does not make
    the office's default lead times and quiet hours the volunteer's own."""
    errors: dict[str, str] = {}
    minutes = set(values.leads)
    for part in re.split(r"[\s,，、;；]+", values.other_leads):
        if not part:
            continue
        if part.isascii() and part.isdigit() and len(part) < 7:
            minutes.add(int(part))
        else:
            errors["reminder_minutes"] = _(
                "Write other reminder times as whole minutes, separated by commas, e.g. 45, 90."
            )
    body: dict[str, object] = {
        "channels": {"email": values.email},
        "language": values.language,
        "quiet_hours": (
            {"start": values.quiet_start, "end": values.quiet_end} if values.quiet else None
        ),
        "reminder_minutes": sorted(minutes, reverse=True),
        "muted_kinds": sorted(
            {kind.value for kind in KINDS_ON_PAGE} - values.wanted_kinds | values.muted_elsewhere
        ),
    }
    if errors:
        return None, errors
    try:
        wanted = NotificationSettingsUpdate.model_validate(body)
    except ValidationError as invalid:
        for error in invalid.errors():
            name = str(error["loc"][0])
            errors.setdefault(name, field_message(_, name, values))
        return None, errors
    stored = current.model_dump(mode="json")
    asked = wanted.model_dump(mode="json")
    differing = {name: asked[name] for name in body if asked[name] != stored[name]}
    return NotificationSettingsUpdate.model_validate(differing), errors


def field_message(_: Translate, name: str, values: NotificationValues) -> str:
    if name == "quiet_hours":
        if values.quiet_start and values.quiet_start == values.quiet_end:
            return _("Quiet hours must end at another time than they start.")
        return _("Give the start and end of the quiet hours as times, e.g. 22:00 and 07:00.")
    if name == "reminder_minutes":
        return _(
            "Choose at most {count} reminders, each from 1 minute to {days} days before the duty."
        ).format(count=MOST_LEAD_TIMES, days=LONGEST_LEAD_MINUTES // (24 * 60))
    if name == "language":
        return _("Choose a language from the list.")
    return _("Check this setting.")
