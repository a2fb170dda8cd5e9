"""The coordinators' daily digest on both databases: each coordinator's districts by
e-mail (aiosmtpd, started by the test) and every district to the office's chat bots
through Apprise's json:// target (a real HTTP receiver started by the test)."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.digests import service as digests
from app.digests.models import DigestRun
from app.notifications.models import OutboxMessage
from app.rosters.models import Assignment, Roster
from app.settings import get_settings
from app.shifts.models import Shift
from app.webhooks.models import Webhook, WebhookDelivery
from tests.api.test_notifications import inbox, text_of
from tests.api.test_webhooks import receiver

__all__ = ["inbox", "receiver"]  # fixtures of the e-mail and webhook tests, used here too

ZONE = ZoneInfo("Asia/Shanghai")  # the default timezone of the settings
# A Monday well ahead, at the digest's time (07:00 local by default).
_AHEAD = date.today() + timedelta(weeks=3)
MONDAY = _AHEAD - timedelta(days=_AHEAD.weekday())
SEVEN = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 7, tzinfo=ZONE)
WEEK = f"{MONDAY.isocalendar().year}-W{MONDAY.isocalendar().week:02d}"


def add_shift(session, station, starts_at: datetime, min_volunteers: int, **extra) -> Shift:
    shift = Shift(
        station_id=station.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=4),
        min_volunteers=min_volunteers,
        max_volunteers=3,
        skill_requirements=[],
        priority=3,
        **extra,
    )
    session.add(shift)
    session.flush()
    return shift


@pytest.fixture
def office(session, world):
    """District A: a shift tomorrow short of one person, a full one, one in three days
    and a cancelled one; a mail and a webhook delivery given up, a message left unsent
    on purpose; a failed roster job. District B: a shift tomorrow with nobody on it."""
    published = Roster(
        district_id=world.district_a.id, week=WEEK, status="published", time_limit_seconds=1
    )
    failed = Roster(
        district_id=world.district_a.id,
        week=WEEK,
        status="failed",
        time_limit_seconds=1,
        job_status="failed",
        finished_at=SEVEN - timedelta(hours=2),
        error="the solver found no roster (INFEASIBLE)",
    )
    session.add_all([published, failed])
    session.flush()
    volunteer_id = world["volunteer"].volunteer_id
    short = add_shift(session, world.station_a, SEVEN + timedelta(hours=26), 2)
    full = add_shift(session, world.station_a, SEVEN + timedelta(hours=27), 1)
    add_shift(session, world.station_a, SEVEN + timedelta(hours=72), 2)  # beyond 48 h
    add_shift(session, world.station_a, SEVEN + timedelta(hours=10), 1, cancelled_at=utcnow())
    add_shift(session, world.station_b, SEVEN + timedelta(hours=30), 1)
    for shift in (short, full):
        session.add(
            Assignment(roster_id=published.id, shift_id=shift.id, volunteer_id=volunteer_id)
        )
    given_up = {
        "lost": "SMTPRecipientsRefused: refused",
        "stale": "Not sent: week 2026-W01 had ended when it could be delivered.",
    }
    for key, error in given_up.items():
        session.add(
            OutboxMessage(
                event_kind="roster_published",
                volunteer_id=volunteer_id,
                channel="email",
                idempotency_key=key,
                payload={},
                language="zh",
                created_at=SEVEN - timedelta(hours=5),
                attempts=10,
                dead=True,
                last_error=error,
            )
        )
    webhook = Webhook(url="http://127.0.0.1:9/hook", events=["duty.changed"], secret="s" * 20)
    session.add(webhook)
    session.flush()
    session.add(
        WebhookDelivery(
            webhook_id=webhook.id,
            volunteer_id=volunteer_id,
            event="duty.changed",
            idempotency_key="k",
            body="{}",
            created_at=SEVEN - timedelta(hours=3),
            attempts=10,
            dead=True,
            last_error="HTTP 503 Service Unavailable",
        )
    )
    session.commit()
    return world


@pytest.fixture
def chat(receiver, monkeypatch):
    """The office's chat bot: Apprise's json:// target posting to the test's receiver."""
    port = receiver.url.split(":")[2].split("/")[0]
    monkeypatch.setattr(get_settings(), "digest_apprise_urls", f"json://127.0.0.1:{port}/bot")
    return receiver


def test_each_coordinator_gets_their_districts_and_the_chat_bot_gets_every_district(
    session, office, inbox, chat
):
    assert digests.send_due(session, SEVEN - timedelta(minutes=1)) is None  # not yet 07:00
    assert inbox.mails == [] and chat.requests == []

    run = digests.send_due(session, SEVEN)

    assert run is not None and run.day == MONDAY
    assert (run.mails_sent, run.chat_sent, run.error) == (2, True, None)
    received = inbox.by_address()
    [for_a], [for_b] = received["ca@example.org"], received["cb@example.org"]
    text_a, text_b = text_of(for_a), text_of(for_b)
    assert for_a["Subject"] == f"U-Roster 每日摘要 / daily digest {MONDAY.isoformat()}"
    tomorrow = MONDAY + timedelta(days=1)
    assert f"- {tomorrow:%m-%d} 09:00–13:00 Luohu U-station: 缺 1 人 / 1 short" in text_a
    assert text_a.count("short\n") == 1  # the full, later and cancelled shifts are not listed
    assert "e-mail 1, webhook 1" in text_a  # the message left unsent on purpose is no failure
    assert f"- {WEEK}: the solver found no roster (INFEASIBLE)" in text_a
    assert "Futian Port" not in text_a and "District B" not in text_a
    assert f"- {tomorrow:%m-%d} 13:00–17:00 Futian Port: 缺 1 人 / 1 short" in text_b
    assert "Luohu" not in text_b and "e-mail" not in text_b
    [request] = chat.requests
    assert request.path == "/bot"
    posted = json.loads(request.body)
    assert posted["title"] == for_a["Subject"]
    assert "== District A ==" in posted["message"] and "== District B ==" in posted["message"]
    assert "Luohu U-station" in posted["message"] and "Futian Port" in posted["message"]
    for text in (text_a, text_b, posted["message"]):
        assert "Wang Li" not in text and "13800000001" not in text  # no volunteer named

    assert digests.send_due(session, SEVEN + timedelta(hours=3)) is None  # once a day
    assert len(inbox.mails) == 2 and len(chat.requests) == 1
    next_day = digests.send_due(session, SEVEN + timedelta(days=1))
    assert next_day is not None and next_day.day == MONDAY + timedelta(days=1)


def test_a_quiet_day_sends_nothing(session, world, inbox, chat):
    run = digests.send_due(session, SEVEN)

    assert run is not None and (run.mails_sent, run.chat_sent, run.error) == (0, False, None)
    assert inbox.mails == [] and chat.requests == []


def test_a_chat_bot_that_fails_is_recorded_and_the_mails_still_go(session, office, inbox, chat):
    chat.statuses = [500]

    run = digests.send_due(session, SEVEN)

    assert run is not None and run.mails_sent == 2 and run.chat_sent is False
    assert run.error == "chat: Apprise could not notify every URL"
    assert [r.status for r in chat.requests] == [500]


def test_an_unreachable_mail_server_is_recorded_and_the_chat_bot_still_hears(
    session, office, inbox, chat, monkeypatch
):
    monkeypatch.setattr(get_settings(), "smtp_port", 9)  # nobody listens there

    run = digests.send_due(session, SEVEN)

    assert run is not None and run.mails_sent == 0 and run.chat_sent is True
    assert run.error is not None and run.error.startswith("e-mail: 2 not sent (")
    assert len(chat.requests) == 1


def test_without_a_channel_nothing_is_recorded(session, office, monkeypatch):
    monkeypatch.setattr(get_settings(), "smtp_host", None)
    monkeypatch.setattr(get_settings(), "digest_apprise_urls", "")

    assert digests.send_due(session, SEVEN) is None
    assert session.scalar(select(func.count()).select_from(DigestRun)) == 0


def test_a_day_already_taken_by_another_worker_is_left_alone(session, office, inbox, chat):
    session.add(DigestRun(day=MONDAY, started_at=utcnow(), mails_sent=0, chat_sent=False))
    session.commit()

    assert digests.send_due(session, SEVEN) is None
    assert inbox.mails == [] and chat.requests == []
