"""Chinese first, English second, through a gettext catalogue read with Babel.

Messages are written in English in the templates and the code (`_("Sign in")`); the
Chinese catalogues `translations/zh/LC_MESSAGES/*.po` (one per part of the pages)
translate them. They are compiled in memory when first used, so `make run` needs no
build step.
"""

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "uroster_lang"
CATALOGUES = Path(__file__).resolve().parent / "translations"


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()  # the messages are English already
    catalogue = Catalog(locale=language)
    for path in sorted((CATALOGUES / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as po:
            for message in read_po(po, locale=language):
                if message.id:
                    catalogue.add(message.id, message.string)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def requested_language(request: Request) -> str | None:
    """The language asked for in this request's `?lang=`, if it is one we speak."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGUAGES else None


def language(request: Request) -> str:
    """`?lang=`, then the remembered choice, then the browser's language, then Chinese."""
    chosen = requested_language(request) or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    preferred = [
        part.split(";")[0].strip().replace("-", "_")
        for part in request.headers.get("accept-language", "").split(",")
        if part.strip()
    ]
    found = negotiate_locale(preferred, ["zh", "zh_CN", "zh_Hans", "en", "en_US", "en_GB"])
    return Locale.parse(found).language if found else DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; translated where it is said."""
    return message
