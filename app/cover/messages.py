"""What the short-notice cover says by e-mail: a seat offered, and a seat gone (filled by
someone else, or its shift cancelled). Looked up by notifications.mail.renderers() and
notifications.service.stale_checks()."""

from datetime import datetime
from typing import TYPE_CHECKING

from jinja2 import Environment
from sqlalchemy.orm import Session

from app.notifications.models import Language

if TYPE_CHECKING:
    from app.notifications.mail import Rendered

TEXTS = {
    Language.zh: {
        "offered_subject": "急需补位：{duty}",
        "offered_intro": "{station}的一个岗位刚刚空出，时间和条件都适合您：",
        "offered_action": "先到先得：打开 {url} ，在这个班次旁点击“报名”即可；"
        "去不了请点“我去不了”，岗位会更快转给其他人。",
        "offered_action_html": "先到先得：打开“空缺岗位”页面，在这个班次旁点击“报名”即可；"
        "去不了请点“我去不了”，岗位会更快转给其他人。",
        "open_link": "打开空缺岗位",
        "gone_subject": "岗位已补上：{duty}",
        "cancelled_subject": "班次已取消：{duty}",
        "gone_filled": "之前向您发出的这个岗位已由其他志愿者补上，无需再操作。谢谢您！",
        "gone_cancelled": "之前向您发出的这个班次已取消，无需再操作。",
        "greeting": "{name}，您好：",
        "footer": "此邮件由 U-Roster 自动发送。",
    },
    Language.en: {
        "offered_subject": "Seat open at short notice: {duty}",
        "offered_intro": "A seat at {station} has just opened, and it fits your availability "
        "and limits:",
        "offered_action": "First come, first served: open {url} and press “Sign up” next to "
        "this shift. If you cannot come, press “Not for me”, and it goes to others sooner.",
        "offered_action_html": "First come, first served: open the open seats page and press "
        "“Sign up” next to this shift. If you cannot come, press “Not for me”, and it goes "
        "to others sooner.",
        "open_link": "Open seats",
        "gone_subject": "Seat filled: {duty}",
        "cancelled_subject": "Shift cancelled: {duty}",
        "gone_filled": "The seat you were offered has been taken by another volunteer; "
        "there is nothing more to do. Thank you!",
        "gone_cancelled": "The shift you were offered has been cancelled; there is nothing "
        "more to do.",
        "greeting": "Dear {name},",
        "footer": "Sent by U-Roster.",
    },
}

_HTML = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><body>
<p>{{ greeting }}</p>
{% if intro %}<p>{{ intro }}</p>{% endif %}
<ul><li>{{ duty }}</li></ul>
<p>{{ action }}</p>
{% if url %}<p><a href="{{ url }}">{{ link }}</a></p>{% endif %}
<p><small>{{ footer }}</small></p>
</body></html>
"""
)


def render_seat_offered(payload: dict, language: Language, name: str) -> "Rendered":
    # Imported here: mail.py imports this module for its table of renderers.
    from app.notifications.mail import Rendered, duty_line

    texts = TEXTS[language]
    duty = duty_line(payload, language)
    greeting = texts["greeting"].format(name=name)
    intro = texts["offered_intro"].format(station=payload["station"])
    action = texts["offered_action"].format(url=payload["url"])
    text = f"{greeting}\n\n{intro}\n\n- {duty}\n\n{action}\n\n-- \n{texts['footer']}\n"
    html = _HTML.render(
        lang=language.value, greeting=greeting, intro=intro, duty=duty,
        action=texts["offered_action_html"], url=payload["url"], link=texts["open_link"],
        footer=texts["footer"],
    )  # fmt: skip
    return Rendered(subject=texts["offered_subject"].format(duty=duty), text=text, html=html)


def render_seat_taken(payload: dict, language: Language, name: str) -> "Rendered":
    from app.notifications.mail import Rendered, duty_line

    texts = TEXTS[language]
    duty = duty_line(payload, language)
    greeting = texts["greeting"].format(name=name)
    cancelled = payload.get("why") == "cancelled"
    said = texts["gone_cancelled"] if cancelled else texts["gone_filled"]
    subject = texts["cancelled_subject" if cancelled else "gone_subject"].format(duty=duty)
    text = f"{greeting}\n\n- {duty}\n\n{said}\n\n-- \n{texts['footer']}\n"
    html = _HTML.render(
        lang=language.value, greeting=greeting, intro=None, duty=duty, action=said, url=None,
        footer=texts["footer"],
    )  # fmt: skip
    return Rendered(subject=subject, text=text, html=html)


def stale_seat_message(payload: dict, now: datetime, session: Session) -> str | None:
    """An offer, or news that the seat has gone, is no use once the shift has begun."""
    if now >= datetime.fromisoformat(payload["starts_at"]):
        return "Not sent: the shift had started when it could be delivered."
    return None
