"""Reminders before duties, on both databases: which are recorded at which moment (time
is an argument of the scheduler, nothing sleeps), and what reaches a real SMTP server
(aiosmtpd, started here).

Duties are at district A's Luohu U-station (Asia/Shanghai) a month from now; the
office's defaults are the settings' (lead times 24 h and 2 h, quiet hours 22:00-07:00)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from app.notifications import reminders, rounds
from app.notifications import service as notifications
from app.notifications.models import Channel, EventKind, NotificationPreference, OutboxMessage
from app.notifications.reminders import schedule_reminders
from app.notifications.service import deliver_due
from app.rosters.models import Assignment, Roster, RosterStatus
from app.settings import get_settings
from app.shifts.models import Shift
from app.volunteers.models import Volunteer
from tests.api.test_notifications import inbox as inbox  # the fixture: an SMTP server
from tests.api.test_notifications import text_of

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date.today() + timedelta(days=30)  # the duties' local date
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def office_defaults(monkeypatch):
    """The reminders' defaults as shipped, whatever the environment says."""
    settings = get_settings()
    monkeypatch.setattr(settings, "reminder_lead_minutes", "1440,120")
    monkeypatch.setattr(settings, "quiet_hours", "22:00-07:00")


@dataclass
class Office:
    """District A's published roster for the duties' week, and two volunteers with
    addresses: Wang Li reads English, 张小明 Chinese (the default)."""

    session: Session
    world: object
    roster: Roster
    wang: Volunteer
    zhang: Volunteer

    def give(
        self, volunteer: Volunteer, starts: datetime, given_at: datetime, shift_id: int = 0
    ) -> Assignment:
        """A four-hour duty at the station (a new shift, or this one) in the roster,
        given to the volunteer at `given_at`."""
        if not shift_id:
            shift = Shift(
                station_id=self.world.station_a.id, starts_at=starts, ends_at=starts + 4 * HOUR,
                min_volunteers=1, max_volunteers=2, skill_requirements=[], priority=3,
            )  # fmt: skip
            self.session.add(shift)
            self.session.flush()
            shift_id = shift.id
        assignment = Assignment(
            roster_id=self.roster.id, shift_id=shift_id, volunteer_id=volunteer.id,
            created_at=given_at,
        )  # fmt: skip
        self.session.add(assignment)
        self.session.commit()
        return assignment

    def schedule(self, now: datetime) -> list[str]:
        """One scheduling pass at `now`: the event refs it recorded, "shift:label"."""
        before = set(self.session.scalars(select(OutboxMessage.id)))
        schedule_reminders(self.session, now)
        self.session.commit()
        new = self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.not_in(before or {0}))
        ).all()
        assert all(row.event_kind == "reminder" for row in new)
        return sorted(row.idempotency_key.split(":", 2)[2].rsplit(":", 2)[0] for row in new)


@pytest.fixture
def office(session, world) -> Office:
    wang = session.get_one(Volunteer, world["volunteer"].volunteer_id)
    zhang = session.get_one(Volunteer, world["other_volunteer"].volunteer_id)
    wang.email, zhang.email = "wang@example.org", "zhang@example.org"
    session.add(NotificationPreference(volunteer_id=wang.id, language="en"))
    year, week, _ = DAY.isocalendar()
    roster = Roster(
        district_id=world.district_a.id, week=f"{year}-W{week:02d}",
        status=RosterStatus.published, time_limit_seconds=1,
        published_at=local(DAY, 9) - timedelta(days=10),
    )  # fmt: skip
    session.add(roster)
    session.commit()
    return Office(session, world, roster, wang, zhang)


def ref(assignment: Assignment, label: str) -> str:
    return f"{assignment.shift_id}:{label}"


LONG_AGO = local(DAY, 9) - timedelta(days=7)


def test_reminders_come_at_the_default_lead_times_once_each(office, session, inbox):
    wang_duty = office.give(office.wang, local(DAY, 15), given_at=LONG_AGO)
    zhang_duty = office.give(office.zhang, local(DAY, 15, 30), given_at=LONG_AGO)
    starts = local(DAY, 15)

    assert office.schedule(starts - 24 * HOUR - MINUTE) == []
    assert office.schedule(starts - 24 * HOUR) == [ref(wang_duty, "1440")]
    assert deliver_due(session, starts - 24 * HOUR).sent == 1
    assert office.schedule(starts - 24 * HOUR + 30 * MINUTE) == [ref(zhang_duty, "1440")]
    for now in (starts - 23 * HOUR, starts - 2 * HOUR - MINUTE):
        assert office.schedule(now) == []
    assert office.schedule(starts - 2 * HOUR) == [ref(wang_duty, "120")]
    assert office.schedule(starts - 90 * MINUTE) == [ref(zhang_duty, "120")]
    for now in (starts - MINUTE, starts + MINUTE, starts + 5 * HOUR):
        assert office.schedule(now) == []
    assert deliver_due(session, starts - 90 * MINUTE).sent == 3

    by_address = inbox.by_address()
    assert {a: len(m) for a, m in by_address.items()} == {
        "wang@example.org": 2, "zhang@example.org": 2,
    }  # fmt: skip
    day = f"{local(DAY, 15):%a} {DAY.day} {DAY:%b}"
    for mail in by_address["wang@example.org"]:
        assert mail["Subject"] == f"Reminder: your duty {day} 15:00–19:00 Luohu U-station"
        assert f"- {day} 15:00–19:00 Luohu U-station" in text_of(mail)
        assert "Dear Wang Li," in text_of(mail)
    weekday = "一二三四五六日"[DAY.weekday()]
    for mail in by_address["zhang@example.org"]:
        assert mail["Subject"] == (
            f"值班提醒：{DAY.month}月{DAY.day}日 周{weekday} 15:30–19:30 Luohu U-station"
        )
        assert "张小明，您好：" in text_of(mail)
    assert len({mail["Message-ID"] for mail in inbox.mails}) == 4


def test_quiet_hours_hold_a_reminder_back_to_their_end_or_drop_it_if_the_duty_is_earlier(
    office, session, inbox
):
    """22:00-07:00 local: the 07:30 duty's 2-h reminder (05:30) waits until 07:00. The
    06:30 duty's (04:30) would wait past its start: it is dropped; its volunteer had
    the 24-h one, itself held from 06:30 to 07:00 the day before."""
    eve = DAY - timedelta(days=1)
    late_riser = office.give(office.wang, local(DAY, 7, 30), given_at=LONG_AGO)
    early_bird = office.give(office.zhang, local(DAY, 6, 30), given_at=LONG_AGO)

    assert office.schedule(local(eve, 6, 30)) == []
    assert office.schedule(local(eve, 6, 59)) == []
    assert office.schedule(local(eve, 7)) == [ref(early_bird, "1440")]
    assert office.schedule(local(eve, 7, 30)) == [ref(late_riser, "1440")]
    assert deliver_due(session, local(eve, 7, 30)).sent == 2
    for hour, minute in ((4, 30), (5, 30), (6, 29), (6, 59)):
        assert office.schedule(local(DAY, hour, minute)) == []
    assert office.schedule(local(DAY, 7)) == [ref(late_riser, "120")]
    assert office.schedule(local(DAY, 7, 29)) == []
    assert deliver_due(session, local(DAY, 7)).sent == 1
    assert len(inbox.by_address()["wang@example.org"]) == 2


def test_quiet_hours_hold_back_reminders_only_not_other_messages(office, session, inbox):
    office.give(office.zhang, local(DAY, 9), given_at=LONG_AGO)
    notifications.roster_published(session, office.roster, None)
    session.commit()

    assert deliver_due(session, local(DAY - timedelta(days=2), 23)).sent == 1
    [mail] = inbox.mails
    assert "排班已发布" in mail["Subject"]


def test_a_reminder_whose_delivery_is_held_up_into_quiet_hours_waits_for_their_end(
    office, session, inbox
):
    """Recorded before 22:00 but not delivered then (the server down, say): at 22:30 it
    waits for 07:00, when it goes if the duty is still ahead, or is dead if not."""
    next_day = DAY + timedelta(days=1)
    morning = office.give(office.wang, local(next_day, 9), given_at=LONG_AGO)
    night = office.give(office.zhang, local(DAY, 23, 30), given_at=LONG_AGO)
    session.get_one(NotificationPreference, office.wang.id).reminder_minutes = "720"
    session.commit()
    assert set(office.schedule(local(DAY, 21, 30))) == {ref(morning, "720"), ref(night, "120")}

    assert deliver_due(session, local(DAY, 22, 30)).sent == 0
    assert deliver_due(session, local(next_day, 6, 59)).sent == 0
    assert deliver_due(session, local(next_day, 7)).sent == 1

    assert list(inbox.by_address()) == ["wang@example.org"]
    [night_reminder] = session.scalars(
        select(OutboxMessage).where(OutboxMessage.volunteer_id == office.zhang.id)
    )
    assert night_reminder.dead
    assert night_reminder.last_error == "Not sent: the duty had started when it could be delivered."


def test_a_duty_given_after_its_lead_times_gets_one_reminder_at_once(office, session, inbox):
    starts = local(DAY, 15)
    short_notice = office.give(office.wang, starts, given_at=starts - 90 * MINUTE)
    same_day = office.give(office.zhang, starts, given_at=starts - 10 * HOUR)

    # Given 10 h before: the 24-h lead had passed, the 2-h one had not: it comes alone.
    assert office.schedule(starts - 10 * HOUR) == []
    assert office.schedule(starts - 2 * HOUR) == [ref(same_day, "120")]
    # Given 90 min before: every lead had passed: one reminder, at once.
    assert office.schedule(starts - 90 * MINUTE) == [ref(short_notice, "late")]
    for now in (starts - HOUR, starts - 30 * MINUTE):
        assert office.schedule(now) == []
    assert deliver_due(session, starts - 30 * MINUTE).sent == 2
    assert len(inbox.by_address()["wang@example.org"]) == 1


def test_a_late_duty_given_in_quiet_hours_is_reminded_at_their_end_if_still_ahead(
    office, session, inbox
):
    at_eight = office.give(office.wang, local(DAY, 8), given_at=local(DAY, 6, 30))
    at_seven = office.give(office.zhang, local(DAY, 7), given_at=local(DAY, 5, 30))

    assert office.schedule(local(DAY, 6, 30)) == []
    assert office.schedule(local(DAY, 7)) == [ref(at_eight, "late")]
    # Given at 05:30 for 07:00, the 07:00 duty is quiet until it starts: no reminder.
    assert office.schedule(local(DAY, 6, 59)) + office.schedule(local(DAY, 7, 1)) == []
    recorded = {row.payload["assignment_id"] for row in session.scalars(select(OutboxMessage))}
    assert recorded == {at_eight.id}
    assert at_seven.id not in recorded


def test_a_cancelled_duty_gets_no_reminder(office, session, client, world, inbox):
    starts = local(DAY, 15)
    cancelled = office.give(office.wang, starts, given_at=LONG_AGO)
    shift_gone = office.give(office.zhang, starts + HOUR, given_at=LONG_AGO)
    coordinator = world["coordinator"].headers
    response = client.post(
        f"/api/v1/assignments/{cancelled.id}/cancel", headers=coordinator,
        json={"reason": "ill"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    response = client.delete(f"/api/v1/shifts/{shift_gone.shift_id}", headers=coordinator)
    assert response.status_code == 204, response.text

    for now in (starts - 24 * HOUR, starts - HOUR, starts - MINUTE):
        assert office.schedule(now) == []
    assert inbox.mails == []


def test_a_reminder_whose_duty_is_cancelled_or_started_before_delivery_is_not_sent(
    office, session, client, world, inbox
):
    starts = local(DAY, 15)
    cancelled = office.give(office.wang, starts, given_at=LONG_AGO)
    shift_gone = office.give(office.zhang, starts, given_at=LONG_AGO)
    started = office.give(office.zhang, starts - 2 * HOUR, given_at=LONG_AGO)
    assert len(office.schedule(starts - 24 * HOUR)) == 3  # then SMTP is down until 14:00
    coordinator = world["coordinator"].headers
    client.post(
        f"/api/v1/assignments/{cancelled.id}/cancel", headers=coordinator,
        json={"reason": "ill"},
    ).raise_for_status()  # fmt: skip
    client.delete(f"/api/v1/shifts/{shift_gone.shift_id}", headers=coordinator).raise_for_status()

    # Only the change notices of the cancellation and the cancelled shift go out.
    assert deliver_due(session, starts - HOUR).sent == 2

    assert not [mail for mail in inbox.mails if mail["Subject"].startswith("值班提醒：")]
    reasons = {
        row.payload["assignment_id"]: row.last_error
        for row in session.scalars(
            select(OutboxMessage).where(OutboxMessage.event_kind == "reminder")
        )
        if row.dead and row.sent_at is None and row.next_attempt_at is None
    }
    assert reasons == {
        cancelled.id: "Not sent: the duty was cancelled before it could be delivered.",
        shift_gone.id: "Not sent: the shift was cancelled before it could be delivered.",
        started.id: "Not sent: the duty had started when it could be delivered.",
    }


def test_never_twice_across_rounds_workers_and_republishes(office, session, inbox):
    starts = local(DAY, 15)
    duty = office.give(office.wang, starts, given_at=LONG_AGO)
    assert office.schedule(starts - 24 * HOUR) == [ref(duty, "1440")]
    assert office.schedule(starts - 24 * HOUR) == []  # a second worker, the same minute

    def republish(at: datetime) -> Assignment:
        """A new roster of the week published at `at`: the same duty, a new row."""
        office.roster.status = RosterStatus.superseded
        office.roster = Roster(
            district_id=office.roster.district_id, week=office.roster.week,
            status=RosterStatus.published, time_limit_seconds=1, published_at=at,
        )  # fmt: skip
        session.add(office.roster)
        session.flush()
        return office.give(office.wang, starts, given_at=at - HOUR, shift_id=duty.shift_id)

    republish(starts - 20 * HOUR)
    assert office.schedule(starts - 20 * HOUR) == []
    assert office.schedule(starts - 2 * HOUR) == [ref(duty, "120")]
    # Published again an hour before: for the new row every lead time has passed, but
    # the duty has had its reminders: no `late` one.
    republish(starts - HOUR)
    assert office.schedule(starts - HOUR) == []

    # The 24-h reminder names the first roster's row: the duty is still the volunteer's
    # in the roster published now, so it goes (SMTP was down until now, say).
    assert deliver_due(session, starts - HOUR).sent == 2
    assert len(inbox.mails) == 2


def test_volunteers_with_reminders_muted_or_email_off_get_none(office, session, inbox):
    starts = local(DAY, 15)
    office.give(office.wang, starts, given_at=LONG_AGO)
    office.give(office.zhang, starts, given_at=LONG_AGO)
    session.get_one(NotificationPreference, office.wang.id).muted_kinds = "reminder"
    session.add(NotificationPreference(volunteer_id=office.zhang.id, email_enabled=False))
    session.commit()

    for now in (starts - 24 * HOUR, starts - 2 * HOUR, starts - HOUR):
        assert office.schedule(now) == []


def test_an_office_gateway_reminds_volunteers_without_e_mail_too_once(office, session, inbox):
    """With a webhook that carries reminders (an SMS gateway), a volunteer who has no
    address, or has turned e-mail off, is reminded through it, once per lead time."""
    from app.webhooks.models import Webhook, WebhookDelivery

    starts = local(DAY, 15)
    office.zhang.email = None
    office.give(office.zhang, starts, given_at=LONG_AGO)
    office.give(office.wang, starts + HOUR, given_at=LONG_AGO)
    session.get_one(NotificationPreference, office.wang.id).email_enabled = False
    session.commit()
    assert office.schedule(starts - 24 * HOUR) == []  # nobody hears by e-mail, no gateway

    session.add(Webhook(url="http://127.0.0.1:9/sms", events=["duty.reminder"], secret="s" * 16))
    session.commit()
    for now in (starts - 24 * HOUR, starts - 24 * HOUR + MINUTE, starts - 2 * HOUR):
        assert office.schedule(now) == []  # no e-mail is recorded
    deliveries = session.scalars(select(WebhookDelivery)).all()
    assert {d.event for d in deliveries} == {"duty.reminder"}
    # Keys are reminder:reminder:<shift>:<lead>:<volunteer>:webhook.
    told = sorted((d.volunteer_id, d.idempotency_key.split(":")[3]) for d in deliveries)
    # 张小明 at 24 h and 2 h before his duty; Wang Li's is an hour later: 24 h so far.
    assert told == sorted(
        [(office.zhang.id, "1440"), (office.zhang.id, "120"), (office.wang.id, "1440")]
    )


def test_a_volunteers_own_lead_times_override_the_default(office, session, inbox):
    starts = local(DAY, 15)
    own = office.give(office.wang, starts, given_at=LONG_AGO)
    default = office.give(office.zhang, starts, given_at=LONG_AGO)
    # Three days ahead (longer than anyone's default: the window grows) and 30 min.
    session.get_one(NotificationPreference, office.wang.id).reminder_minutes = "4320,30"
    session.commit()

    assert office.schedule(starts - 72 * HOUR) == [ref(own, "4320")]
    assert office.schedule(starts - 24 * HOUR) == [ref(default, "1440")]
    assert office.schedule(starts - 2 * HOUR) == [ref(default, "120")]
    assert office.schedule(starts - 30 * MINUTE) == [ref(own, "30")]


def test_a_volunteer_with_no_lead_times_or_unreadable_ones_does_not_stop_the_others(
    office, session, inbox
):
    starts = local(DAY, 15)
    office.give(office.wang, starts, given_at=LONG_AGO)
    others = office.give(office.zhang, starts, given_at=LONG_AGO)
    session.get_one(NotificationPreference, office.wang.id).reminder_minutes = ""
    session.commit()
    assert office.schedule(starts - 24 * HOUR) == [ref(others, "1440")]
    # Written around the API's checks: that volunteer is skipped, not everyone.
    session.get_one(NotificationPreference, office.wang.id).reminder_minutes = "soon"
    session.commit()
    assert office.schedule(starts - 2 * HOUR) == [ref(others, "120")]


def test_the_workers_round_schedules_and_delivers(office, session, inbox):
    """`rounds.run_round` is what the workers run: scheduling joins the round."""
    in_test = sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    starts = local(DAY, 15)
    office.give(office.zhang, starts, given_at=LONG_AGO)

    assert rounds.run_round(starts - 25 * HOUR, in_test).sent == 0
    assert rounds.run_round(starts - 24 * HOUR, in_test).sent == 1
    assert rounds.run_round(starts - 24 * HOUR, in_test).sent == 0
    [mail] = inbox.mails
    assert mail["Subject"].startswith("值班提醒：")


def test_a_batch_whose_claim_would_run_out_mid_send_is_claimed_afresh_not_sent_twice(
    office, session, inbox, monkeypatch
):
    """A batch is claimed for `notification_claim_seconds`; a send that might outlast
    the claim (a slow server) is not begun: the rest of the batch is handed back and
    claimed again. The clock here jumps 100 s at each reading."""
    starts = local(DAY, 15)
    for volunteer in (office.wang, office.zhang) * 3:
        office.give(volunteer, starts, given_at=LONG_AGO)
    assert len(office.schedule(starts - 2 * HOUR)) == 6
    monkeypatch.setattr(notifications, "CLAIM_BATCH", 4)
    monkeypatch.setattr(get_settings(), "notification_claim_seconds", 300)
    monkeypatch.setattr(get_settings(), "smtp_timeout_seconds", 30)
    clock = [starts - 2 * HOUR]

    def jumpy_clock() -> datetime:
        clock[0] += timedelta(seconds=100)
        return clock[0]

    monkeypatch.setattr(notifications, "utcnow", jumpy_clock)
    claimed: list[int] = []
    claim = notifications._claim

    def counted_claim(*args):
        batch = claim(*args)
        claimed.append(len(batch))
        return batch

    monkeypatch.setattr(notifications, "_claim", counted_claim)

    assert deliver_due(session, starts - 2 * HOUR).sent == 6

    # Each claim lasts for one send here: the others are handed back and claimed again.
    assert claimed == [4, 4, 4, 3, 2, 1, 0]

    assert len(inbox.mails) == len({mail["Message-ID"] for mail in inbox.mails}) == 6
    rows = session.scalars(select(OutboxMessage)).all()
    assert all(row.sent_at is not None and row.attempts == 1 and not row.dead for row in rows)


def test_a_round_in_which_not_even_one_send_fits_a_claim_stops_and_leaves_all_due(
    office, session, inbox, monkeypatch
):
    """The clock jumps 300 s at each reading, a whole claim: the round hands the batch
    back and ends, instead of claiming in circles; the next round sends it."""
    starts = local(DAY, 15)
    office.give(office.wang, starts, given_at=LONG_AGO)
    office.give(office.zhang, starts, given_at=LONG_AGO)
    assert len(office.schedule(starts - 2 * HOUR)) == 2
    monkeypatch.setattr(get_settings(), "notification_claim_seconds", 300)
    monkeypatch.setattr(get_settings(), "smtp_timeout_seconds", 30)
    clock = [starts - 2 * HOUR]

    def jumpy_clock() -> datetime:
        clock[0] += timedelta(seconds=300)
        return clock[0]

    with monkeypatch.context() as patched:
        patched.setattr(notifications, "utcnow", jumpy_clock)
        assert deliver_due(session, starts - 2 * HOUR).sent == 0

    assert inbox.mails == []
    rows = session.scalars(select(OutboxMessage)).all()
    assert {row.next_attempt_at for row in rows} == {starts - 2 * HOUR}  # due, not claimed
    assert deliver_due(session, starts - 2 * HOUR).sent == 2


def test_a_message_that_cannot_be_composed_is_dead_and_does_not_stop_the_others(
    office, session, inbox
):
    starts = local(DAY, 15)
    office.give(office.zhang, starts, given_at=LONG_AGO)
    assert len(office.schedule(starts - 2 * HOUR)) == 1
    unreadable = notifications.record(
        session, kind=EventKind.reminder, event_ref="reminder:0:120",
        volunteer_id=office.wang.id, channel=Channel.email, payload={}, language="en",
    )  # fmt: skip
    unreadable.next_attempt_at = starts - 3 * HOUR  # first in line
    session.commit()

    assert deliver_due(session, starts - 2 * HOUR).sent == 1

    assert list(inbox.by_address()) == ["zhang@example.org"]
    assert unreadable.dead and unreadable.next_attempt_at is None
    assert unreadable.last_error == "Not sent: the message cannot be composed (KeyError)."


# PostgreSQL only: on SQLite one writer goes through at a time (BEGIN IMMEDIATE).
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_worker_scheduling_at_the_same_moment_on_postgresql_leaves_it_to_the_other(
    office, session, inbox
):
    starts = local(DAY, 15)
    office.give(office.wang, starts, given_at=LONG_AGO)
    with session.get_bind().engine.connect() as other_worker:
        other_worker.execute(
            text("SELECT pg_advisory_lock(:key)"), {"key": reminders.SCHEDULER_LOCK}
        )
        assert office.schedule(starts - 24 * HOUR) == []
        other_worker.execute(
            text("SELECT pg_advisory_unlock(:key)"), {"key": reminders.SCHEDULER_LOCK}
        )
    assert len(office.schedule(starts - 24 * HOUR)) == 1
