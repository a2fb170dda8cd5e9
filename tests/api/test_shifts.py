import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.districts.models import District
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.stations.models import ShiftTemplate, Station
from tests.api.conftest import assert_problem


def add_template(client, headers, station_id, **overrides):
    body = {
        "weekdays": [1, 2, 3, 4, 5],
        "start": "09:00",
        "end": "13:00",
        "min_volunteers": 2,
        "max_volunteers": 3,
        "skill_requirements": [{"skill": "lang:en", "count": 1}],
        "priority": 4,
    } | overrides
    response = client.post(
        f"/api/v1/stations/{station_id}/shift-templates", headers=headers, json=body
    )
    assert response.status_code == 201, response.text
    return response.json()


def generate(client, headers, district_id, week):
    response = client.post(
        "/api/v1/shifts/generate", headers=headers, json={"district_id": district_id, "week": week}
    )
    assert response.status_code == 200, response.text
    return response.json()


def list_shifts(client, headers, **params):
    response = client.get("/api/v1/shifts", headers=headers, params=params | {"limit": 500})
    assert response.status_code == 200, response.text
    return response.json()


def test_generation_is_local_time_and_idempotent(client, world):
    coordinator = world["coordinator"].headers
    add_template(client, coordinator, world.station_a.id)
    assert generate(client, coordinator, world.district_a.id, "2026-W49") == {
        "created": 5,
        "existing": 0,
        "skipped": [],
    }
    assert generate(client, coordinator, world.district_a.id, "2026-W49") == {
        "created": 0,
        "existing": 5,
        "skipped": [],
    }
    shifts = list_shifts(client, coordinator, week="2026-W49")
    assert shifts["total"] == 5
    first = shifts["items"][0]
    # Monday 2026-11-30 09:00 in Asia/Shanghai is 01:00 UTC.
    assert datetime.fromisoformat(first["starts_at"]) == datetime(2026, 11, 30, 1, tzinfo=UTC)
    assert datetime.fromisoformat(first["ends_at"]) == datetime(2026, 11, 30, 5, tzinfo=UTC)
    assert first["skill_requirements"] == [{"skill": "lang:en", "count": 1}]
    assert (first["min_volunteers"], first["max_volunteers"], first["priority"]) == (2, 3, 4)


def test_overnight_shift_ends_next_day_across_dst(client, world):
    """A Berlin port post's night shift on the night the clocks go back lasts 9 hours."""
    coordinator = world["coordinator"].headers
    station = client.post(
        "/api/v1/stations",
        headers=coordinator,
        json={
            "code": "BER-1",
            "name": "Berlin rail port",
            "kind": "port",
            "district_id": world.district_a.id,
            "address": "Hbf",
            "lat": 52.52,
            "lon": 13.37,
            "timezone": "Europe/Berlin",
        },  # fmt: skip
    ).json()
    add_template(
        client, coordinator, station["id"], weekdays=[6, 7], start="22:00", end="06:00",
        overnight=True, skill_requirements=[],
    )  # fmt: skip
    # 2026-W43: Saturday 24 and Sunday 25 October; summer time ends 25 October 03:00.
    assert generate(client, coordinator, world.district_a.id, "2026-W43")["created"] == 2
    saturday, sunday = list_shifts(client, coordinator, station_id=station["id"])["items"]
    sat_start = datetime.fromisoformat(saturday["starts_at"])
    sat_end = datetime.fromisoformat(saturday["ends_at"])
    assert sat_start == datetime(2026, 10, 24, 20, tzinfo=UTC)  # 22:00 CEST
    assert sat_end == datetime(2026, 10, 25, 5, tzinfo=UTC)  # 06:00 CET
    assert sat_end - sat_start == timedelta(hours=9)
    sun_start = datetime.fromisoformat(sunday["starts_at"])
    assert sun_start == datetime(2026, 10, 25, 21, tzinfo=UTC)  # 22:00 CET
    assert datetime.fromisoformat(sunday["ends_at"]) - sun_start == timedelta(hours=8)


def test_inactive_stations_and_templates_generate_nothing(client, world):
    coordinator = world["coordinator"].headers
    template = add_template(client, coordinator, world.station_a.id)
    client.delete(
        f"/api/v1/stations/{world.station_a.id}/shift-templates/{template['id']}",
        headers=coordinator,
    )
    assert generate(client, coordinator, world.district_a.id, "2026-W49")["created"] == 0
    add_template(client, coordinator, world.station_a.id)
    client.delete(f"/api/v1/stations/{world.station_a.id}", headers=coordinator)
    assert generate(client, coordinator, world.district_a.id, "2026-W49")["created"] == 0
    station = client.get(f"/api/v1/stations/{world.station_a.id}", headers=coordinator).json()
    assert station["is_active"] is False


def test_week_filter_uses_each_station_local_week(client, world):
    coordinator = world["coordinator"].headers
    # Sunday 23:30 local in Shanghai is still the same ISO week, though UTC says Sunday 15:30.
    add_template(client, coordinator, world.station_a.id, weekdays=[1, 7], start="23:00",
                 end="23:30", skill_requirements=[])  # fmt: skip
    generate(client, coordinator, world.district_a.id, "2026-W49")
    generate(client, coordinator, world.district_a.id, "2026-W50")
    week = list_shifts(client, coordinator, week="2026-W49")
    assert week["total"] == 2
    days = sorted(datetime.fromisoformat(s["starts_at"]).date().isoformat() for s in week["items"])
    assert days == ["2026-11-30", "2026-12-06"]
    assert list_shifts(client, coordinator)["total"] == 4


def test_filters_and_ad_hoc_shift(client, world):
    coordinator = world["other_coordinator"].headers
    response = client.post(
        "/api/v1/shifts",
        headers=coordinator,
        json={
            "station_id": world.station_b.id,
            "starts_at": "2026-12-31T20:00:00+08:00",
            "ends_at": "2027-01-01T02:00:00+08:00",
            "min_volunteers": 4,
            "max_volunteers": 8,
            "skill_requirements": [{"skill": "lang:yue", "count": 2}],
            "priority": 5,
        },
    )
    assert response.status_code == 201, response.text
    shift = response.json()
    assert shift["template_id"] is None and shift["assigned"] == 0
    volunteer = world["admin"].headers  # who sees every district
    by_district = list_shifts(client, volunteer, district_id=world.district_b.id)
    assert [s["id"] for s in by_district["items"]] == [shift["id"]]
    assert list_shifts(client, volunteer, district_id=world.district_a.id)["total"] == 0
    window = {"from": "2026-12-31T11:00:00Z", "to": "2026-12-31T13:00:00Z"}
    assert list_shifts(client, volunteer, **window)["total"] == 1
    assert list_shifts(client, volunteer, **{"from": "2026-12-31T12:00:01Z"})["total"] == 0
    assert list_shifts(client, volunteer, week="2027-W01")["total"] == 0
    assert list_shifts(client, volunteer, week="2026-W53")["total"] == 1


def test_naive_from_filter_is_422(client, world):
    response = client.get(
        "/api/v1/shifts", headers=world["volunteer"].headers, params={"from": "2026-12-01T00:00"}
    )
    assert_problem(response, 422)


@pytest.fixture
def committed_district(engine):
    """A district with one template, committed for real so that two sessions see it."""
    with Session(engine) as session:
        district = District(code="RACE", name="Race district")
        session.add(district)
        session.flush()
        station = Station(
            district_id=district.id, code="RACE-1", name="Race", kind="port", address="x",
            lat=22.5, lon=114.1, timezone="Asia/Shanghai",
        )  # fmt: skip
        session.add(station)
        session.flush()
        session.add(
            ShiftTemplate(
                station_id=station.id,
                weekdays=[1, 2, 3, 4, 5, 6, 7],
                start="08:00",
                end="20:00",
                min_volunteers=1,
                max_volunteers=2,
                skill_requirements=[],
                priority=3,
            )  # fmt: skip
        )
        session.commit()
        district_id, station_id = district.id, station.id
    yield district_id
    with Session(engine) as session:
        session.execute(delete(Shift).where(Shift.station_id == station_id))
        session.execute(delete(ShiftTemplate).where(ShiftTemplate.station_id == station_id))
        session.execute(delete(Station).where(Station.id == station_id))
        session.execute(delete(District).where(District.id == district_id))
        session.commit()


def test_racing_generations_create_each_shift_once(engine, committed_district):
    admin = Account(role=Role.admin, name="race", email=None)
    barrier = threading.Barrier(4)
    results, failures = [], []

    def run():
        try:
            with Session(engine) as session:
                barrier.wait()
                results.append(
                    shift_service.generate_week(session, admin, committed_district, "2026-W49")
                )
                session.commit()
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(r.created for r in results) == 7
    assert all(r.created + r.existing == 7 and r.skipped == [] for r in results)
    with Session(engine) as session:
        count = session.scalars(
            select(Shift).join(Station).where(Station.district_id == committed_district)
        ).all()
        assert len(count) == 7


# -- daylight saving: times that do not exist or exist twice ----------------------------


def london_station(client, world, code="LDN-1") -> dict:
    response = client.post(
        "/api/v1/stations",
        headers=world["coordinator"].headers,
        json={
            "code": code, "name": "London desk", "kind": "port",
            "district_id": world.district_a.id, "address": "St Pancras",
            "lat": 51.53, "lon": -0.125, "timezone": "Europe/London",
        },
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(
    ("day", "hhmm", "timezone", "utc"),
    [
        # Spring forward in London (01:00 GMT -> 02:00 BST): 01:30 does not exist.
        ("2027-03-28", "01:30", "Europe/London", "2027-03-28T01:00:00"),
        ("2027-03-28", "01:00", "Europe/London", "2027-03-28T01:00:00"),
        ("2027-03-28", "02:15", "Europe/London", "2027-03-28T01:15:00"),
        # Fall back (02:00 BST -> 01:00 GMT): 01:30 happens twice, the first is taken.
        ("2027-10-31", "01:30", "Europe/London", "2027-10-31T00:30:00"),
        # New York skips 02:00-03:00; Lord Howe moves by half an hour.
        ("2027-03-14", "02:59", "America/New_York", "2027-03-14T07:00:00"),
        ("2027-10-03", "02:10", "Australia/Lord_Howe", "2027-10-02T15:30:00"),
        ("2027-06-01", "09:00", "Asia/Shanghai", "2027-06-01T01:00:00"),
    ],
)
def test_local_times_resolve_across_dst(day, hhmm, timezone, utc):
    from datetime import date

    instant = shift_service.local_to_utc(date.fromisoformat(day), hhmm, timezone)
    assert instant == datetime.fromisoformat(utc).replace(tzinfo=UTC)


def test_a_dst_day_skips_the_shift_that_has_no_time_and_rosters_the_rest(
    client, session, world, run_jobs
):
    """The defect of issue 23: templates 01:30-02:15 and 01:00-02:00 on the Sunday the
    UK clocks go forward made a reversed and an empty shift, and the week unrosterable."""
    coordinator = world["coordinator"].headers
    station = london_station(client, world)
    kept = add_template(client, coordinator, station["id"], weekdays=[7], start="01:30",
                        end="02:15", min_volunteers=1, skill_requirements=[])  # fmt: skip
    empty = add_template(client, coordinator, station["id"], weekdays=[7], start="01:00",
                         end="02:00", min_volunteers=1, skill_requirements=[])  # fmt: skip

    result = generate(client, coordinator, world.district_a.id, "2027-W12")

    assert result["created"] == 1 and result["existing"] == 0
    [skipped] = result["skipped"]
    assert (skipped["template_id"], skipped["date"]) == (empty["id"], "2027-03-28")
    assert "Europe/London" in skipped["reason"]
    [shift] = list_shifts(client, coordinator, station_id=station["id"])["items"]
    assert shift["template_id"] == kept["id"]
    assert datetime.fromisoformat(shift["starts_at"]) == datetime(2027, 3, 28, 1, tzinfo=UTC)
    assert datetime.fromisoformat(shift["ends_at"]) == datetime(2027, 3, 28, 1, 15, tzinfo=UTC)
    assert generate(client, coordinator, world.district_a.id, "2027-W12")["existing"] == 1

    roster = client.post(
        "/api/v1/rosters",
        headers=coordinator,
        json={"district_id": world.district_a.id, "week": "2027-W12", "time_limit_seconds": 5},
    ).json()
    assert run_jobs() == [roster["id"]]
    solved = client.get(f"/api/v1/rosters/{roster['id']}", headers=coordinator).json()
    assert solved["status"] == "draft", solved
    unfilled = client.get(f"/api/v1/rosters/{roster['id']}/unfilled", headers=coordinator)
    assert unfilled.status_code == 200, unfilled.text


def test_the_database_refuses_a_shift_that_ends_before_it_starts(session, world):
    from sqlalchemy.exc import IntegrityError

    start = datetime(2027, 1, 4, 1, tzinfo=UTC)
    for end in (start, start - timedelta(minutes=45)):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(
                Shift(
                    station_id=world.station_a.id, starts_at=start, ends_at=end,
                    min_volunteers=1, max_volunteers=1, skill_requirements=[], priority=3,
                )
            )  # fmt: skip
            session.flush()


# -- removing a shift ------------------------------------------------------------------


def test_a_removed_shift_leaves_lists_rosters_and_open_seats(client, session, world):
    from app.rosters.models import Assignment, AssignmentStatus
    from tests.api.test_duties import add_shift, assign, day_after_next_monday, week_of

    coordinator, volunteer = world["coordinator"], world["volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    duty = assign(session, shift, volunteer.volunteer_id)
    other_open = client.get("/api/v1/shifts/open", headers=world["other_volunteer"].headers)
    assert [s["id"] for s in other_open.json()["items"]] == [shift.id]

    assert_problem(
        client.delete(f"/api/v1/shifts/{shift.id}", headers=world["other_coordinator"].headers),
        404,
    )
    response = client.delete(f"/api/v1/shifts/{shift.id}", headers=coordinator.headers)

    assert response.status_code == 204, response.text
    assert list_shifts(client, coordinator.headers)["total"] == 0
    assert client.get("/api/v1/shifts/open", headers=world["other_volunteer"].headers).json() == {
        "items": [], "total": 0,
    }  # fmt: skip
    [mine] = client.get("/api/v1/volunteers/me/assignments", headers=volunteer.headers).json()[
        "items"
    ]
    assert (mine["id"], mine["status"], mine["cancel_reason"]) == (
        duty.id, "cancelled", "shift cancelled",
    )  # fmt: skip
    session.refresh(duty)
    assert duty.status == AssignmentStatus.cancelled
    assert duty.cancelled_by == coordinator.account.id
    signup = client.post(f"/api/v1/shifts/{shift.id}/signup", headers=volunteer.headers)
    assert_problem(signup, 404)
    assert_problem(client.delete(f"/api/v1/shifts/{shift.id}", headers=coordinator.headers), 404)
    week = week_of(shift.starts_at)
    roster = client.post(
        "/api/v1/rosters",
        headers=coordinator.headers,
        json={"district_id": world.district_a.id, "week": week},
    ).json()
    stats = client.get(f"/api/v1/rosters/{roster['id']}", headers=coordinator.headers).json()
    assert stats["stats"]["seats_required"] == 0
    assert session.scalar(select(Assignment.id).where(Assignment.roster_id == roster["id"])) is None


def test_a_started_shift_cannot_be_removed(client, session, world):
    from app.db import utcnow
    from tests.api.test_duties import add_shift

    shift = add_shift(session, world.station_a, utcnow() - timedelta(minutes=5))
    response = client.delete(f"/api/v1/shifts/{shift.id}", headers=world["coordinator"].headers)
    assert assert_problem(response, 409)["reason"] == "started"


def test_regeneration_does_not_bring_a_removed_shift_back(client, world):
    coordinator = world["coordinator"].headers
    add_template(client, coordinator, world.station_a.id, weekdays=[1, 2])
    generate(client, coordinator, world.district_a.id, "2030-W10")
    first, second = list_shifts(client, coordinator, week="2030-W10")["items"]
    assert client.delete(f"/api/v1/shifts/{first['id']}", headers=coordinator).status_code == 204

    again = generate(client, coordinator, world.district_a.id, "2030-W10")

    assert (again["created"], again["existing"]) == (0, 2)
    assert [s["id"] for s in list_shifts(client, coordinator, week="2030-W10")["items"]] == [
        second["id"]
    ]


def test_rosters_leave_out_shifts_of_retired_templates_and_closed_stations(
    client, session, world, run_jobs
):
    """Shifts generated before a deactivation stay stored but are no longer rostered."""
    coordinator = world["coordinator"].headers
    retired = add_template(client, coordinator, world.station_a.id, weekdays=[1],
                           min_volunteers=1, skill_requirements=[])  # fmt: skip
    add_template(client, coordinator, world.station_a.id, weekdays=[2], min_volunteers=1,
                 skill_requirements=[])  # fmt: skip
    closed = london_station(client, world, code="LDN-2")
    add_template(client, coordinator, closed["id"], weekdays=[3], min_volunteers=1,
                 skill_requirements=[])  # fmt: skip
    assert generate(client, coordinator, world.district_a.id, "2030-W10")["created"] == 3
    client.delete(
        f"/api/v1/stations/{world.station_a.id}/shift-templates/{retired['id']}",
        headers=coordinator,
    ).raise_for_status()
    client.delete(f"/api/v1/stations/{closed['id']}", headers=coordinator).raise_for_status()

    roster = client.post(
        "/api/v1/rosters",
        headers=coordinator,
        json={"district_id": world.district_a.id, "week": "2030-W10", "time_limit_seconds": 5},
    ).json()
    assert run_jobs() == [roster["id"]]

    body = client.get(f"/api/v1/rosters/{roster['id']}", headers=coordinator).json()
    assert body["stats"]["seats_required"] == 1
    assignments = client.get(
        f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator
    ).json()
    shift_ids = {a["shift_id"] for a in assignments}
    [wednesday_shift] = [
        s for s in list_shifts(client, coordinator, week="2030-W10")["items"]
        if s["template_id"] != retired["id"] and s["station_id"] == world.station_a.id
    ]  # fmt: skip
    assert shift_ids <= {wednesday_shift["id"]} and shift_ids
