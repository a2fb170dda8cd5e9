"""Every English message of the pages has its Chinese translation, and the catalogue
holds nothing the pages no longer say."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.rosters.models import RosterStatus
from app.rosters.service import REOPENED_REASON

WEB = Path(__file__).resolve().parents[2] / "app" / "web"
CATALOGUES = WEB / "translations" / "zh" / "LC_MESSAGES"
# Messages the pages translate from data rather than from a literal.
FROM_DATA = {status.value for status in RosterStatus} | {REOPENED_REASON}


def messages_in_the_code() -> set[str]:
    found = extract_from_dir(
        WEB,
        method_map=[("templates/**.html", "jinja2"), ("**.py", "python")],
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    return {message for _file, _line, message, _comments, _context in found}


def test_the_chinese_catalogue_is_complete_and_current():
    translated: dict[str, str] = {}
    for path in sorted(CATALOGUES.glob("*.po")):
        with path.open("rb") as po:
            for message in read_po(po, locale="zh"):
                if message.id:
                    assert message.id not in translated, f"{message.id!r} twice ({path.name})"
                    translated[message.id] = message.string
    wanted = messages_in_the_code() | FROM_DATA
    assert sorted(wanted - set(translated)) == []  # untranslated
    assert sorted(set(translated) - wanted) == []  # no longer used
    assert all(translated[m] for m in wanted)
