"""Form fields of the app's pages and their problems, said in the page's language.

The services and request schemas speak English (pydantic's messages, the services'
`errors[].msg`); a page names the problem next to the field instead, from the field's
name alone, so no English reaches a Chinese page.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

Translate = Callable[[str], str]

# The volunteer's own limits (app.volunteers.schemas.Limits): (low, high) of each.
LIMITS = {
    "max_hours_per_week": (0, 168),
    "max_shifts_per_week": (1, 21),
    "max_travel_minutes": (1, 240),
}


class NotANumber(ValueError):
    pass


def optional_number(raw: str, *, whole: bool = False) -> float | int | None:
    """An empty field is None; "8" and "7.5" are numbers; anything else NotANumber."""
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise NotANumber(raw) from None
    if whole:
        if not value.is_integer():
            raise NotANumber(raw)
        return int(value)
    return value


def skill_labels(_: Translate) -> dict[str, str]:
    """Names for the common skill tags; others are shown as they are written."""
    return {
        "lang:en": _("English"),
        "lang:yue": _("Cantonese"),
        "lang:zh": _("Mandarin"),
        "first_aid": _("First aid"),
        "driver": _("Driver"),
        "sign_language": _("Sign language"),
    }


def limit_fields(_: Translate) -> list[tuple[str, str, str]]:
    """(field, label, hint) of the volunteer's own limits."""
    return [
        ("max_hours_per_week", _("Hours per week at most"), _("e.g. 8")),
        ("max_shifts_per_week", _("Shifts per week at most"), _("e.g. 2")),
        ("max_travel_minutes", _("Travel time at most (minutes)"), _("e.g. 30")),
    ]


def field_message(_: Translate, field: str) -> str:
    """What to do about a refused field, by its name."""
    if field == "max_hours_per_week":
        return _("Enter a number of hours above 0 and at most 168, or leave it empty.")
    if field in LIMITS:
        low, high = LIMITS[field]
        return _("Enter a whole number from {low} to {high}, or leave it empty.").format(
            low=low, high=high
        )
    messages = {
        "name": _("Enter your name."),
        "phone": _("Enter a mobile number, e.g. 13812345678 or +852 9123 4567."),
        "email": _("Enter a valid email address."),
        "district_id": _("Choose a district from the list."),
        "skills": _("A skill is a short word of letters, digits and _ : . - (e.g. lang:en)."),
        "home": _("Enter both latitude and longitude, or neither."),
        "lat": _("Enter a latitude from -90 to 90."),
        "lon": _("Enter a longitude from -180 to 180."),
        "accept_privacy_notice": _("Accept the privacy notice to register."),
        "invitation_code": _(
            "This invitation code is unknown, used or expired. Ask your coordinator for a new one."
        ),
        "preferred_station_ids": _("Choose stations from the list."),
    }
    return messages.get(field, _("Check this field."))


def field_of(loc: Iterable[Any]) -> str:
    """The form field a pydantic or service error location points at: ("body", "home",
    "lat") is "lat", ("skills", 2) is "skills"."""
    parts = [str(part) for part in loc if not isinstance(part, int) and str(part) != "body"]
    return parts[-1] if parts else ""


def messages_for(_: Translate, errors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    messages: dict[str, str] = {}
    for error in errors:
        field = field_of(error.get("loc", ()))
        messages.setdefault(field or "form", field_message(_, field))
    return messages
