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
    }
    assert generate(client, coordinator, world.district_a.id, "2026-W49") == {
        "created": 0,
        "existing": 5,
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
    volunteer = world["volunteer"].headers
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
    assert sum(created for created, _ in results) == 7
    assert all(created + existing == 7 for created, existing in results)
    with Session(engine) as session:
        count = session.scalars(
            select(Shift).join(Station).where(Station.district_id == committed_district)
        ).all()
        assert len(count) == 7
