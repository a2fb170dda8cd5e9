"""Change notices and invitations by e-mail, on both databases: each change to a
published roster (a coordinator's edit, a cancelled shift, a coordinator's cancellation,
a swap, a repair, a republish) is made over the API, the outbox is delivered to a real
SMTP server (aiosmtpd, started by the `inbox` fixture) and the mails that arrive are
read back: exactly the volunteers concerned get one mail each, saying what changed, in
their language."""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.notifications import changes
from app.notifications.models import NotificationPreference, OutboxMessage
from app.notifications.service import deliver_due
from app.rosters import service as roster_service
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.rosters.schemas import ManualAssignment
from app.settings import get_settings
from app.shifts.models import Shift
from app.volunteers.models import Volunteer
from tests.api.conftest import register_volunteer
from tests.api.test_console import csrf
from tests.api.test_console_volunteers import as_role
from tests.api.test_import import upload
from tests.api.test_notifications import STATION_ZONE, WEEK, WEEK_NUMBER, YEAR, inbox, text_of

__all__ = ["inbox"]  # the SMTP server fixture, used by the tests below

MONDAY = date.fromisocalendar(YEAR, WEEK_NUMBER, 1)
WEEKDAYS = ["Mon", "Tue", "Wed"]


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=STATION_ZONE)


@dataclass
class Week:
    """District A's week two weeks ahead: shifts Mon, Tue, Wed 09:00-13:00 at Luohu
    U-station and a published roster with Wang Li (reads English) on Mon, 张小明 on
    Tue and Chen Jie on Wed; Liu Yang has no duty. Everyone has an address."""

    world: object
    roster: Roster
    shifts: dict[str, Shift]
    people: dict[str, Volunteer]
    duties: dict[str, Assignment]

    def __getitem__(self, role: str):
        return self.world[role]

    def address(self, name: str) -> str:
        return self.people[name].email or ""


@pytest.fixture
def week(session, world) -> Week:
    district = world.district_a
    chen = register_volunteer(session, "Chen Jie", "13900000100", district.id)
    liu = register_volunteer(session, "Liu Yang", "13900000101", district.id)
    session.flush()
    people = {
        "Wang Li": session.get_one(Volunteer, world["volunteer"].volunteer_id),
        "张小明": session.get_one(Volunteer, world["other_volunteer"].volunteer_id),
        "Chen Jie": chen,
        "Liu Yang": liu,
    }
    for volunteer in people.values():
        volunteer.email = f"v{volunteer.id}@example.org"
    session.add(NotificationPreference(volunteer_id=people["Wang Li"].id, language="en"))
    shifts = {}
    for offset, weekday in enumerate(WEEKDAYS):
        day = MONDAY + timedelta(days=offset)
        shifts[weekday] = Shift(
            station_id=world.station_a.id, starts_at=local(day, 9), ends_at=local(day, 13),
            min_volunteers=1, max_volunteers=2, skill_requirements=[], priority=3,
        )  # fmt: skip
    session.add_all(shifts.values())
    roster = Roster(
        district_id=district.id, week=WEEK, status=RosterStatus.published, job_status="done",
        time_limit_seconds=5, published_at=utcnow(),
    )  # fmt: skip
    session.add(roster)
    session.flush()
    duties = {
        weekday: Assignment(
            roster_id=roster.id, shift_id=shifts[weekday].id, volunteer_id=people[name].id
        )
        for weekday, name in (("Mon", "Wang Li"), ("Tue", "张小明"), ("Wed", "Chen Jie"))
    }
    session.add_all(duties.values())
    session.commit()
    return Week(world, roster, shifts, people, duties)


def line(week: Week, weekday: str, english: bool) -> str:
    """A duty as the mail names it, written out here rather than by the code under test."""
    start = week.shifts[weekday].starts_at.astimezone(STATION_ZONE)
    zh_days = {"Mon": "周一", "Tue": "周二", "Wed": "周三"}
    day = (
        f"{start:%a} {start.day} {start:%b}"
        if english
        else f"{start.month}月{start.day}日 {zh_days[weekday]}"
    )
    return f"{day} 09:00–13:00 Luohu U-station"


def delivered(session, inbox, now: datetime | None = None) -> dict[str, EmailMessage]:
    """Delivers what is due; each address's one mail (a second mail fails the test)."""
    deliver_due(session, now or utcnow())
    mails: dict[str, EmailMessage] = {}
    for address, received in inbox.by_address().items():
        [mails[address]] = received
    return mails


def body(mail: EmailMessage) -> str:
    """The plain-text part, with the line ends it was written with (SMTP sends CRLF)."""
    return text_of(mail).replace("\r\n", "\n")


def outbox(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def coordinator(week: Week) -> dict:
    return week["coordinator"].headers


# -- a coordinator's edits -------------------------------------------------------------


def test_a_duty_added_by_a_coordinator_is_told_to_that_volunteer_only(client, session, week, inbox):
    response = client.post(
        f"/api/v1/rosters/{week.roster.id}/assignments",
        headers=coordinator(week),
        json={"shift_id": week.shifts["Tue"].id, "volunteer_id": week.people["Wang Li"].id},
    )
    assert response.status_code == 201, response.text

    mails = delivered(session, inbox)

    assert set(mails) == {week.address("Wang Li")}
    mail = mails[week.address("Wang Li")]
    assert mail["Subject"] == f"Duty changed: {line(week, 'Tue', english=True)}"
    text = body(mail)
    assert "Dear Wang Li,\n\nA coordinator changed your duties:" in text
    assert f"New:\n- {line(week, 'Tue', english=True)}\n" in text
    assert "No longer" not in text
    html = mail.get_body(("html",))
    assert html is not None and line(week, "Tue", english=True) in html.get_content()
    [row] = outbox(session)
    assert row.event_kind == "duty_changed"


def test_a_duty_removed_by_a_coordinator_is_told_in_chinese_as_cancelled(
    client, session, week, inbox
):
    response = client.delete(
        f"/api/v1/rosters/{week.roster.id}/assignments/{week.duties['Tue'].id}",
        headers=coordinator(week),
    )
    assert response.status_code == 204

    mails = delivered(session, inbox)

    assert set(mails) == {week.address("张小明")}
    mail = mails[week.address("张小明")]
    assert mail["Subject"] == f"值班取消：{line(week, 'Tue', english=False)}"
    text = body(mail)
    assert "张小明，您好：\n\n协调员调整了您的值班：" in text
    assert f"不再值班：\n- {line(week, 'Tue', english=False)}\n" in text
    assert "新增" not in text
    assert [row.event_kind for row in outbox(session)] == ["duty_cancelled"]


def test_two_changes_are_two_messages_and_one_change_is_never_recorded_twice(
    client, session, week, inbox
):
    path = f"/api/v1/rosters/{week.roster.id}/assignments"
    body = {"shift_id": week.shifts["Tue"].id, "volunteer_id": week.people["Liu Yang"].id}
    first = client.post(path, headers=coordinator(week), json=body).json()["id"]
    deliver_due(session, utcnow())
    client.delete(f"{path}/{first}", headers=coordinator(week)).raise_for_status()
    deliver_due(session, utcnow())
    second = client.post(path, headers=coordinator(week), json=body).json()["id"]
    deliver_due(session, utcnow())

    received = inbox.by_address()[week.address("Liu Yang")]
    assert [mail["Subject"][:5] for mail in received] == ["值班变更：", "值班取消：", "值班变更："]
    assert len({mail["Message-ID"] for mail in received}) == 3
    assert len(outbox(session)) == 3
    # The same change recorded again is refused by the outbox's unique key.
    again = session.get_one(Assignment, second)
    savepoint = session.begin_nested()
    with pytest.raises(IntegrityError):
        changes.duties_changed(
            session, changes.Cause.coordinator_edit, changes.by_volunteer([again])
        )
        session.flush()
    savepoint.rollback()
    assert len(outbox(session)) == 3


def test_a_duty_taken_away_before_its_notice_went_out_sends_neither(client, session, week, inbox):
    path = f"/api/v1/rosters/{week.roster.id}/assignments"
    body = {"shift_id": week.shifts["Tue"].id, "volunteer_id": week.people["Liu Yang"].id}
    given = client.post(path, headers=coordinator(week), json=body).json()["id"]
    client.delete(f"{path}/{given}", headers=coordinator(week)).raise_for_status()

    assert deliver_due(session, utcnow()).sent == 0
    assert inbox.mails == []
    [notice] = outbox(session)
    assert notice.dead and notice.last_error == (
        "Not sent: the duties it gives were cancelled before it was delivered."
    )


def test_a_draft_tells_nobody(client, session, week, inbox):
    draft = Roster(
        district_id=week.world.district_a.id, week=WEEK, status=RosterStatus.draft,
        job_status="done", time_limit_seconds=5,
    )  # fmt: skip
    session.add(draft)
    session.commit()
    path = f"/api/v1/rosters/{draft.id}/assignments"
    body = {"shift_id": week.shifts["Tue"].id, "volunteer_id": week.people["Liu Yang"].id}
    added = client.post(path, headers=coordinator(week), json=body)
    assert added.status_code == 201, added.text
    client.delete(f"{path}/{added.json()['id']}", headers=coordinator(week)).raise_for_status()
    client.post(path, headers=coordinator(week), json=body).raise_for_status()
    # The shift is cancelled: Liu Yang is on it in the draft only, 张小明 in the published.
    client.delete(f"/api/v1/shifts/{week.shifts['Tue'].id}", headers=coordinator(week))

    mails = delivered(session, inbox)

    assert set(mails) == {week.address("张小明")}
    assert [row.volunteer_id for row in outbox(session)] == [week.people["张小明"].id]


def test_a_rolled_back_change_records_and_sends_nothing(session, week, inbox):
    savepoint = session.begin_nested()
    roster_service.add_assignment(
        session, week["coordinator"].account, week.roster.id,
        ManualAssignment(shift_id=week.shifts["Tue"].id, volunteer_id=week.people["Liu Yang"].id),
    )  # fmt: skip
    assert len(outbox(session)) == 1  # recorded in the change's own transaction
    savepoint.rollback()

    assert outbox(session) == []
    assert deliver_due(session, utcnow()).sent == 0
    assert inbox.mails == []


# -- cancelled shifts and cancellations --------------------------------------------------


def test_a_cancelled_shift_is_told_to_those_on_it(client, session, week, inbox):
    client.post(
        f"/api/v1/rosters/{week.roster.id}/assignments",
        headers=coordinator(week),
        json={"shift_id": week.shifts["Tue"].id, "volunteer_id": week.people["Wang Li"].id},
    ).raise_for_status()
    deliver_due(session, utcnow())
    inbox.mails.clear()

    response = client.delete(f"/api/v1/shifts/{week.shifts['Tue'].id}", headers=coordinator(week))
    assert response.status_code == 204

    mails = delivered(session, inbox)
    assert set(mails) == {week.address("Wang Li"), week.address("张小明")}
    english = mails[week.address("Wang Li")]
    assert english["Subject"] == f"Duty cancelled: {line(week, 'Tue', english=True)}"
    assert "A shift you were on has been cancelled:" in body(english)
    assert f"No longer:\n- {line(week, 'Tue', english=True)}\n" in body(english)
    chinese = mails[week.address("张小明")]
    assert chinese["Subject"] == f"值班取消：{line(week, 'Tue', english=False)}"
    assert "您所在的班次已取消：" in body(chinese)


def test_a_coordinators_cancellation_is_told_with_its_reason(client, session, week, inbox):
    response = client.post(
        f"/api/v1/assignments/{week.duties['Wed'].id}/cancel",
        headers=coordinator(week),
        json={"reason": "站点装修，暂停服务"},
    )
    assert response.status_code == 200, response.text

    mails = delivered(session, inbox)

    assert set(mails) == {week.address("Chen Jie")}
    text = body(mails[week.address("Chen Jie")])
    assert "协调员取消了您的值班：" in text
    assert f"不再值班：\n- {line(week, 'Wed', english=False)}\n" in text
    assert "原因：站点装修，暂停服务" in text


def test_a_volunteer_cancelling_their_own_duty_hears_nothing_and_an_unsent_notice_of_it_dies(
    client, session, week, inbox
):
    given = client.post(
        f"/api/v1/rosters/{week.roster.id}/assignments",
        headers=coordinator(week),
        json={"shift_id": week.shifts["Tue"].id, "volunteer_id": week.people["Wang Li"].id},
    ).json()["id"]
    volunteer = week["volunteer"].headers
    for duty in (week.duties["Mon"].id, given):
        cancelled = client.post(
            f"/api/v1/assignments/{duty}/cancel", headers=volunteer, json={"reason": "ill"}
        )
        assert cancelled.status_code == 200, cancelled.text

    assert deliver_due(session, utcnow()).sent == 0
    assert inbox.mails == []
    [notice] = outbox(session)  # the coordinator's "new duty", dead before it went out
    assert notice.event_kind == "duty_changed" and notice.dead


# -- swaps and repairs -------------------------------------------------------------------


def test_a_swap_is_told_to_the_giver_and_the_taker(client, session, week, inbox):
    offer = client.post(
        f"/api/v1/assignments/{week.duties['Mon'].id}/swap-offer",
        headers=week["volunteer"].headers,
    )
    assert offer.status_code == 201, offer.text
    taken = client.post(
        f"/api/v1/swap-offers/{offer.json()['offer_id']}/accept",
        headers=week["other_volunteer"].headers,
    )
    assert taken.status_code == 200, taken.text

    mails = delivered(session, inbox)

    assert set(mails) == {week.address("Wang Li"), week.address("张小明")}
    giver = mails[week.address("Wang Li")]
    assert giver["Subject"] == f"Duty cancelled: {line(week, 'Mon', english=True)}"
    assert "Another volunteer has taken over the duty you offered:" in body(giver)
    taker = mails[week.address("张小明")]
    assert taker["Subject"] == f"值班变更：{line(week, 'Mon', english=False)}"
    assert f"您已接替以下值班：\n\n新增：\n- {line(week, 'Mon', english=False)}\n" in body(taker)


def test_a_repair_tells_only_the_volunteers_whose_duties_it_moved(
    client, session, run_jobs, week, inbox
):
    chen = week.people["Chen Jie"]
    chen.availability_mode = "windows"  # and no windows: she can no longer come
    session.commit()

    queued = client.post(f"/api/v1/rosters/{week.roster.id}/repair", headers=coordinator(week))
    assert queued.status_code == 202, queued.text
    assert run_jobs() == [week.roster.id]
    session.refresh(week.duties["Wed"])
    assert week.duties["Wed"].status == "cancelled"
    [refill] = session.scalars(
        select(Assignment).where(
            Assignment.roster_id == week.roster.id,
            Assignment.shift_id == week.shifts["Wed"].id,
            Assignment.status == "scheduled",
        )
    )
    newcomer = session.get_one(Volunteer, refill.volunteer_id)

    mails = delivered(session, inbox)

    assert set(mails) == {chen.email, newcomer.email}
    lost = body(mails[chen.email])
    assert "因人员变动，排班已调整，您的值班有以下变化：" in lost
    assert f"不再值班：\n- {line(week, 'Wed', english=False)}\n" in lost
    gained = body(mails[newcomer.email])
    wed = line(week, "Wed", english=newcomer.id == week.people["Wang Li"].id)
    assert f"- {wed}\n" in gained and ("New:" in gained or "新增：" in gained)


def test_a_moved_duty_is_one_message_naming_the_week(session, week, inbox):
    """A repair can take one duty from a volunteer and give them another: one change,
    one message with both, its subject naming the week rather than one duty."""
    chen = week.people["Chen Jie"]
    old = week.duties["Wed"]
    old.status = AssignmentStatus.cancelled
    new = Assignment(roster_id=week.roster.id, shift_id=week.shifts["Tue"].id, volunteer_id=chen.id)
    session.add(new)
    session.flush()
    changes.duties_changed(session, changes.Cause.repair, changes.by_volunteer([new], [old]))
    session.commit()

    mails = delivered(session, inbox)

    mail = mails[chen.email]
    assert mail["Subject"] == f"值班变更：{YEAR}年第{WEEK_NUMBER}周"
    assert (
        f"新增：\n- {line(week, 'Tue', english=False)}\n\n"
        f"不再值班：\n- {line(week, 'Wed', english=False)}\n"
    ) in body(mail)
    [row] = outbox(session)
    assert row.event_kind == "duty_changed" and row.idempotency_key.startswith(
        f"duty_changed:change+{new.id}:"
    )


# -- a republished roster ------------------------------------------------------------------


def test_a_republish_says_what_changed_besides_the_week(client, session, week, inbox):
    """The draft moves Wang Li from Monday to Tuesday, gives Monday to Liu Yang and
    leaves 张小明 without duties; Chen Jie keeps Wednesday and hears nothing."""
    draft = Roster(
        district_id=week.world.district_a.id, week=WEEK, status=RosterStatus.draft,
        job_status="done", time_limit_seconds=5,
    )  # fmt: skip
    session.add(draft)
    session.flush()
    for weekday, name in (("Mon", "Liu Yang"), ("Tue", "Wang Li"), ("Wed", "Chen Jie")):
        session.add(
            Assignment(
                roster_id=draft.id,
                shift_id=week.shifts[weekday].id,
                volunteer_id=week.people[name].id,
            )  # fmt: skip
        )
    session.commit()

    published = client.post(f"/api/v1/rosters/{draft.id}/publish", headers=coordinator(week))
    assert published.status_code == 200, published.text

    mails = delivered(session, inbox)
    assert set(mails) == {week.address(n) for n in ("Wang Li", "Liu Yang", "张小明")}
    english = mails[week.address("Wang Li")]
    assert english["Subject"].startswith(f"Roster updated: week {WEEK_NUMBER} of {YEAR}")
    assert (
        f"New:\n- {line(week, 'Tue', english=True)}\n\n"
        f"No longer:\n- {line(week, 'Mon', english=True)}\n\n"
        f"All your duties this week:\n- {line(week, 'Tue', english=True)}\n"
    ) in body(english)
    html = english.get_body(("html",))
    assert html is not None and "No longer:" in html.get_content()
    liu = body(mails[week.address("Liu Yang")])
    assert f"新增：\n- {line(week, 'Mon', english=False)}\n\n本周您的全部值班：" in liu
    assert "不再值班" not in liu
    assert mails[week.address("Liu Yang")]["Subject"].startswith(
        f"{YEAR}年第{WEEK_NUMBER}周排班已更新"
    )
    left = body(mails[week.address("张小明")])
    assert f"不再值班：\n- {line(week, 'Tue', english=False)}\n" in left
    assert "本周您没有值班。" in left


# -- stale notices -------------------------------------------------------------------------


def test_a_change_notice_whose_duty_has_started_is_not_sent(client, session, week, inbox):
    client.delete(
        f"/api/v1/rosters/{week.roster.id}/assignments/{week.duties['Tue'].id}",
        headers=coordinator(week),
    ).raise_for_status()
    tuesday_nine = local(MONDAY + timedelta(days=1), 9)

    assert deliver_due(session, tuesday_nine).sent == 0
    assert inbox.mails == []
    [notice] = outbox(session)
    assert notice.dead and notice.last_error == (
        "Not sent: every duty it names had started when it could be delivered."
    )


def test_a_change_notice_is_sent_while_its_duty_is_ahead(client, session, week, inbox):
    client.delete(
        f"/api/v1/rosters/{week.roster.id}/assignments/{week.duties['Tue'].id}",
        headers=coordinator(week),
    ).raise_for_status()
    just_before = local(MONDAY + timedelta(days=1), 9) - timedelta(minutes=1)

    assert deliver_due(session, just_before).sent == 1


# -- what sends nothing --------------------------------------------------------------------


def test_importing_volunteers_or_changing_an_address_sends_nothing(client, session, week, inbox):
    text = (
        "name,phone,email,district_code\n"
        "Zhao Min,13900000201,zhao@example.org,A\n"
        "Wang Li,13800000001,wang.li@example.org,A\n"  # an update of an existing record
    )
    imported = upload(client, coordinator(week), text)
    assert imported.json() == {"created": 1, "updated": 1, "errors": []}
    changed = client.patch(
        f"/api/v1/volunteers/{week.people['Chen Jie'].id}",
        headers=coordinator(week),
        json={"email": "chen.new@example.org"},
    )
    assert changed.status_code == 200, changed.text

    assert outbox(session) == []
    assert deliver_due(session, utcnow()).sent == 0
    assert inbox.mails == []


# -- invitations ---------------------------------------------------------------------------

IMPORTED = "name,phone,email,district_code\n陈晓,13900000301,chen.xiao@example.org,A\n"


@pytest.fixture
def imported(client, session, week, monkeypatch) -> Volunteer:
    """An imported volunteer with an address and no account; links point at the office's
    public address."""
    monkeypatch.setattr(get_settings(), "public_url", "https://roster.example.org/")
    assert upload(client, coordinator(week), IMPORTED).json()["created"] == 1
    return session.scalars(select(Volunteer).where(Volunteer.name == "陈晓")).one()


def invite(client, week, volunteer: Volunteer) -> dict:
    response = client.post(
        f"/api/v1/volunteers/{volunteer.id}/invitation", headers=coordinator(week)
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_an_invitation_code_reaches_the_imported_volunteer_by_email_and_never_the_logs(
    client, session, week, imported, inbox, caplog
):
    caplog.set_level(logging.DEBUG)
    invitation = invite(client, week, imported)
    code = invitation["code"]

    mails = delivered(session, inbox)

    assert set(mails) == {"chen.xiao@example.org"}
    mail = mails["chen.xiao@example.org"]
    expires = datetime.fromisoformat(invitation["expires_at"]).astimezone(STATION_ZONE)
    day = f"{expires.year}年{expires.month}月{expires.day}日"
    shown = f"{day} {expires:%H:%M}"
    assert mail["Subject"] == f"U-Roster 注册邀请码（{day}前有效）"
    assert mail["To"] == "陈晓 <chen.xiao@example.org>"
    text = body(mail)
    assert f"邀请码：{code}\n" in text
    assert "注册页面：https://roster.example.org/app/register\n" in text
    assert f"有效期至：{shown}\n" in text
    html = mail.get_body(("html",))
    assert html is not None and code in html.get_content()
    # A secret: in the mail, nowhere in the logs, and gone from the outbox once sent.
    # (mail.log is the test's own SMTP server, which logs what it receives.)
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]
    assert any(record.name == "httpx" for record in ours)  # the logs were listened to
    assert not [record for record in ours if code in record.getMessage()]
    [row] = outbox(session)
    assert row.event_kind == "invitation" and row.sent_at is not None
    assert code not in str(row.payload) and "invitation_code" not in row.payload
    # The code in the mail works.
    claimed = client.post(
        "/api/v1/volunteers",
        json={"name": "陈晓", "phone": "13900000301", "password": "copper-heron-meadow",
              "accept_privacy_notice": True, "invitation_code": code},
    )  # fmt: skip
    assert claimed.status_code == 201, claimed.text


def test_a_new_code_replaces_the_invitation_still_waiting(client, session, week, imported, inbox):
    first = invite(client, week, imported)["code"]
    second = invite(client, week, imported)["code"]

    mails = delivered(session, inbox)

    text = body(mails["chen.xiao@example.org"])
    assert second in text and first not in text
    replaced, sent = outbox(session)
    assert replaced.dead and replaced.last_error == "Not sent: a newer invitation code replaced it."
    assert "invitation_code" not in replaced.payload  # the dead one forgets its code too
    assert sent.sent_at is not None


def test_an_invitation_claimed_or_expired_before_it_went_out_is_not_sent(
    client, session, week, imported, inbox
):
    invitation = invite(client, week, imported)
    expires = datetime.fromisoformat(invitation["expires_at"])
    assert deliver_due(session, expires).sent == 0
    [expired] = outbox(session)
    assert expired.dead and expired.last_error == (
        "Not sent: the invitation code had expired when it could be delivered."
    )

    code = invite(client, week, imported)["code"]
    client.post(
        "/api/v1/volunteers",
        json={"name": "陈晓", "phone": "13900000301", "password": "copper-heron-meadow",
              "accept_privacy_notice": True, "invitation_code": code},
    ).raise_for_status()  # fmt: skip
    assert deliver_due(session, utcnow()).sent == 0
    assert inbox.mails == []
    claimed = outbox(session)[1]
    assert claimed.dead and claimed.last_error == "Not sent: the record was claimed with its code."


def test_without_an_address_the_code_is_only_handed_to_the_coordinator(
    client, session, week, imported, inbox
):
    imported.email = None
    session.commit()
    assert invite(client, week, imported)["code"]
    assert outbox(session) == []


def test_the_consoles_invitation_is_mailed_too(client, session, week, imported, inbox, monkeypatch):
    # An https public address makes the session cookie Secure; the test client speaks http.
    monkeypatch.setattr(get_settings(), "public_url", None)
    as_role(client, week.world, "coordinator")
    path = f"/console/volunteers/{imported.id}"
    page = client.get(path, params={"lang": "en"})
    response = client.post(path, data={"csrf_token": csrf(page.text)})
    assert response.status_code == 200
    code = re.search(r'id="invitation-code"[^>]*value="([^"]+)"', response.text)[1]

    mails = delivered(session, inbox)

    assert f"邀请码：{code}\n" in body(mails["chen.xiao@example.org"])


def test_a_duty_taken_away_while_its_notice_is_being_sent_is_told_too(client, session, week, inbox):
    """A worker has claimed the "new duty" notice and is talking to the SMTP server when
    the coordinator takes the duty away: the volunteer may get that notice, so they are
    told of the removal as well."""
    from app.notifications.service import _claim

    path = f"/api/v1/rosters/{week.roster.id}/assignments"
    seat = {"shift_id": week.shifts["Tue"].id, "volunteer_id": week.people["Liu Yang"].id}
    given = client.post(path, headers=coordinator(week), json=seat).json()["id"]
    assert len(_claim(session, utcnow(), limit=1)) == 1
    session.commit()

    client.delete(f"{path}/{given}", headers=coordinator(week)).raise_for_status()

    notice, removal = outbox(session)
    assert notice.event_kind == "duty_changed" and notice.dead
    assert removal.event_kind == "duty_cancelled" and not removal.dead
    assert deliver_due(session, utcnow()).sent == 1
    [mail] = inbox.mails
    assert mail["Subject"] == f"值班取消：{line(week, 'Tue', english=False)}"
