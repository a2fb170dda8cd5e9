"""zxcvbn's advice on a weak password is said in the page's language: every sentence
zxcvbn can give is listed in app/web/password_advice.py (and so in the catalogue)."""

import ast
import inspect

import zxcvbn.feedback

from app.web import i18n
from app.web.password_advice import ZXCVBN_FEEDBACK, password_problem


def sentences_zxcvbn_can_say() -> set[str]:
    """Every literal zxcvbn's feedback module passes to its `_()`."""
    tree = ast.parse(inspect.getsource(zxcvbn.feedback))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_sentence_of_zxcvbn_is_listed():
    said = sentences_zxcvbn_can_say()
    assert len(said) > 20
    assert said == set(ZXCVBN_FEEDBACK)


def test_a_weak_password_is_explained_in_chinese():
    chinese = i18n.translations("zh").gettext
    headline, advice = password_problem(chinese, "password1234")
    assert headline == "该密码太容易被猜到。"
    assert advice and advice.isascii() is False
    assert "password" not in advice.lower()
    english = password_problem(lambda s: s, "password1234")
    assert english == (
        "This password is too easy to guess.",
        "This is a very common password. Add another word or two. Uncommon words are better.",
    )
    assert advice == "这是一个非常常见的密码。 再加一两个词，不常见的词更好。"
    assert password_problem(chinese, "copper-heron-meadow-lantern") is None
