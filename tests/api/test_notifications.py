"""Notifications by e-mail, end to end on both databases: a roster is published over
the API, the outbox is delivered to a real SMTP server (aiosmtpd, started here) and the
mails that arrive are read back."""

import email
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.db import utcnow
from app.notifications.models import NotificationPreference, OutboxMessage
from app.notifications.service import deliver_due
from app.rosters import queries
from app.rosters import service as roster_service
from app.settings import get_settings
from app.volunteers.models import Volunteer
from tests.api.test_rosters import weekday_mornings_and_four_volunteers

_AHEAD = date.today() + timedelta(weeks=2)
YEAR, WEEK_NUMBER = _AHEAD.isocalendar().year, _AHEAD.isocalendar().week
WEEK = f"{YEAR}-W{WEEK_NUMBER:02d}"
STATION_ZONE = ZoneInfo("Asia/Shanghai")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """An aiosmtpd handler keeping what it is given; it answers 451 (try again later)
    to the next `refuse` messages."""

    mails: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        mail = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(mail, EmailMessage)
        mail["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.mails.append(mail)
        return "250 Message accepted for delivery"

    def by_address(self) -> dict[str, list[EmailMessage]]:
        found: dict[str, list[EmailMessage]] = {}
        for mail in self.mails:
            found.setdefault(mail["X-Envelope-To"], []).append(mail)
        return found


@pytest.fixture
def inbox(monkeypatch):
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", port)
    monkeypatch.setattr(settings, "mail_from", "U-Roster <roster@station.example>")
    yield handler
    controller.stop()


@pytest.fixture
def district(client, session, world):
    """District A's station with Mon-Fri 09:00-13:00 shifts (1..2 people, lang:en x1)
    and four volunteers with e-mail addresses and two shifts a week at most; Wang Li
    reads English, the others Chinese (the default)."""
    weekday_mornings_and_four_volunteers(client, session, world)
    for volunteer in session.scalars(
        select(Volunteer).where(Volunteer.district_id == world.district_a.id)
    ):
        volunteer.email = f"v{volunteer.id}@example.org"
        volunteer.max_shifts_per_week = 2  # spreads the five shifts over three people or more
    session.add(NotificationPreference(volunteer_id=world["volunteer"].volunteer_id, language="en"))
    session.commit()
    return world


def solved_draft(client, run_jobs, world) -> int:
    response = client.post(
        "/api/v1/rosters",
        headers=world["coordinator"].headers,
        json={"district_id": world.district_a.id, "week": WEEK, "time_limit_seconds": 5},
    )
    assert response.status_code == 202, response.text
    roster_id = response.json()["id"]
    assert run_jobs() == [roster_id]
    return roster_id


def publish(client, world, roster_id: int) -> None:
    response = client.post(
        f"/api/v1/rosters/{roster_id}/publish", headers=world["coordinator"].headers
    )
    assert response.status_code == 200, response.text


def duty_starts(session, roster_id: int) -> dict[str, list[datetime]]:
    """Each address's duties in the roster, as local start times, in order."""
    found: dict[str, list[datetime]] = {}
    for assignment in queries.live_assignments(session, roster_id):
        address = session.get_one(Volunteer, assignment.volunteer_id).email
        found.setdefault(address, []).append(assignment.shift.starts_at.astimezone(STATION_ZONE))
    return {address: sorted(starts) for address, starts in found.items()}


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return part.get_content()


def test_publish_sends_each_volunteer_one_mail_with_their_duties_in_their_language(
    client, session, run_jobs, district, inbox
):
    roster_id = solved_draft(client, run_jobs, district)
    assert deliver_due(session, utcnow()).sent == 0  # a draft tells nobody
    publish(client, district, roster_id)
    expected = duty_starts(session, roster_id)
    assert len(expected) >= 3

    delivery = deliver_due(session, utcnow())

    assert delivery.sent == len(expected) and delivery.failed == 0
    received = inbox.by_address()
    assert set(received) == set(expected)
    english = session.get_one(Volunteer, district["volunteer"].volunteer_id).email
    for address, starts in expected.items():
        [mail] = received[address]  # one message for the week, not one per duty
        text = text_of(mail)
        duty_lines = [line for line in text.splitlines() if line.startswith("- ")]
        assert len(duty_lines) == len(starts)
        html = mail.get_body(("html",))
        assert html is not None
        for line, start in zip(duty_lines, starts, strict=True):
            assert "09:00–13:00 Luohu U-station" in line
            if address == english:
                assert f"{start:%a} {start.day} {start:%b} " in line
            else:
                assert f"{start.month}月{start.day}日 " in line
            assert line[2:] in html.get_content()
        if address == english:
            assert mail["Subject"].startswith(f"Roster published: week {WEEK_NUMBER} of {YEAR}")
            assert "Dear Wang Li," in text
        else:
            assert mail["Subject"].startswith(f"{YEAR}年第{WEEK_NUMBER}周排班已发布")
        assert mail["From"] == "U-Roster <roster@station.example>"
    message_ids = {mail["Message-ID"] for mail in inbox.mails}
    assert len(message_ids) == len(inbox.mails)
    assert all(mid.endswith("@station.example>") for mid in message_ids)


def test_a_rolled_back_publish_records_and_sends_nothing(
    client, session, run_jobs, district, inbox
):
    roster_id = solved_draft(client, run_jobs, district)
    outbox_rows = select(func.count()).select_from(OutboxMessage)
    savepoint = session.begin_nested()
    roster_service.publish(session, district["coordinator"].account, roster_id)
    assert session.scalar(outbox_rows) >= 3  # recorded in the publish's own transaction
    savepoint.rollback()

    assert session.scalar(outbox_rows) == 0
    assert deliver_due(session, utcnow()).sent == 0
    assert inbox.mails == []


def test_delivering_twice_sends_once(client, session, run_jobs, district, inbox):
    publish(client, district, solved_draft(client, run_jobs, district))
    now = utcnow()
    first = deliver_due(session, now)
    assert first.sent >= 3
    assert deliver_due(session, now).sent == 0
    assert deliver_due(session, now + timedelta(days=1)).sent == 0
    assert len(inbox.mails) == first.sent
    rows = session.scalars(select(OutboxMessage)).all()
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)


def test_a_refused_message_is_retried_later_and_sent_once(
    client, session, run_jobs, district, inbox
):
    publish(client, district, solved_draft(client, run_jobs, district))
    recipients = session.scalar(select(func.count()).select_from(OutboxMessage))
    inbox.refuse = 1
    now = utcnow()

    first = deliver_due(session, now)

    assert (first.sent, first.failed) == (recipients - 1, 1)
    [refused] = session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
    assert refused.attempts == 1 and "451" in (refused.last_error or "")
    assert refused.next_attempt_at == now + timedelta(seconds=30)
    assert deliver_due(session, now + timedelta(seconds=29)).sent == 0  # backing off
    assert deliver_due(session, now + timedelta(seconds=30)).sent == 1
    assert len(inbox.mails) == recipients
    assert len(inbox.by_address()) == recipients  # each volunteer once


def test_an_unreachable_server_leaves_every_message_waiting(
    client, session, run_jobs, district, inbox, monkeypatch
):
    publish(client, district, solved_draft(client, run_jobs, district))
    recipients = session.scalar(select(func.count()).select_from(OutboxMessage))
    working_port = get_settings().smtp_port
    monkeypatch.setattr(get_settings(), "smtp_port", free_port())  # nobody listens there
    now = utcnow()

    down = deliver_due(session, now)

    # One attempt fails, the rest are not tried one by one against a dead server.
    assert (down.sent, down.failed) == (0, 1)
    assert session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == (
        recipients
    )
    monkeypatch.setattr(get_settings(), "smtp_port", working_port)
    assert deliver_due(session, now + timedelta(minutes=1)).sent == recipients
    assert len(inbox.by_address()) == recipients


def test_a_republish_tells_only_those_whose_duties_changed(
    client, session, run_jobs, district, inbox
):
    first = solved_draft(client, run_jobs, district)
    publish(client, district, first)
    deliver_due(session, utcnow())
    before = duty_starts(session, first)
    leaving = next(
        v
        for v in session.scalars(select(Volunteer).where(Volunteer.email.in_(before)))
        if v.id != district["volunteer"].volunteer_id  # one of those reading Chinese
    )
    leaving.max_shifts_per_week = 0  # out of next week's new roster
    session.commit()
    inbox.mails.clear()

    second = solved_draft(client, run_jobs, district)
    publish(client, district, second)
    delivery = deliver_due(session, utcnow())

    after = duty_starts(session, second)
    changed = {a for a in set(before) | set(after) if before.get(a) != after.get(a)}
    assert leaving.email in changed
    assert delivery.sent == len(changed)
    assert set(inbox.by_address()) == changed
    [farewell] = inbox.by_address()[leaving.email]
    assert "本周您没有值班。" in text_of(farewell)


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=STATION_ZONE)


def test_a_stale_roster_message_is_marked_dead_with_the_reason_instead_of_sent(
    client, session, run_jobs, district, inbox
):
    """Messages wait as long as SMTP is down or not configured; once delivery can run,
    a roster whose duties have all begun, or whose week is over, is not sent."""
    roster_id = solved_draft(client, run_jobs, district)
    publish(client, district, roster_id)
    starts = duty_starts(session, roster_id)
    monday = date.fromisocalendar(YEAR, WEEK_NUMBER, 1)
    wednesday_noon = local(monday + timedelta(days=2), 12)
    still_ahead = {address for address, times in starts.items() if max(times) > wednesday_noon}
    all_begun = set(starts) - still_ahead
    assert still_ahead and all_begun  # the five shifts are spread over three people or more

    midweek = deliver_due(session, wednesday_noon)

    assert (midweek.sent, midweek.failed) == (len(still_ahead), 0)
    assert set(inbox.by_address()) == still_ahead
    dead = session.scalars(select(OutboxMessage).where(OutboxMessage.dead)).all()
    assert len(dead) == len(all_begun)
    assert {session.get_one(Volunteer, row.volunteer_id).email for row in dead} == all_begun
    for row in dead:
        assert row.sent_at is None and row.next_attempt_at is None
        assert row.last_error == (
            "Not sent: every duty it lists had started when it could be delivered."
        )


def test_a_roster_message_for_a_week_that_is_over_is_not_sent(
    client, session, run_jobs, district, inbox
):
    publish(client, district, solved_draft(client, run_jobs, district))
    next_monday = date.fromisocalendar(YEAR, WEEK_NUMBER, 1) + timedelta(weeks=1)
    just_before = local(next_monday, 0) - timedelta(seconds=1)
    recipients = session.scalar(select(func.count()).select_from(OutboxMessage))

    assert deliver_due(session, local(next_monday, 0)).sent == 0
    assert inbox.mails == []
    rows = session.scalars(select(OutboxMessage)).all()
    assert len(rows) == recipients and all(row.dead for row in rows)
    assert {row.last_error for row in rows} == {
        f"Not sent: week {WEEK} had ended when it could be delivered."
    }
    assert deliver_due(session, just_before).sent == 0  # dead stays dead


def test_a_message_claimed_by_a_worker_that_died_is_sent_once_the_claim_runs_out(
    client, session, run_jobs, district, inbox
):
    from app.notifications.service import _claim

    publish(client, district, solved_draft(client, run_jobs, district))
    recipients = session.scalar(select(func.count()).select_from(OutboxMessage))
    now = utcnow()
    [orphan] = _claim(session, now, limit=1)  # a worker claims it, then dies before sending
    session.commit()
    claim = timedelta(seconds=get_settings().notification_claim_seconds)

    assert deliver_due(session, now).sent == recipients - 1  # others leave it alone
    assert deliver_due(session, now + claim - timedelta(seconds=1)).sent == 0
    assert deliver_due(session, now + claim + timedelta(seconds=1)).sent == 1
    assert len(inbox.by_address()) == len(inbox.mails) == recipients


def test_a_claim_no_longer_than_the_smtp_timeout_is_refused_at_start(monkeypatch):
    from pydantic import ValidationError

    from app.settings import Settings

    monkeypatch.setenv("UROSTER_SMTP_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("UROSTER_NOTIFICATION_CLAIM_SECONDS", "30")
    with pytest.raises(ValidationError, match="NOTIFICATION_CLAIM_SECONDS must be longer"):
        Settings()
    monkeypatch.setenv("UROSTER_NOTIFICATION_CLAIM_SECONDS", "31")
    assert Settings().notification_claim_seconds == 31
