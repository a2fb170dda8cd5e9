"""E-mail: what a message says (plain text and HTML, in the volunteer's language) and
the SMTP connection that carries it (aiosmtplib)."""

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from functools import cache
from types import TracebackType

import aiosmtplib
from jinja2 import Environment
from markupsafe import Markup

from app.notifications.models import EventKind, Language
from app.settings import Settings

# The texts of each kind of message. Mail is not a page, so these live here rather
# than in the pages' gettext catalogues (which test_catalogue keeps to the templates).
TEXTS = {
    Language.zh: {
        "subject": "{year}年第{week}周排班已发布（{first}–{last}）",
        "subject_again": "{year}年第{week}周排班已更新（{first}–{last}）",
        "greeting": "{name}，您好：",
        "intro": "{district}第{week}周的排班已发布，您的值班如下：",
        "intro_again": "{district}第{week}周的排班已重新发布，您的值班有以下变化：",
        "all_duties": "本周您的全部值班：",
        "added": "新增：",
        "dropped": "不再值班：",
        "none": "本周您没有值班。",
        "footer": "此邮件由 U-Roster 自动发送。",
    },
    Language.en: {
        "subject": "Roster published: week {week} of {year} ({first} – {last})",
        "subject_again": "Roster updated: week {week} of {year} ({first} – {last})",
        "greeting": "Dear {name},",
        "intro": "The roster of {district} for week {week} is published. Your duties:",
        "intro_again": "The roster of {district} for week {week} is published again. "
        "Your duties changed:",
        "all_duties": "All your duties this week:",
        "added": "New:",
        "dropped": "No longer:",
        "none": "You have no duties this week.",
        "footer": "Sent by U-Roster.",
    },
}
WEEKDAYS = {
    Language.zh: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    Language.en: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}

_HTML = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><body>
<p>{{ greeting }}</p>
<p>{{ intro }}</p>
{% for title, lines in changes %}<p>{{ title }}</p>
<ul>{% for line in lines %}<li>{{ line }}</li>{% endfor %}</ul>
{% endfor %}{% if changes %}<p>{{ all_duties }}</p>
{% endif %}{% if duties %}<ul>{% for duty in duties %}<li>{{ duty }}</li>{% endfor %}</ul>
{% else %}<p>{{ none }}</p>{% endif %}
<p><small>{{ footer }}</small></p>
</body></html>
"""
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _day(moment: datetime, language: Language) -> str:
    weekday = WEEKDAYS[language][moment.weekday()]
    if language == Language.zh:
        return f"{moment.month}月{moment.day}日 {weekday}"
    return f"{weekday} {moment.day} {moment:%b}"


def duty_line(duty: dict, language: Language) -> str:
    """`Mon 14 Dec 09:00–13:00 Luohu U-station`, in the station's local time."""
    starts = datetime.fromisoformat(duty["starts_at"])
    ends = datetime.fromisoformat(duty["ends_at"])
    return f"{_day(starts, language)} {starts:%H:%M}–{ends:%H:%M} {duty['station']}"


def change_sections(payload: dict, language: Language) -> list[tuple[str, list[str]]]:
    """ "New:" and "No longer:", each with its duties, those of the two that have any
    (payload keys `added` and `dropped`)."""
    return [
        (TEXTS[language][key], [duty_line(duty, language) for duty in payload[key]])
        for key in ("added", "dropped")
        if payload.get(key)
    ]


def render_roster_published(payload: dict, language: Language, name: str) -> Rendered:
    """The volunteer's duties of the week; on a republish (the payload has `added` and
    `dropped`) what changed first, then all of them."""
    texts = TEXTS[language]
    year, week = (int(part) for part in payload["week"].split("-W"))
    first, last = date.fromisocalendar(year, week, 1), date.fromisocalendar(year, week, 7)

    def short(day: date) -> str:
        return f"{day.month}月{day.day}日" if language == Language.zh else f"{day.day} {day:%b}"

    again = "added" in payload
    subject = texts["subject_again" if again else "subject"].format(
        year=year, week=week, first=short(first), last=short(last)
    )
    greeting = texts["greeting"].format(name=name)
    intro = texts["intro_again" if again else "intro"].format(
        district=payload["district"], week=week
    )
    changes = change_sections(payload, language)
    duties = [duty_line(duty, language) for duty in payload["duties"]]
    body = "\n".join(f"- {line}" for line in duties) if duties else texts["none"]
    changed = "".join(
        title + "\n" + "".join(f"- {line}\n" for line in lines) + "\n" for title, lines in changes
    )
    if changes:
        body = f"{texts['all_duties']}\n{body}"
    text = f"{greeting}\n\n{intro}\n\n{changed}{body}\n\n-- \n{texts['footer']}\n"
    html = _HTML.render(
        lang=language.value, greeting=greeting, intro=intro, changes=changes,
        all_duties=texts["all_duties"], duties=duties, none=texts["none"],
        footer=texts["footer"],
    )  # fmt: skip
    return Rendered(subject=subject, text=text, html=html)


@cache
def renderers() -> dict[str, Callable[[dict, Language, str], Rendered]]:
    """Each kind of message's renderer: (payload, language, volunteer's name) → mail.
    Gathered at first use: the kinds' own modules build on this one."""
    from app.cover import messages as cover_messages
    from app.notifications import changes, reminders
    from app.teams import messages as team_messages

    return {
        EventKind.roster_published: render_roster_published,
        EventKind.duty_changed: changes.render_change,
        EventKind.duty_cancelled: changes.render_change,
        EventKind.invitation: changes.render_invitation,
        EventKind.reminder: reminders.render_reminder,
        EventKind.seat_offered: cover_messages.render_seat_offered,
        EventKind.seat_taken: cover_messages.render_seat_taken,
        EventKind.team_message: team_messages.render_team_message,
    }


# The last line of every mail, for mail clients that offer no button for the
# List-Unsubscribe header: (question, link text).
UNSUBSCRIBE_LINE = {
    Language.zh: ("不想再收到此类邮件？", "退订"),
    Language.en: ("Don't want e-mails like this?", "Unsubscribe"),
}


def render(
    kind: str, payload: dict, language: str, name: str, *, unsubscribe_url: str | None = None
) -> Rendered:
    """The mail of this kind; with `unsubscribe_url`, a line under it that leads there."""
    spoken = Language(language) if language in Language.__members__ else Language.zh
    if kind not in renderers():
        raise ValueError(f"No e-mail for {kind!r} messages.")
    rendered = renderers()[kind](payload, spoken, name)
    if unsubscribe_url is None:
        return rendered
    return _with_unsubscribe_line(rendered, spoken, unsubscribe_url)


def _with_unsubscribe_line(rendered: Rendered, language: Language, url: str) -> Rendered:
    question, action = UNSUBSCRIBE_LINE[language]
    text = f"{rendered.text.rstrip()}\n{question} {action}: {url}\n"
    # Markup escapes what it is given; str() so that joining it escapes nothing else.
    line = str(
        Markup('<p><small>{} <a href="{}">{}</a></small></p>\n').format(question, url, action)
    )
    html = rendered.html
    end = html.rfind("</body>")
    html = html + line if end < 0 else html[:end] + line + html[end:]
    return Rendered(subject=rendered.subject, text=text, html=html)


def message_id(idempotency_key: str, mail_from: str) -> str:
    """The same message gets the same Message-ID however often it is sent, so that a
    copy sent again after a crash is recognisable (and mail clients fold it). Hashed:
    the key names volunteers by id, which is nobody's business in a header."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "uroster.invalid"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def compose(
    rendered: Rendered,
    *,
    to_name: str,
    to_address: str,
    idempotency_key: str,
    mail_from: str,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """`unsubscribe_url` stops this kind of message for this recipient
    (unsubscribe.url): mail clients show an "Unsubscribe" button that POSTs to it
    (RFC 8058 one-click; the relay's DKIM signature must cover both headers). Every
    volunteer's notification has one; a mail that is none (to a coordinator) has none."""
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = mail_from
    local, _, domain = to_address.rpartition("@")
    message["To"] = Address(display_name=to_name, username=local, domain=domain)
    message["Message-ID"] = message_id(idempotency_key, mail_from)
    if unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


class Mailer:
    """One SMTP connection for a batch of messages, opened at the first message and
    opened again after the server drops it. Synchronous to its callers (the outbox
    runs in sync sessions); aiosmtplib runs on a loop of its own."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._runner: asyncio.Runner | None = None
        self._smtp: aiosmtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        self._runner = asyncio.Runner()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._runner is not None
        try:
            if self._smtp is not None and self._smtp.is_connected:
                self._runner.run(self._quit(self._smtp))
        finally:
            self._runner.close()

    @staticmethod
    async def _quit(smtp: aiosmtplib.SMTP) -> None:
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):  # it is going away either way
            smtp.close()

    def send(self, message: EmailMessage) -> None:
        """Hands the message to the server; raises aiosmtplib.SMTPException or OSError
        when it is not accepted."""
        assert self._runner is not None, "use the Mailer in a `with` block"
        self._runner.run(self._send(message))

    async def _send(self, message: EmailMessage) -> None:
        if self._smtp is None or not self._smtp.is_connected:
            settings = self.settings
            smtp = aiosmtplib.SMTP(
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_user,
                password=settings.smtp_password,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
            await smtp.connect()  # signs in too, when a user is set
            self._smtp = smtp
        await self._smtp.send_message(message)
