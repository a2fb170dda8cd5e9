"""Input types shared by several domains, each validated once here."""

import unicodedata
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
)

# Rows are numbered by 32-bit INTEGER keys on PostgreSQL: a larger id is bad input, not a 500.
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Volunteers on one shift; bounded so that it fits the INTEGER column and the solver.
SeatCount = Annotated[int, Field(ge=1, le=1000)]

# Instants and weeks outside these years overflow datetime arithmetic (UTC conversion,
# the week after) and are never meant.
FIRST_YEAR, LAST_YEAR = 1970, 2999


def _check_instant(value: datetime) -> datetime:
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"must lie between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_check_instant)]

# [0-9], not \d: pydantic's Rust regex engine reads \d as any Unicode digit ("٠٩:٠٠").
LocalTime = Annotated[
    str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"), Field(examples=["09:00"])
]
# An availability window may run to the end of the day.
LocalTimeOrMidnight = Annotated[
    str,
    StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"),
    Field(examples=["18:00"]),
]


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


SkillTag = Annotated[
    str,
    BeforeValidator(_lower),
    StringConstraints(pattern=r"^[a-z][a-z0-9_:.-]{0,39}$"),
    Field(examples=["lang:en"], description="lowercase tag: letters, digits, _ : . -"),
]


# Files of the system's tz database that are not places: the server's own zone, the
# template for POSIX strings, a placeholder zone, and the duplicate trees.
NOT_PLACES = ("localtime", "posixrules", "Factory")
DUPLICATE_TREES = ("posix/", "right/")


@cache
def _place_timezones() -> frozenset[str]:
    return frozenset(
        name
        for name in available_timezones()
        if name not in NOT_PLACES and not name.startswith(DUPLICATE_TREES)
    )


def _check_timezone(name: str) -> str:
    if name not in _place_timezones():
        raise ValueError(f"unknown timezone {name!r}; use an IANA name like 'Asia/Shanghai'")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_timezone), Field(examples=["Asia/Shanghai"])]
# Embeddings, overrides and isolates reorder the text after them on screen, so a name
# holding one can pass for another (the "Trojan Source" trick).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that draw nothing, favourites for blank-looking names.
BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _check_display_text(value: str) -> str:
    if any(ch in BIDI_CONTROLS for ch in value):
        raise ValueError("must not contain bidirectional control characters")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters such as line breaks")
    if not any(unicodedata.category(ch)[0] in "LNPS" and ch not in BLANK_GLYPHS for ch in value):
        raise ValueError("must contain a visible character")
    return value


# One-line texts people read (names, addresses): visible, no control characters.
_DISPLAY_TEXT = AfterValidator(_check_display_text)
PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _DISPLAY_TEXT
]
PlaceName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _DISPLAY_TEXT
]
Address = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), _DISPLAY_TEXT
]


def _check_message_text(value: str) -> str:
    # Line breaks and tabs belong in a message; other control characters (a NUL, which
    # PostgreSQL refuses to store) and bidirectional overrides do not.
    if any(ch in BIDI_CONTROLS for ch in value):
        raise ValueError("must not contain bidirectional control characters")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
        raise ValueError("must not contain control characters other than line breaks")
    return value


# A text of several lines people write to others (a message to a team).
MessageText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(_check_message_text),
]

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Priority = Annotated[int, Field(ge=1, le=5, description="1 lowest … 5 most important")]


class SkillRequirement(BaseModel):
    skill: SkillTag
    count: int = Field(ge=1)


def check_staffing(
    min_volunteers: int, max_volunteers: int, requirements: list[SkillRequirement]
) -> None:
    """Raise ValueError when the headcounts are reversed, skills repeat, or the skill
    counts cannot fit in the seats (shift templates and ad hoc shifts alike)."""
    if min_volunteers > max_volunteers:
        raise ValueError("min_volunteers must not exceed max_volunteers")
    check_skill_requirements(requirements, max_volunteers)


def check_skill_requirements(requirements: list[SkillRequirement], max_volunteers: int) -> None:
    """Raise ValueError when skills repeat or their counts cannot fit in the seats."""
    skills = [r.skill for r in requirements]
    if len(skills) != len(set(skills)):
        raise ValueError("skill_requirements lists a skill twice")
    if sum(r.count for r in requirements) > max_volunteers:
        raise ValueError("skill_requirements need more volunteers than max_volunteers")


def minutes_of_day(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _check_iso_week(value: str) -> str:
    year, week = int(value[:4]), int(value[6:])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{value} is not a week of {year}") from None
    return value


IsoWeek = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-W[0-9]{2}$"),
    AfterValidator(_check_iso_week),
    Field(examples=["2026-W49"], description="ISO week"),
]


def week_monday(week: str) -> date:
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)


def iso_week(day: date) -> str:
    """The ISO week ("2026-W50") holding `day` (a datetime's own date)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def local_week(instant: datetime, timezone: str) -> str:
    """The ISO week of `instant` in `timezone`: a shift's week is its start's at its
    station, as rosters count it."""
    return iso_week(instant.astimezone(ZoneInfo(timezone)))
