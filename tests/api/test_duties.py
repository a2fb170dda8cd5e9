"""Duties, volunteer side: my assignments and cancelling them.

Rosters and assignments are written straight through the session (the roster
endpoints are not what is under test here); everything else goes through the API.
The helpers below are shared by the other test_duties_* files.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.db import utcnow
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.shifts.models import Shift
from app.stations.models import Station
from tests.api.conftest import Caller, World, assert_problem, make_caller, register_volunteer

LOCAL = ZoneInfo("Asia/Shanghai")


def day_after_next_monday(days: int, hour: int, minute: int = 0) -> datetime:
    """A local time in the ISO week after next: always in the future, one week for all."""
    today = datetime.now(LOCAL).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=14)
    return datetime.combine(monday + timedelta(days=days), time(hour, minute), tzinfo=LOCAL)


def week_of(moment: datetime, timezone: str = "Asia/Shanghai") -> str:
    year, week, _ = moment.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def roster_for(
    session: Session, district_id: int, week: str, status: str = RosterStatus.published
) -> Roster:
    for roster in session.new:
        if isinstance(roster, Roster) and (roster.district_id, roster.week, roster.status) == (
            district_id,
            week,
            status,
        ):
            return roster
    roster = (
        session.query(Roster).filter_by(district_id=district_id, week=week, status=status).first()
    )
    if roster is None:
        roster = Roster(district_id=district_id, week=week, status=status, time_limit_seconds=1)
        session.add(roster)
        session.flush()
    return roster


def add_shift(
    session: Session,
    station: Station,
    starts_at: datetime,
    hours: float = 4,
    *,
    max_volunteers: int = 2,
    skills: dict[str, int] | None = None,
    publish: bool = True,
) -> Shift:
    """A shift; with `publish`, its district-week gets a published roster too."""
    shift = Shift(
        station_id=station.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        min_volunteers=1,
        max_volunteers=max_volunteers,
        skill_requirements=[{"skill": s, "count": n} for s, n in (skills or {}).items()],
        priority=3,
    )
    session.add(shift)
    session.flush()
    if publish:
        roster_for(session, station.district_id, week_of(starts_at, station.timezone))
    # Committed (a savepoint in the test's transaction): a failing request rolls back.
    session.commit()
    return shift


def assign(
    session: Session,
    shift: Shift,
    volunteer_id: int,
    *,
    status: str = AssignmentStatus.scheduled,
    roster_status: str = RosterStatus.published,
) -> Assignment:
    station = session.get(Station, shift.station_id)
    roster = roster_for(
        session,
        station.district_id,
        week_of(shift.starts_at, station.timezone),
        roster_status,
    )
    assignment = Assignment(
        roster_id=roster.id, shift_id=shift.id, volunteer_id=volunteer_id, status=status
    )
    session.add(assignment)
    session.commit()
    return assignment


def another_volunteer(session: Session, world: World, name: str, phone: str, **extra) -> Caller:
    volunteer = register_volunteer(session, name, phone, world.district_a.id, **extra)
    caller = make_caller(session, name, session.get(Account, volunteer.account_id), volunteer.id)
    session.commit()
    return caller


def my_duties(client, caller: Caller, **params) -> dict:
    response = client.get(
        "/api/v1/volunteers/me/assignments", headers=caller.headers, params=params
    )
    assert response.status_code == 200, response.text
    return response.json()


def cancel(client, caller: Caller, assignment_id: int, reason: str = "I am ill"):
    return client.post(
        f"/api/v1/assignments/{assignment_id}/cancel",
        headers=caller.headers,
        json={"reason": reason},
    )


# -- my assignments ----------------------------------------------------------------


def test_my_assignments_lists_published_duties_with_station_and_times(client, session, world):
    volunteer = world["volunteer"]
    later = add_shift(session, world.station_a, day_after_next_monday(2, 14))
    earlier = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    second = assign(session, later, volunteer.volunteer_id)
    first = assign(session, earlier, volunteer.volunteer_id)

    body = my_duties(client, volunteer)

    assert body["total"] == 2
    assert [item["id"] for item in body["items"]] == [first.id, second.id]
    item = body["items"][0]
    assert item == item | {
        "shift_id": earlier.id,
        "station_id": world.station_a.id,
        "station_name": "Luohu U-station",
        "status": "scheduled",
        "source": "solver",
        "pinned": False,
    }
    assert datetime.fromisoformat(item["starts_at"]) == earlier.starts_at
    assert datetime.fromisoformat(item["ends_at"]) == earlier.ends_at


def test_my_assignments_hide_drafts_and_other_volunteers_duties(client, session, world):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(0, 9))
    mine = assign(session, shift, volunteer.volunteer_id)
    theirs = assign(session, shift, other.volunteer_id)
    draft_shift = add_shift(session, world.station_a, day_after_next_monday(7, 9), publish=False)
    assign(session, draft_shift, volunteer.volunteer_id, roster_status=RosterStatus.draft)
    superseded = add_shift(session, world.station_a, day_after_next_monday(14, 9), publish=False)
    assign(session, superseded, volunteer.volunteer_id, roster_status=RosterStatus.superseded)

    assert [i["id"] for i in my_duties(client, volunteer)["items"]] == [mine.id]
    assert [i["id"] for i in my_duties(client, other)["items"]] == [theirs.id]


def test_my_assignments_filter_by_start_and_page(client, session, world):
    volunteer = world["volunteer"]
    starts = [day_after_next_monday(d, 9) for d in range(4)]
    duties = [
        assign(session, add_shift(session, world.station_a, s), volunteer.volunteer_id)
        for s in starts
    ]

    window = my_duties(
        client, volunteer, **{"from": starts[1].isoformat(), "to": starts[3].isoformat()}
    )
    assert [i["id"] for i in window["items"]] == [duties[1].id, duties[2].id]

    page = my_duties(client, volunteer, limit=1, offset=1)
    assert page["total"] == 4
    assert [i["id"] for i in page["items"]] == [duties[1].id]


def test_my_assignments_reject_naive_times(client, world):
    response = client.get(
        "/api/v1/volunteers/me/assignments",
        headers=world["volunteer"].headers,
        params={"from": "2026-12-01T09:00:00"},
    )
    assert_problem(response, 422)


def test_my_assignments_include_cancelled_duties(client, session, world):
    volunteer = world["volunteer"]
    duty = assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(3, 9)),
        volunteer.volunteer_id,
    )
    assert cancel(client, volunteer, duty.id).status_code == 200
    [item] = my_duties(client, volunteer)["items"]
    assert item["status"] == "cancelled"
    assert item["cancel_reason"] == "I am ill"


# -- cancelling --------------------------------------------------------------------


def test_volunteer_cancels_own_duty_and_the_seat_reopens(client, session, world):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(2, 9), max_volunteers=1)
    duty = assign(session, shift, volunteer.volunteer_id)
    full = client.post(f"/api/v1/shifts/{shift.id}/signup", headers=other.headers)
    assert assert_problem(full, 409)["reason"] == "full"

    before = utcnow()
    response = cancel(client, volunteer, duty.id, reason="  family emergency ")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == "family emergency"
    session.refresh(duty)
    assert duty.status == AssignmentStatus.cancelled
    assert duty.cancelled_by == volunteer.account.id
    assert before <= duty.cancelled_at <= utcnow()
    assert duty.cancelled_at.tzinfo is not None
    signup = client.post(f"/api/v1/shifts/{shift.id}/signup", headers=other.headers)
    assert signup.status_code == 201, signup.text


def test_cancelling_twice_is_a_conflict(client, session, world):
    volunteer = world["volunteer"]
    duty = assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(1, 9)),
        volunteer.volunteer_id,
    )
    assert cancel(client, volunteer, duty.id).status_code == 200
    body = assert_problem(cancel(client, volunteer, duty.id), 409)
    assert body["reason"] == "cancelled"
    assert "already cancelled" in body["detail"]


def test_a_started_duty_cannot_be_cancelled(client, session, world):
    volunteer = world["volunteer"]
    started = add_shift(session, world.station_a, utcnow() - timedelta(hours=1))
    duty = assign(session, started, volunteer.volunteer_id)
    body = assert_problem(cancel(client, volunteer, duty.id), 409)
    assert body["reason"] == "started"
    session.refresh(duty)
    assert duty.status == AssignmentStatus.scheduled


@pytest.mark.parametrize("status", ["checked_in", "completed", "no_show"])
def test_only_scheduled_duties_can_be_cancelled(client, session, world, status):
    volunteer = world["volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    duty = assign(session, shift, volunteer.volunteer_id, status=status)
    assert assert_problem(cancel(client, volunteer, duty.id), 409)["reason"] == "not_scheduled"


def test_who_may_cancel(client, session, world):
    """The owner and coordinators of the district; everyone else is told nothing exists."""
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9), max_volunteers=5)
    for role in ("other_volunteer", "other_coordinator"):
        duty = assign(session, shift, world["volunteer"].volunteer_id)
        body = assert_problem(cancel(client, world[role], duty.id), 404)
        assert body["detail"] == f"Assignment {duty.id} not found."
        session.refresh(duty)
        assert duty.status == AssignmentStatus.scheduled
        session.delete(duty)
        session.commit()
    for role in ("coordinator", "admin"):
        duty = assign(session, shift, world["volunteer"].volunteer_id)
        response = cancel(client, world[role], duty.id, reason="station closed for the storm")
        assert response.status_code == 200, response.text
        session.refresh(duty)
        assert duty.cancelled_by == world[role].account.id
    unknown = cancel(client, world["volunteer"], 2**31 - 1)
    assert assert_problem(unknown, 404)["detail"] == f"Assignment {2**31 - 1} not found."


def test_draft_duties_are_hidden_from_volunteers_and_not_cancellable(client, session, world):
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9), publish=False)
    duty = assign(session, shift, world["volunteer"].volunteer_id, roster_status="draft")
    assert_problem(cancel(client, world["volunteer"], duty.id), 404)
    body = assert_problem(cancel(client, world["coordinator"], duty.id), 409)
    assert body["reason"] == "not_published"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}])
def test_cancel_needs_a_reason(client, session, world, body):
    duty = assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(1, 9)),
        world["volunteer"].volunteer_id,
    )
    response = client.post(
        f"/api/v1/assignments/{duty.id}/cancel", headers=world["volunteer"].headers, json=body
    )
    assert_problem(response, 422)


def test_cancel_times_are_stored_in_utc(client, session, world):
    duty = assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(1, 9)),
        world["volunteer"].volunteer_id,
    )
    body = cancel(client, world["volunteer"], duty.id).json()
    assert datetime.fromisoformat(body["cancelled_at"]).utcoffset() == UTC.utcoffset(None)


def test_withdrawal_cancels_future_duties_and_stops_the_feed(client, session, world):
    caller = world["volunteer"]
    duty = assign(session, add_shift(session, world.station_a, day_after_next_monday(2, 9)),
                  caller.volunteer_id)  # fmt: skip
    url = client.post("/api/v1/volunteers/me/calendar-feed", headers=caller.headers).json()["url"]
    assert client.get(url).status_code == 200
    assert client.delete("/api/v1/volunteers/me", headers=caller.headers).status_code == 204
    session.refresh(duty)
    assert (duty.status, duty.cancel_reason) == ("cancelled", "the volunteer withdrew")
    assert client.get(url).status_code == 404


def add_duties(world, session):
    """A published week in district A: the volunteer's duty, an open shift, a feed URL."""
    from app.duties import service as duty_service
    from app.volunteers.models import Volunteer

    volunteer_id = world["volunteer"].volunteer_id
    duty_shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    world.duty = assign(session, duty_shift, volunteer_id)
    world.open_shift = add_shift(
        session, world.station_a, day_after_next_monday(3, 9), max_volunteers=5
    )
    world.feed_token = duty_service.rotate_calendar_feed(
        session, session.get(Volunteer, volunteer_id)
    )
    session.commit()
    return world
