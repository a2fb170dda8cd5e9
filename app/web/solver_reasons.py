"""The solver's reasons for an open seat, said in the page's language.

The solver writes its reasons as English sentences (the API's contract is text), put
together from a fixed set of phrases (solver/check/explain.py: PHRASES and the sentences
around them). Each sentence is read back here by its shape and said again from the
catalogue; a sentence of an unknown shape is shown as it is.
"""

import re
from collections.abc import Callable

from babel.dates import get_day_names

from app.rosters.service import REOPENED_REASON
from app.web.i18n import N_
from solver.check.explain import PHRASES, _singular

Translate = Callable[[str], str]
ENGLISH_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

# What completes "N volunteers ..." for each of the solver's codes.
PHRASE_TEXT = {
    "forbidden": N_("are excluded from this shift by the coordinator"),
    "availability": N_("are not available {when}"),
    "unavailable_date": N_("are unavailable on {day}"),
    "skills": N_("lack the required skill {skill}"),
    "shift_kind": N_("may not work {kind} shifts"),
    "travel_limit": N_("live more than {travel} minutes away"),
    "no_overlap": N_("already work an overlapping shift"),
    "minimum_rest": N_("would not get their minimum rest between shifts"),
    "shifts_per_day": N_("already work their maximum shifts that day"),
    "weekly_hours": N_("are at their weekly hour limit"),
    "weekly_shifts": N_("are at their weekly shift limit"),
    "total_minutes": N_("are at their total-hours limit"),
    "kind_limit": N_("are at their limit of {kind} shifts"),
    "succession": N_("work a shift the day before or after that may not be followed this way"),
    "consecutive_days": N_("would break their consecutive working-day limits"),
    "consecutive_days_off": N_("would break their minimum run of days off"),
    "weekends": N_("are at their weekend limit"),
    "full": N_("could not be added: the shift is at its max headcount"),
    "free": N_("could take it without breaking a hard rule, but {free_why}"),
}
FREE_WHY = {
    "assigning any of them would not lower the total penalty": N_(
        "assigning any of them would not lower the total penalty"
    ),
    "the search stopped at the time limit before using them": N_(
        "the search stopped at the time limit before using them"
    ),
}
# Whole sentences: (the solver's shape, what the page says), {phrase} from PHRASE_TEXT.
SENTENCES = [
    (r"nobody available (?P<when>.+)", N_("nobody available {when}")),
    (
        r"1 volunteer has (?P<skill>.+?); they (?P<phrase>.+)",
        N_("1 volunteer has {skill}; they {phrase}"),
    ),
    (
        r"(?P<m>\d+) volunteers have (?P<skill>.+?); all (?P<n>\d+) (?P<phrase>.+)",
        N_("{m} volunteers have {skill}; all {n} {phrase}"),
    ),
    (
        r"(?P<m>\d+) volunteers have (?P<skill>.+?); (?P<n>\d+) of them (?P<phrase>.+)",
        N_("{m} volunteers have {skill}; {n} of them {phrase}"),
    ),
    (
        r"(?P<what>.+?) shifts need (?P<need>\d+) (?:person|people) in all; the (?P<able>\d+) "
        r"volunteers? who may work them can take (?P<most>\d+) at most",
        N_("{what} shifts need {need} people in all; the {able} volunteers who may work them "
           "can take {most} at most"),
    ),
    (
        r"(?P<skill>.+?) seats need (?P<need>\d+) (?:person|people) in the week of (?P<day>.+?); "
        r"the (?P<able>\d+) volunteers? with (?P=skill) can take (?P<most>\d+) at most",
        N_("{skill} seats need {need} people in the week of {day}; the {able} volunteers "
           "with {skill} can take {most} at most"),
    ),
    (r"nobody else has (?P<skill>.+)", N_("nobody else has {skill}")),
    (
        r"reserved for team (?P<team>.+?): no member can take it \((?P<n>\d+) volunteers? "
        r"outside the team may not\)",
        N_("reserved for team {team}: no member can take it ({n} volunteers outside the "
           "team may not)"),
    ),
    (
        r"reserved for team (?P<team>.+?): (?P<n>\d+) volunteers? outside the team may not "
        r"take it",
        N_("reserved for team {team}: {n} volunteers outside the team may not take it"),
    ),
    (r"1 volunteer (?P<phrase>.+)", N_("1 volunteer {phrase}")),
    (r"(?P<n>\d+) volunteers (?P<phrase>.+)", N_("{n} volunteers {phrase}")),
    (
        r"the district's only volunteer is already on this shift",
        N_("the district's only volunteer is already on this shift"),
    ),
    (
        r"all (?P<n>\d+) volunteers of the district are already on this shift",
        N_("all {n} volunteers of the district are already on this shift"),
    ),
    (r"the district has no volunteers", N_("the district has no volunteers")),
    (re.escape(REOPENED_REASON), REOPENED_REASON),
]  # fmt: skip
_SENTENCES = [(re.compile(shape), say) for shape, say in SENTENCES]
_PLACEHOLDER = re.compile(r"\\\{(\w+)\\\}")


def _phrase_shapes() -> list[tuple[str, list[re.Pattern]]]:
    """The shapes of the solver's phrases that the pages translate; a rule the app
    does not use yet (the night-shift limit) has none, and reads in English."""
    shapes = []
    for code, template in PHRASES.items():
        if code not in PHRASE_TEXT:
            continue
        forms = sorted({template, _singular(template)})
        shapes.append(
            (
                code,
                [
                    re.compile(_PLACEHOLDER.sub(lambda m: f"(?P<{m[1]}>.+?)", re.escape(form)))
                    for form in forms
                ],
            )
        )
    return shapes


_PHRASES = _phrase_shapes()


class Unknown(ValueError):
    """A sentence of a shape this module does not know."""


def _days(language: str) -> dict[str, str]:
    names = get_day_names("abbreviated", locale=language)
    return {english: names[i] for i, english in enumerate(ENGLISH_DAYS)}


def _day_text(text: str, language: str) -> str:
    """ "Mon 09:00-13:00" or "Mon 2026-11-30" with the weekday in the page's language."""
    english, _, rest = text.partition(" ")
    return f"{_days(language).get(english, english)} {rest}".strip()


def _phrase(_: Translate, text: str, language: str) -> str:
    for code, shapes in _PHRASES:
        for shape in shapes:
            found = shape.fullmatch(text)
            if found:
                values = found.groupdict()
                for key in ("when", "day"):
                    if values.get(key):
                        values[key] = _day_text(values[key], language)
                if values.get("free_why"):
                    if values["free_why"] not in FREE_WHY:
                        raise Unknown(text)
                    values["free_why"] = _(FREE_WHY[values["free_why"]])
                return _(PHRASE_TEXT[code]).format(**values)
    raise Unknown(text)


def say_reason(_: Translate, reason: str, language: str) -> str:
    """The solver's reason in the page's language; as written when its shape is unknown."""
    if language == "en":
        return reason
    try:
        return translate_reason(_, reason, language)
    except Unknown:
        return reason


def translate_reason(_: Translate, reason: str, language: str) -> str:
    """The solver's reason in the page's language; Unknown when its shape is not known."""
    for shape, say in _SENTENCES:
        found = shape.fullmatch(reason)
        if not found:
            continue
        values = found.groupdict()
        try:
            if "phrase" in values:
                values["phrase"] = _phrase(_, values["phrase"], language)
        except Unknown:
            continue
        for key in ("when", "day"):
            if values.get(key):
                values[key] = _day_text(values[key], language)
        if values.get("what") == "weekend":
            values["what"] = _("weekend")
        return _(say).format(**values)
    raise Unknown(reason)
