"""Names as a kiosk may show them: enough to recognise oneself, not enough to identify."""

import unicodedata


def _is_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA"))


def mask_name(name: str) -> str:
    """ "张小明" -> "张*明", "张明" -> "张*", "Wang Li" -> "W*** Li", "Madonna" -> "M***".

    Latin names keep the initial of every word but the last, which stays whole (the
    given name in "Wang Li" order, the family name in "Li Wang" order: either way one
    word of the two); the stars never tell the length of what they hide.
    """
    name = " ".join(name.split())
    if not name:
        return "*"
    if " " not in name and any(_is_cjk(c) for c in name):
        if len(name) == 1:
            return "*"
        if len(name) == 2:
            return name[0] + "*"
        return name[0] + "*" * (len(name) - 2) + name[-1]
    words = name.split(" ")
    if len(words) == 1:
        return words[0][0] + "***"
    return " ".join([*(w[0] + "***" for w in words[:-1]), words[-1]])
