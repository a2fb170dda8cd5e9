"""What a message to a team says by e-mail: the sender's own subject and words, with
the team's name in front so the member knows where it comes from. Looked up by
notifications.mail.renderers()."""

from typing import TYPE_CHECKING

from jinja2 import Environment
from markupsafe import Markup

from app.notifications.models import Language

if TYPE_CHECKING:
    from app.notifications.mail import Rendered

TEXTS = {
    Language.zh: {
        "subject": "【{team}】{subject}",
        "intro": "{sender}给{team}全体队员发来消息：",
    },
    Language.en: {
        "subject": "[{team}] {subject}",
        "intro": "{sender} wrote to the members of {team}:",
    },
}

# The body's paragraphs (blank-line separated) as <p>, its other line breaks as <br>;
# autoescape keeps the sender's words text.
_HTML = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><body>
<p>{{ greeting }}</p>
<p>{{ intro }}</p>
{% for paragraph in paragraphs %}<p>{{ paragraph | join(br) }}</p>
{% endfor %}<p><small>{{ footer }}</small></p>
</body></html>
"""
)


def render_team_message(payload: dict, language: Language, name: str) -> "Rendered":
    # Imported here: mail.py imports this module for its table of renderers.
    from app.notifications.mail import TEXTS as MAIL_TEXTS
    from app.notifications.mail import Rendered

    texts = TEXTS[language]
    greeting = MAIL_TEXTS[language]["greeting"].format(name=name)
    footer = MAIL_TEXTS[language]["footer"]
    subject = texts["subject"].format(team=payload["team"], subject=payload["subject"])
    intro = texts["intro"].format(sender=payload["sender"], team=payload["team"])
    body = payload["body"]
    text = f"{greeting}\n\n{intro}\n\n{body}\n\n-- \n{footer}\n"
    paragraphs = [
        part.splitlines() for part in body.replace("\r\n", "\n").split("\n\n") if part.strip()
    ]
    html = _HTML.render(
        lang=language.value, greeting=greeting, intro=intro, paragraphs=paragraphs,
        br=Markup("<br>\n"), footer=footer,
    )  # fmt: skip
    return Rendered(subject=subject, text=text, html=html)
