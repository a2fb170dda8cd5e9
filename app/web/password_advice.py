"""A refused password, said in the page's language: the same rule as the API
(app.accounts.passwords), whose zxcvbn feedback is English. zxcvbn says one of a fixed
set of sentences (zxcvbn/feedback.py); they are listed here so that the catalogue
carries their translations, and tests/web/test_password_advice.py keeps the list
complete when zxcvbn changes."""

from collections.abc import Callable, Iterable

from app.accounts import passwords
from app.web.i18n import N_

ZXCVBN_FEEDBACK = (
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Add another word or two. Uncommon words are better."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Dates are often easy to guess."),
    N_("Avoid dates and years that are associated with you."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Capitalization doesn't help very much."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


def password_problem(
    _: Callable[[str], str], password: str, inputs: Iterable[str | None] = ()
) -> tuple[str, str] | None:
    """None when the password may be used; otherwise (what is wrong, what to do), both
    in the language of `_`."""
    found = passwords.assess(password, inputs)
    if found is None:
        return None
    if found.problem == "too_short":
        headline = _("The password needs at least {count} characters.").format(
            count=passwords.MIN_LENGTH
        )
        return headline, _("Use a longer phrase of several uncommon words, or a password manager.")
    if found.problem == "too_long":
        return _("The password may have at most {count} characters.").format(
            count=passwords.MAX_LENGTH
        ), ""
    advice = [_(sentence) for sentence in found.feedback] or [
        _("Use a longer phrase of several uncommon words, or a password manager.")
    ]
    return _("This password is too easy to guess."), " ".join(advice)
