"""The rule every new password follows (OWASP ASVS v4 2.1): at least 12 characters and
not guessable, as zxcvbn (Dropbox's estimator, with its lists of common passwords,
names, words and keyboard patterns) judges it, given the person's own email, name and
phone so that "wangli13800000001" does not pass.

One function for every path that sets a password: the request schemas, the password
change, `uroster create-admin` and the bootstrap admin. Services that store a hash do
not call it, so that older accounts keep their passwords and test fixtures stay cheap.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 200
# zxcvbn scores 0..4; 3 is "safely unguessable: moderate protection from an offline
# slow-hash scenario" (about 10^8 guesses and more).
MIN_SCORE = 3
# zxcvbn's matching grows fast with length (a random 200-character string takes
# seconds), so only the first 72 characters are scored; more cannot make them weaker.
SCORED_LENGTH = 72

ADVICE = "Use a longer phrase of several uncommon words, or a password manager."


def user_inputs(*values: str | None) -> list[str]:
    """What the person typed about themselves, whole and in pieces: "Wang Li" gives
    "wang li", "wangli", "wang" and "li"; "+8613812345678" gives its national digits."""
    inputs: set[str] = set()
    for value in values:
        if not value:
            continue
        value = value.strip().lower()
        words = [w for w in re.split(r"[\W_]+", value) if w]
        inputs.update([value, "".join(words), *words])
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 7:
            # A phone without its country code is what people type: the last 11 digits
            # cover Chinese mobiles, the last 8 Hong Kong and Macau numbers.
            inputs.update([digits, digits[-11:], digits[-8:]])
    return sorted(inputs)


@dataclass(frozen=True)
class Weakness:
    """Why a password may not be used: `problem` is "too_short", "too_long" or
    "guessable"; `feedback` holds zxcvbn's warning and suggestions, sentences from a
    fixed set of English ones (zxcvbn/feedback.py) that pages translate."""

    problem: str
    feedback: tuple[str, ...] = ()


def assess(password: str, inputs: Iterable[str | None] = ()) -> Weakness | None:
    """None when `password` may be used; otherwise what is wrong with it."""
    if len(password) < MIN_LENGTH:
        return Weakness("too_short")
    if len(password) > MAX_LENGTH:
        return Weakness("too_long")
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=user_inputs(*inputs))
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    reasons = [feedback.get("warning") or "", *feedback.get("suggestions", [])]
    return Weakness("guessable", tuple(r.strip() for r in reasons if r.strip()))


def weakness(password: str, inputs: Iterable[str | None] = ()) -> str | None:
    """None when `password` may be used; otherwise what is wrong and what to do, as an
    English message for the person choosing it (the API's)."""
    found = assess(password, inputs)
    if found is None:
        return None
    if found.problem == "too_short":
        return f"must have at least {MIN_LENGTH} characters. {ADVICE}"
    if found.problem == "too_long":
        return f"must have at most {MAX_LENGTH} characters"
    reasons = [r.rstrip(".") + "." for r in found.feedback]
    return " ".join(["is too easy to guess.", *(reasons or [ADVICE])])


def check(password: str, inputs: Iterable[str | None] = ()) -> str:
    """`password`, or ValueError saying what to do (as pydantic validators expect)."""
    message = weakness(password, inputs)
    if message is not None:
        raise ValueError(message)
    return password
