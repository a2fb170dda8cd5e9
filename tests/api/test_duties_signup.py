"""Open shifts and sign-up: free seats that fit the caller, and every reason for a 409."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.rosters.models import Assignment, AssignmentStatus, Roster
from app.shifts.models import Shift
from app.volunteers.models import Volunteer
from tests.api.conftest import Caller, World, assert_problem
from tests.api.test_duties import (
    add_shift,
    another_volunteer,
    assign,
    day_after_next_monday,
    my_duties,
    roster_for,
    week_of,
)


def open_shifts(client, caller: Caller, **params) -> dict:
    response = client.get("/api/v1/shifts/open", headers=caller.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def open_ids(client, caller: Caller) -> list[int]:
    return [item["id"] for item in open_shifts(client, caller, limit=500)["items"]]


def sign_up(client, caller: Caller, shift_id: int):
    return client.post(f"/api/v1/shifts/{shift_id}/signup", headers=caller.headers)


def set_profile(session: Session, caller: Caller, **fields) -> Volunteer:
    volunteer = session.get(Volunteer, caller.volunteer_id)
    for name, value in fields.items():
        setattr(volunteer, name, value)
    session.commit()
    return volunteer


def live_count(session: Session, shift: Shift) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.shift_id == shift.id, Assignment.status != AssignmentStatus.cancelled)
    )


# -- open shifts -------------------------------------------------------------------


def test_open_shifts_are_published_future_and_not_full(client, session, world):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    station = world.station_a
    half_full = add_shift(session, station, day_after_next_monday(0, 9), max_volunteers=2)
    assign(session, half_full, other.volunteer_id)
    empty = add_shift(session, station, day_after_next_monday(1, 9), max_volunteers=3)
    full = add_shift(session, station, day_after_next_monday(2, 9), max_volunteers=1)
    assign(session, full, other.volunteer_id)
    cancelled_seat = add_shift(session, station, day_after_next_monday(3, 9), max_volunteers=1)
    assign(session, cancelled_seat, other.volunteer_id, status=AssignmentStatus.cancelled)
    mine = add_shift(session, station, day_after_next_monday(4, 9))
    assign(session, mine, volunteer.volunteer_id)
    add_shift(session, station, day_after_next_monday(21, 9), publish=False)  # no roster
    draft = add_shift(session, station, day_after_next_monday(7, 9), publish=False)
    roster_for(session, world.district_a.id, week_of(draft.starts_at), "draft")
    session.commit()
    add_shift(session, station, utcnow() - timedelta(hours=1))  # started
    add_shift(session, world.station_b, day_after_next_monday(0, 15))  # another district

    body = open_shifts(client, volunteer)

    assert [item["id"] for item in body["items"]] == [half_full.id, empty.id, cancelled_seat.id]
    assert body["total"] == 3
    first = body["items"][0]
    assert first | {"assigned": 1, "free_seats": 1, "max_volunteers": 2} == first
    assert first["station_name"] == "Luohu U-station"
    assert (
        first["roster_id"]
        == roster_for(session, world.district_a.id, week_of(half_full.starts_at)).id
    )
    assert body["items"][2]["free_seats"] == 1
    page = open_shifts(client, volunteer, limit=1, offset=1)
    assert page["total"] == 3
    assert [item["id"] for item in page["items"]] == [empty.id]


def test_open_shifts_keep_skill_seats_for_skilled_volunteers(client, session, world):
    skilled, unskilled = world["volunteer"], world["other_volunteer"]  # lang:en / none
    only_seat = add_shift(
        session, world.station_a, day_after_next_monday(1, 9), max_volunteers=1,
        skills={"lang:en": 1},
    )  # fmt: skip
    two_seats = add_shift(
        session, world.station_a, day_after_next_monday(2, 9), max_volunteers=2,
        skills={"lang:en": 1},
    )  # fmt: skip

    assert open_ids(client, skilled) == [only_seat.id, two_seats.id]
    assert open_ids(client, unskilled) == [two_seats.id]

    assert sign_up(client, unskilled, two_seats.id).status_code == 201
    third = another_volunteer(session, world, "Li Na", "13800000003")
    assert open_ids(client, third) == []
    assert open_ids(client, skilled) == [only_seat.id, two_seats.id]
    body = assert_problem(sign_up(client, third, two_seats.id), 409)
    assert body["reason"] == "skills"
    assert "lang:en" in body["detail"]
    assert sign_up(client, skilled, two_seats.id).status_code == 201


def test_open_shifts_take_a_constant_number_of_queries(client, session, world, engine):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for_open_shifts() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            open_shifts(client, volunteer)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    def add_day(day: int) -> None:
        shift = add_shift(
            session, world.station_a, day_after_next_monday(day, 8), max_volunteers=3,
            skills={"lang:en": 1},
        )  # fmt: skip
        assign(session, shift, other.volunteer_id)

    add_day(0)
    few = queries_for_open_shifts()
    for day in range(1, 12):
        add_day(day)
    assert len(open_shifts(client, volunteer)["items"]) == 12
    assert queries_for_open_shifts() == few
    # Token, account, volunteer (+3 profile look-ups), rosters, stations in reach, the
    # times of their shifts, the shifts in the volunteer's windows, holders, their
    # skills, the caller's duties; plus the test's SAVEPOINT and RELEASE.
    assert few <= 15


# -- sign-up -----------------------------------------------------------------------


def test_sign_up_takes_a_seat(client, session, world):
    volunteer = world["volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(2, 9))

    response = sign_up(client, volunteer, shift.id)

    assert response.status_code == 201, response.text
    body = response.json()
    roster = roster_for(session, world.district_a.id, week_of(shift.starts_at))
    assert (
        body
        | {
            "shift_id": shift.id,
            "roster_id": roster.id,
            "station_id": world.station_a.id,
            "status": "scheduled",
            "source": "signup",
            "pinned": False,
        }
        == body
    )
    stored = session.get(Assignment, body["id"])
    assert (stored.volunteer_id, stored.source) == (volunteer.volunteer_id, "signup")
    assert [i["id"] for i in my_duties(client, volunteer)["items"]] == [body["id"]]
    assert shift.id not in open_ids(client, volunteer)


def test_sign_up_conflicts_name_their_reason(client, session, world):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    station = world.station_a
    unpublished = add_shift(session, station, day_after_next_monday(7, 9), publish=False)
    draft_only = add_shift(session, station, day_after_next_monday(14, 9), publish=False)
    roster_for(session, world.district_a.id, week_of(draft_only.starts_at), "draft")
    session.commit()
    started = add_shift(session, station, utcnow() - timedelta(minutes=5))
    full = add_shift(session, station, day_after_next_monday(1, 9), max_volunteers=1)
    assign(session, full, other.volunteer_id)
    mine = add_shift(session, station, day_after_next_monday(2, 9))
    assign(session, mine, volunteer.volunteer_id)
    elsewhere = add_shift(session, world.station_b, day_after_next_monday(3, 9))

    cases = {
        unpublished.id: "not_published",
        draft_only.id: "not_published",
        started.id: "started",
        full.id: "full",
        mine.id: "already_assigned",
        elsewhere.id: "other_district",
    }
    for shift_id, reason in cases.items():
        body = assert_problem(sign_up(client, volunteer, shift_id), 409)
        assert body["reason"] == reason, body
        assert str(shift_id) in body["detail"]
    assert live_count(session, full) == 1
    assert live_count(session, mine) == 1
    assert_problem(sign_up(client, volunteer, 2**31 - 1), 404)
    assert_problem(sign_up(client, volunteer, 0), 422)


def test_the_unique_index_catches_a_second_row_for_the_same_seat(client, session, world):
    """A no-show row is not live (its seat is free) but still holds the unique key:
    the insert fails inside the database and becomes a 409."""
    volunteer = world["volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    assign(session, shift, volunteer.volunteer_id, status=AssignmentStatus.no_show)

    body = assert_problem(sign_up(client, volunteer, shift.id), 409)

    assert body["reason"] == "already_assigned"
    assert live_count(session, shift) == 1  # the no-show row only


def test_inactive_volunteers_cannot_sign_up(client, session, world):
    volunteer = world["volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    set_profile(session, volunteer, status="inactive")
    assert assert_problem(sign_up(client, volunteer, shift.id), 409)["reason"] == "inactive"
    assert open_shifts(client, volunteer) == {"items": [], "total": 0}


def test_a_closed_station_offers_no_seats(client, session, world):
    volunteer = world["volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    world.station_a.is_active = False
    session.commit()
    assert open_ids(client, volunteer) == []
    assert assert_problem(sign_up(client, volunteer, shift.id), 409)["reason"] == "station_closed"


# -- hard rules: the same cases hide a shift from /shifts/open and refuse a sign-up ----


@dataclass
class RuleCase:
    rule: str
    arrange: Callable[[Session, World, object], Shift]


def _duty(session, world, day, hour, hours=4):
    shift = add_shift(session, world.station_a, day_after_next_monday(day, hour), hours)
    assign(session, shift, world["volunteer"].volunteer_id)
    return shift


def _overlap(session, world, client):
    _duty(session, world, 1, 9)
    return add_shift(session, world.station_a, day_after_next_monday(1, 11))


def _rest(session, world, client):
    set_profile(session, world["volunteer"], min_rest_hours=12)
    _duty(session, world, 1, 9)  # ends 13:00
    return add_shift(session, world.station_a, day_after_next_monday(1, 18))


def _weekly_hours(session, world, client):
    set_profile(session, world["volunteer"], max_hours_per_week=6)
    _duty(session, world, 0, 9)
    return add_shift(session, world.station_a, day_after_next_monday(2, 9))


def _weekly_shifts(session, world, client):
    set_profile(session, world["volunteer"], max_shifts_per_week=1)
    _duty(session, world, 0, 9)
    return add_shift(session, world.station_a, day_after_next_monday(4, 9))


def _consecutive_days(session, world, client):
    set_profile(session, world["volunteer"], max_consecutive_days=2)
    _duty(session, world, 0, 9)
    _duty(session, world, 1, 9)
    return add_shift(session, world.station_a, day_after_next_monday(2, 9))


def _weekly_availability(session, world, client):
    response = client.put(
        "/api/v1/volunteers/me/availability",
        headers=world["volunteer"].headers,
        json={"weekly": [{"weekday": 1, "start": "08:00", "end": "12:00",
                          "preference": "available"}]},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return add_shift(session, world.station_a, day_after_next_monday(1, 9))  # a Tuesday


def _dated_exception(session, world, client):
    day = day_after_next_monday(3, 9).date().isoformat()
    response = client.put(
        "/api/v1/volunteers/me/availability",
        headers=world["volunteer"].headers,
        json={"weekly": [], "exceptions": [{"start_date": day, "end_date": day}]},
    )
    assert response.status_code == 200, response.text
    return add_shift(session, world.station_a, day_after_next_monday(3, 9))


def _skills(session, world, client):
    response = client.patch(
        "/api/v1/volunteers/me",
        headers=world["other_volunteer"].headers,
        json={"skills": ["lang:yue"]},
    )
    assert response.status_code == 200, response.text
    return add_shift(
        session, world.station_a, day_after_next_monday(1, 9), max_volunteers=1,
        skills={"lang:yue": 1},
    )  # fmt: skip


def _travel(session, world, client):
    set_profile(session, world["volunteer"], home_lat=22.80, home_lon=114.11)  # ~29 km north
    return add_shift(session, world.station_a, day_after_next_monday(1, 9))


RULE_CASES = [
    RuleCase("no_overlap", _overlap),
    RuleCase("minimum_rest", _rest),
    RuleCase("weekly_hours", _weekly_hours),
    RuleCase("weekly_shifts", _weekly_shifts),
    RuleCase("consecutive_days", _consecutive_days),
    RuleCase("availability", _weekly_availability),
    RuleCase("availability", _dated_exception),
    RuleCase("skills", _skills),
    RuleCase("travel_limit", _travel),
]


@pytest.mark.parametrize("case", RULE_CASES, ids=lambda c: c.arrange.__name__.strip("_"))
def test_a_hard_rule_hides_the_shift_and_refuses_the_sign_up(client, session, world, case):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    shift = case.arrange(session, world, client)

    assert shift.id not in open_ids(client, volunteer)
    assert shift.id in open_ids(client, other)  # the shift itself is open
    body = assert_problem(sign_up(client, volunteer, shift.id), 409)
    assert body["reason"] == case.rule
    assert case.rule in body["detail"]
    assert live_count(session, shift) == 0


def test_within_the_limits_the_same_shifts_fit(client, session, world):
    """The counterpart of the rule cases: rest, hours and travel just inside the limits."""
    volunteer = world["volunteer"]
    set_profile(
        session, volunteer, min_rest_hours=5, max_hours_per_week=8, max_shifts_per_week=2,
        home_lat=22.56, home_lon=114.11,
    )  # fmt: skip
    _duty(session, world, 1, 9)  # Tue 09-13
    back_to_back = add_shift(session, world.station_a, day_after_next_monday(1, 18))  # 5 h rest
    assert open_ids(client, volunteer) == [back_to_back.id]
    assert sign_up(client, volunteer, back_to_back.id).status_code == 201
    third = add_shift(session, world.station_a, day_after_next_monday(3, 9))
    assert open_ids(client, volunteer) == []
    assert assert_problem(sign_up(client, volunteer, third.id), 409)["reason"] in {
        "weekly_hours",
        "weekly_shifts",
    }


def test_an_older_breach_does_not_block_unrelated_sign_ups(client, session, world):
    """A coordinator's manual double booking stays theirs to fix; Friday is still free."""
    volunteer = world["volunteer"]
    _duty(session, world, 1, 9)
    _duty(session, world, 1, 10)  # overlaps the first one already
    friday = add_shift(session, world.station_a, day_after_next_monday(4, 9))
    assert open_ids(client, volunteer) == [friday.id]
    assert sign_up(client, volunteer, friday.id).status_code == 201


def test_a_full_roster_is_never_over_booked_by_sequential_sign_ups(client, session, world):
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9), max_volunteers=2)
    callers = [another_volunteer(session, world, f"Helper {i}", f"1380000010{i}") for i in range(4)]
    codes = [sign_up(client, caller, shift.id).status_code for caller in callers]
    assert codes == [201, 201, 409, 409]
    assert live_count(session, shift) == 2
    assert session.scalar(select(func.count()).select_from(Roster)) == 1
