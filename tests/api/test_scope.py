"""Reads stay inside the caller's scope: coordinators see their districts, volunteers
their own district's active stations and shifts (issue 23, cross-district reads)."""

from datetime import UTC, datetime, timedelta

from app.shifts.models import Shift
from app.stations.models import Station
from tests.api.conftest import assert_problem, register_volunteer

START = datetime(2030, 3, 4, 1, tzinfo=UTC)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def shift_at(session, station: Station) -> Shift:
    shift = Shift(
        station_id=station.id, starts_at=START, ends_at=START + timedelta(hours=4),
        min_volunteers=1, max_volunteers=1, skill_requirements=[], priority=3,
    )  # fmt: skip
    session.add(shift)
    session.flush()
    return shift


def test_each_caller_reads_only_the_stations_and_shifts_in_their_scope(client, session, world):
    closed = Station(
        district_id=world.district_a.id, code="A-closed", name="Closed desk", kind="community",
        address="4 Old Rd", lat=22.5, lon=114.1, timezone="Asia/Shanghai", is_active=False,
    )  # fmt: skip
    session.add(closed)
    session.flush()
    shift_a, shift_b, shift_closed = (shift_at(session, s) for s in (world.station_a,
                                      world.station_b, closed))  # fmt: skip
    homeless = register_volunteer(session, "No District", "13800000009", None)
    session.commit()
    from app.accounts.models import Account
    from tests.api.conftest import make_caller

    nobody = make_caller(session, "homeless", session.get(Account, homeless.account_id))
    session.commit()

    def read(who, path, **params):
        headers = nobody.headers if who == "homeless" else world[who].headers
        return client.get(f"/api/v1/{path}", headers=headers, params=params)

    a, b = world.station_a.id, world.station_b.id
    assert ids(read("admin", "stations")) == [a, b, closed.id]
    assert ids(read("coordinator", "stations")) == [a, closed.id]
    assert ids(read("other_coordinator", "stations")) == [b]
    assert ids(read("volunteer", "stations")) == [a]
    assert ids(read("homeless", "stations")) == []
    assert ids(read("volunteer", "stations", district_id=world.district_b.id)) == []
    assert_problem(read("other_coordinator", "stations", district_id=world.district_a.id), 404)
    assert_problem(read("other_coordinator", f"stations/{a}"), 404)
    assert_problem(read("volunteer", f"stations/{b}"), 404)
    assert_problem(read("volunteer", f"stations/{closed.id}"), 404)
    assert read("coordinator", f"stations/{closed.id}").json()["is_active"] is False

    assert ids(read("admin", "shifts")) == [shift_a.id, shift_b.id, shift_closed.id]
    assert ids(read("coordinator", "shifts")) == [shift_a.id, shift_closed.id]
    assert ids(read("other_coordinator", "shifts")) == [shift_b.id]
    assert ids(read("volunteer", "shifts")) == [shift_a.id]
    assert ids(read("homeless", "shifts")) == []
    assert ids(read("volunteer", "shifts", station_id=b)) == []
    assert_problem(read("other_coordinator", "shifts", district_id=world.district_a.id), 404)
