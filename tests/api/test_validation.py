"""Bad input is refused with a problem document and leaves nothing behind.

Generic HTTP errors, shift templates, ad hoc shifts and week generation. Volunteers
and the CSV import are in test_validation_volunteers.py and test_validation_import.py.
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.districts.models import District
from app.shifts.models import Shift
from app.stations.models import ShiftTemplate
from tests.api.conftest import STRONG_PASSWORD, assert_problem

API = "/api/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def errors_text(body: dict) -> str:
    return json.dumps(body["errors"], ensure_ascii=False)


# --- generic HTTP errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path, as_role",
    [
        ("/shifts", "coordinator"),
        ("/shifts/generate", "coordinator"),
        ("/volunteers", "anonymous"),
        ("/districts", "admin"),
    ],
)
def test_malformed_json_body_is_422_problem(client, session, world, path, as_role):
    before = count(session, District), count(session, Shift)
    response = client.post(
        API + path,
        content=b"{not json",
        headers={**world[as_role].headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 422)
    assert (count(session, District), count(session, Shift)) == before


def test_wrong_method_is_405_problem(client, world):
    response = client.put(API + "/districts", json={}, headers=world["admin"].headers)
    body = assert_problem(response, 405)
    assert "PUT" in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/districts/1/nothing", "/nowhere"])
def test_unknown_path_is_404_problem(client, world, path):
    assert_problem(client.get(path, headers=world["admin"].headers), 404)


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=501", "limit=-1", "limit=abc", "offset=-1", "limit=1.5", f"offset={2**63}"],
)
def test_bad_page_parameters_are_422_problem(client, world, query):
    body = assert_problem(
        client.get(f"{API}/districts?{query}", headers=world["admin"].headers), 422
    )
    assert body["errors"][0]["loc"][0] == "query"


@pytest.mark.parametrize("path", ["/stations/{}", "/stations/{}/shift-templates", "/volunteers/{}"])
@pytest.mark.parametrize("big_id", [2**31, 2**63])
def test_id_beyond_the_database_range_is_a_4xx_problem(client, world, path, big_id):
    response = client.get(API + path.format(big_id), headers=world["admin"].headers)
    assert response.status_code in (404, 422), response.text
    assert_problem(response, response.status_code)


@pytest.mark.parametrize("big_id", [2**31, 2**64])
def test_template_id_beyond_the_database_range_is_422(client, world, big_id):
    """Found by the fuzzer: 2**64 overflowed SQLite's INTEGER and answered 500."""
    path = f"{API}/stations/{world.station_a.id}/shift-templates/{big_id}"
    body = assert_problem(client.delete(path, headers=world["coordinator"].headers), 422)
    assert body["errors"][0]["loc"] == ["path", "template_id"]


def test_text_the_database_cannot_store_is_a_400_problem(client, session, world):
    """PostgreSQL refuses NUL characters in text (SQLite keeps them): a 400, not a 500.
    Names refuse every control character (422) before the database sees them."""
    from app.rosters.models import Assignment
    from tests.api.test_duties import add_shift, assign, day_after_next_monday

    admin = world["admin"].headers
    named = client.post(
        f"{API}/districts", json={"code": "Z", "name": "Dis\u0000trict"}, headers=admin
    )
    assert_problem(named, 422)
    duty = assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(1, 9)),
        world["volunteer"].volunteer_id,
    )
    response = client.post(
        f"{API}/assignments/{duty.id}/cancel",
        json={"reason": "ill\u0000ness"},
        headers=world["volunteer"].headers,
    )
    if session.get_bind().dialect.name == "sqlite":
        assert response.status_code == 200, response.text
        return
    assert "NUL character" in assert_problem(response, 400)["detail"]
    assert session.get(Assignment, duty.id).status == "scheduled"


@pytest.mark.parametrize("limit, expected", [("1", 1), ("500", 2)])
def test_page_limit_bounds_are_accepted(client, world, limit, expected):
    response = client.get(f"{API}/districts?limit={limit}", headers=world["admin"].headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == expected
    assert response.json()["total"] == 2


# --- shift templates -----------------------------------------------------------------

GOOD_TEMPLATE = {
    "weekdays": [1, 3, 5],
    "start": "09:00",
    "end": "13:00",
    "overnight": False,
    "min_volunteers": 2,
    "max_volunteers": 3,
    "skill_requirements": [{"skill": "lang:en", "count": 1}, {"skill": "first_aid", "count": 1}],
    "priority": 3,
}

# (changes to GOOD_TEMPLATE, text the errors must mention)
BAD_TEMPLATES = {
    "weekday 0": ({"weekdays": [0, 1]}, "weekdays"),
    "weekday 8": ({"weekdays": [1, 8]}, "weekdays"),
    "weekday -1": ({"weekdays": [-1]}, "weekdays"),
    "duplicate weekdays": ({"weekdays": [2, 3, 2]}, "repeat"),
    "empty weekdays": ({"weekdays": []}, "weekdays"),
    "eight weekdays": ({"weekdays": [1, 2, 3, 4, 5, 6, 7, 1]}, "weekdays"),
    "weekdays not a list": ({"weekdays": "1,2"}, "weekdays"),
    "start 9:00": ({"start": "9:00"}, "start"),
    "end 24:00": ({"end": "24:00"}, "end"),
    "start 12:60": ({"start": "12:60"}, "start"),
    "start noon": ({"start": "noon"}, "start"),
    "start with seconds": ({"start": "09:00:00"}, "start"),
    "start Arabic-Indic digits": ({"start": "0٩:00"}, "start"),
    "start full-width digits": ({"start": "０９:００"}, "start"),
    "end equals start": ({"end": "09:00"}, "end must be after start"),
    "end before start": ({"start": "13:00", "end": "09:00"}, "end must be after start"),
    "overnight with end after start": ({"overnight": True}, "overnight"),
    "min_volunteers 0": ({"min_volunteers": 0, "skill_requirements": []}, "min_volunteers"),
    "max_volunteers 0": ({"max_volunteers": 0}, "max_volunteers"),
    "min above max": ({"min_volunteers": 4, "max_volunteers": 3}, "min_volunteers"),
    "skill counts above max": (
        {"skill_requirements": [{"skill": "lang:en", "count": 2}, {"skill": "driver", "count": 2}]},
        "max_volunteers",
    ),
    "duplicate skill": (
        {
            "skill_requirements": [
                {"skill": "lang:en", "count": 1},
                {"skill": "lang:en", "count": 1},
            ]
        },
        "twice",
    ),
    "duplicate skill after lower-casing": (
        {
            "skill_requirements": [
                {"skill": "lang:en", "count": 1},
                {"skill": "LANG:EN", "count": 1},
            ]
        },
        "twice",
    ),
    "skill count 0": ({"skill_requirements": [{"skill": "lang:en", "count": 0}]}, "count"),
    "skill count negative": ({"skill_requirements": [{"skill": "lang:en", "count": -1}]}, "count"),
    "skill with space": ({"skill_requirements": [{"skill": "first aid", "count": 1}]}, "skill"),
    "skill with slash": ({"skill_requirements": [{"skill": "lang/en", "count": 1}]}, "skill"),
    "skill starting with digit": ({"skill_requirements": [{"skill": "1st", "count": 1}]}, "skill"),
    "skill not latin": ({"skill_requirements": [{"skill": "急救", "count": 1}]}, "skill"),
    "skill empty": ({"skill_requirements": [{"skill": "", "count": 1}]}, "skill"),
    "skill 41 chars": ({"skill_requirements": [{"skill": "a" * 41, "count": 1}]}, "skill"),
    "priority 0": ({"priority": 0}, "priority"),
    "priority 6": ({"priority": 6}, "priority"),
    "max_volunteers beyond INTEGER": ({"max_volunteers": 3_000_000_000}, "max_volunteers"),
    "max_volunteers 1001": ({"max_volunteers": 1001}, "max_volunteers"),
    "missing start": ({"start": None}, "start"),
}


def test_good_template_is_accepted(client, session, world):
    station = world.station_a
    response = client.post(
        f"{API}/stations/{station.id}/shift-templates",
        json=GOOD_TEMPLATE,
        headers=world["coordinator"].headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["weekdays"] == [1, 3, 5]
    assert count(session, ShiftTemplate, ShiftTemplate.station_id == station.id) == 1


@pytest.mark.parametrize("changes, mentions", BAD_TEMPLATES.values(), ids=BAD_TEMPLATES.keys())
def test_bad_template_is_refused_and_not_stored(client, session, world, changes, mentions):
    payload = {k: v for k, v in {**GOOD_TEMPLATE, **changes}.items() if v is not None}
    path = f"{API}/stations/{world.station_a.id}/shift-templates"
    body = assert_problem(
        client.post(path, json=payload, headers=world["coordinator"].headers), 422
    )
    assert mentions in errors_text(body)
    assert count(session, ShiftTemplate) == 0
    listing = client.get(path, headers=world["coordinator"].headers)
    assert listing.status_code == 200, listing.text
    assert listing.json()["total"] == 0


def test_overnight_template_ends_on_the_next_day(client, session, world):
    station = world.station_a
    coordinator = world["coordinator"].headers
    template = {
        **GOOD_TEMPLATE,
        "weekdays": [1, 7],
        "start": "22:00",
        "end": "06:00",
        "overnight": True,
    }
    response = client.post(
        f"{API}/stations/{station.id}/shift-templates", json=template, headers=coordinator
    )
    assert response.status_code == 201, response.text
    assert response.json()["overnight"] is True

    generated = client.post(
        f"{API}/shifts/generate",
        json={"district_id": world.district_a.id, "week": "2026-W49"},
        headers=coordinator,
    )
    assert generated.status_code == 200, generated.text
    assert generated.json() == {"created": 2, "existing": 0, "skipped": []}

    shifts = client.get(
        f"{API}/shifts?station_id={station.id}&week=2026-W49", headers=coordinator
    ).json()["items"]
    local = [
        (
            datetime.fromisoformat(s["starts_at"]).astimezone(SHANGHAI),
            datetime.fromisoformat(s["ends_at"]).astimezone(SHANGHAI),
        )
        for s in shifts
    ]
    # 2026-W49: Monday 30 November … Sunday 6 December; Sunday's shift ends in W50.
    assert [(s.date().isoformat(), s.strftime("%H:%M")) for s, _ in local] == [
        ("2026-11-30", "22:00"),
        ("2026-12-06", "22:00"),
    ]
    assert [(e.date().isoformat(), e.strftime("%H:%M")) for _, e in local] == [
        ("2026-12-01", "06:00"),
        ("2026-12-07", "06:00"),
    ]
    assert all(e - s == timedelta(hours=8) for s, e in local)


# --- ad hoc shifts ---------------------------------------------------------------------


def good_shift(world) -> dict:
    return {
        "station_id": world.station_a.id,
        "starts_at": "2026-12-01T09:00:00+08:00",
        "ends_at": "2026-12-01T13:00:00+08:00",
        "min_volunteers": 1,
        "max_volunteers": 2,
        "skill_requirements": [{"skill": "lang:en", "count": 1}],
        "priority": 4,
    }


BAD_SHIFTS = {
    "naive starts_at": ({"starts_at": "2026-12-01T09:00:00"}, "starts_at"),
    "naive ends_at": ({"ends_at": "2026-12-01T13:00:00"}, "ends_at"),
    "both naive": ({"starts_at": "2026-12-01T09:00", "ends_at": "2026-12-01T13:00"}, "starts_at"),
    "date only": ({"starts_at": "2026-12-01"}, "starts_at"),
    "not a datetime": ({"ends_at": "tomorrow"}, "ends_at"),
    "ends before starts": ({"ends_at": "2026-12-01T08:00:00+08:00"}, "ends_at must be after"),
    "ends when it starts": ({"ends_at": "2026-12-01T09:00:00+08:00"}, "ends_at must be after"),
    # Later on the wall clock but the same instant: 10:00+09:00 is 09:00+08:00.
    "ends at start in another offset": (
        {"ends_at": "2026-12-01T10:00:00+09:00"},
        "ends_at must be after",
    ),
    "longer than 24 hours": ({"ends_at": "2026-12-02T09:01:00+08:00"}, "24 hours"),
    "a week long": ({"ends_at": "2026-12-08T09:00:00+08:00"}, "24 hours"),
    "min above max": ({"min_volunteers": 3, "max_volunteers": 2}, "min_volunteers"),
    "min 0": ({"min_volunteers": 0}, "min_volunteers"),
    "skill counts above max": (
        {"skill_requirements": [{"skill": "lang:en", "count": 3}]},
        "max_volunteers",
    ),
    "duplicate skill": (
        {"skill_requirements": [{"skill": "driver", "count": 1}, {"skill": "driver", "count": 1}]},
        "twice",
    ),
    "priority 0": ({"priority": 0}, "priority"),
    "priority 6": ({"priority": 6}, "priority"),
    "station_id missing": ({"station_id": None}, "station_id"),
    "station_id beyond INTEGER": ({"station_id": 2**31}, "station_id"),
    "station_id beyond BIGINT": ({"station_id": 10**20}, "station_id"),
    "max_volunteers beyond INTEGER": ({"max_volunteers": 3_000_000_000}, "max_volunteers"),
    # Instants whose UTC form is not a datetime at all, or is absurd.
    "year 1": (
        {"starts_at": "0001-01-01T00:30:00+01:00", "ends_at": "0001-01-01T01:00:00+01:00"},
        "starts_at",
    ),
    "year 9999": (
        {"starts_at": "9999-12-31T20:00:00-05:00", "ends_at": "9999-12-31T21:00:00-05:00"},
        "ends_at",
    ),
    "year 1900": (
        {"starts_at": "1900-12-01T09:00:00+08:00", "ends_at": "1900-12-01T13:00:00+08:00"},
        "starts_at",
    ),
}


@pytest.mark.parametrize(
    "ends_at",
    ["2026-12-01T13:00:00+08:00", "2026-12-02T09:00:00+08:00", "2026-12-01T01:00:01Z"],
    ids=["4 hours", "exactly 24 hours", "one second in UTC"],
)
def test_good_shift_is_accepted(client, session, world, ends_at):
    response = client.post(
        f"{API}/shifts",
        json={**good_shift(world), "ends_at": ends_at},
        headers=world["coordinator"].headers,
    )
    assert response.status_code == 201, response.text
    assert count(session, Shift) == 1


@pytest.mark.parametrize("changes, mentions", BAD_SHIFTS.values(), ids=BAD_SHIFTS.keys())
def test_bad_shift_is_refused_and_not_stored(client, session, world, changes, mentions):
    payload = {k: v for k, v in {**good_shift(world), **changes}.items() if v is not None}
    response = client.post(f"{API}/shifts", json=payload, headers=world["coordinator"].headers)
    body = assert_problem(response, 422)
    assert mentions in errors_text(body)
    assert count(session, Shift) == 0
    listing = client.get(f"{API}/shifts", headers=world["coordinator"].headers)
    assert listing.json()["total"] == 0


# --- week generation ---------------------------------------------------------------------


@pytest.fixture
def template_a(session, world) -> ShiftTemplate:
    template = ShiftTemplate(
        station_id=world.station_a.id,
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        start="09:00",
        end="13:00",
        overnight=False,
        min_volunteers=1,
        max_volunteers=2,
        skill_requirements=[],
        priority=3,
    )
    session.add(template)
    session.commit()
    return template


@pytest.mark.parametrize("week", ["2026-W53", "2020-W53", "2026-W01", "2027-W52"])
def test_good_week_generates(client, session, world, template_a, week):
    response = client.post(
        f"{API}/shifts/generate",
        json={"district_id": world.district_a.id, "week": week},
        headers=world["coordinator"].headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 7, "existing": 0, "skipped": []}
    assert count(session, Shift) == 7


BAD_WEEKS = [
    "2026-49",
    "2026-W54",
    "2025-W53",  # 2025 has 52 ISO weeks
    "2026-W00",
    "abc",
    "",
    "2026-W5",
    "2026-w49",
    "2026W49",
    "2026-W49-1",
    " 2026-W49",
    "２０２６-W49",
    "2026-W４９",
    "0000-W01",
    "0001-W01",
    "9999-W52",
    None,
    49,
]


@pytest.mark.parametrize("week", BAD_WEEKS)
def test_bad_week_is_refused_and_generates_nothing(client, session, world, template_a, week):
    body = {"district_id": world.district_a.id, "week": week}
    if week is None:
        del body["week"]
    response = client.post(
        f"{API}/shifts/generate", json=body, headers=world["coordinator"].headers
    )
    problem = assert_problem(response, 422)
    assert "week" in errors_text(problem)
    assert count(session, Shift) == 0


@pytest.mark.parametrize("week", ["2025-W53", "2026-49", "abc", "２０２６-W49", "9999-W52"])
def test_bad_week_filter_is_refused(client, world, week):
    response = client.get(
        f"{API}/shifts", params={"week": week}, headers=world["volunteer"].headers
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][:2] == ["query", "week"]


@pytest.mark.parametrize("district_id", [0, -1, 2**31, 10**20, "A"])
def test_bad_district_id_generates_nothing(client, session, world, template_a, district_id):
    response = client.post(
        f"{API}/shifts/generate",
        json={"district_id": district_id, "week": "2026-W49"},
        headers=world["coordinator"].headers,
    )
    assert_problem(response, 422)
    assert count(session, Shift) == 0


@pytest.mark.parametrize(
    "name, value",
    [
        ("from", "0001-01-01T00:00:00+01:00"),
        ("to", "9999-12-31T23:00:00-05:00"),
        ("from", "2026-12-01T09:00:00"),
        ("to", "soon"),
    ],
)
def test_bad_time_filter_is_refused(client, world, name, value):
    response = client.get(f"{API}/shifts", params={name: value}, headers=world["volunteer"].headers)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][:2] == ["query", name]


# --- input hygiene: timezones that are no place, names that show nothing or lie --------

BAD_NAMES = {
    "zero-width spaces only": "\u200b\u200b",
    "Hangul filler": "\u3164",
    "Braille blank and a space": "\u2800 ",
    "right-to-left override": "Wang \u202eiL",
    "left-to-right isolate": "\u2066Li Na\u2069",
    "line break": "Li\nNa",
    "escape character": "Li\x1bNa",
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_names_that_show_nothing_or_reorder_text_are_refused(client, session, world, name):
    from app.districts.models import District
    from app.stations.models import Station

    coordinator, admin = world["coordinator"].headers, world["admin"].headers
    station = {
        "code": "A-9", "name": name, "kind": "community", "district_id": world.district_a.id,
        "address": "9 Road", "lat": 22.5, "lon": 114.1,
    }  # fmt: skip
    attempts = {
        "volunteer name": client.post(
            f"{API}/volunteers",
            json={
                "name": name,
                "phone": "13900000077",
                "password": STRONG_PASSWORD,
                "accept_privacy_notice": True,
            },
        ),  # fmt: skip
        "station name": client.post(f"{API}/stations", headers=coordinator, json=station),
        "station address": client.post(
            f"{API}/stations", headers=coordinator, json=station | {"name": "Ok", "address": name}
        ),
        "district name": client.post(
            f"{API}/districts", headers=admin, json={"code": "Z", "name": name}
        ),
        "renamed station": client.patch(
            f"{API}/stations/{world.station_a.id}", headers=coordinator, json={"name": name}
        ),
        "renamed volunteer": client.patch(
            f"{API}/volunteers/me", headers=world["volunteer"].headers, json={"name": name}
        ),
        "kiosk name": client.post(
            f"{API}/stations/{world.station_a.id}/kiosks", headers=coordinator, json={"name": name}
        ),
        "coordinator name": client.post(
            f"{API}/coordinators",
            headers=admin,
            json={"email": "n@example.org", "password": STRONG_PASSWORD, "name": name},
        ),
    }
    for what, response in attempts.items():
        body = assert_problem(response, 422)
        assert any(e["loc"][-1] in ("name", "address") for e in body["errors"]), (what, body)
    assert count(session, Station, Station.code == "A-9") == 0
    assert count(session, District, District.code == "Z") == 0


def test_names_in_any_script_with_inner_joiners_are_kept(client, world):
    for name in ("张小明", "Zoë O'Brien-Ng", "محمد\u200cعلی", "Иван"):
        response = client.patch(
            f"{API}/volunteers/me", headers=world["volunteer"].headers, json={"name": name}
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == name


@pytest.mark.parametrize(
    "timezone", ["localtime", "posixrules", "Factory", "posix/Asia/Shanghai", "right/UTC",
                 "Mars/Olympus", "../etc/passwd", ""],
)  # fmt: skip
def test_timezones_that_are_no_place_are_refused(client, session, world, timezone):
    from app.stations.models import Station

    coordinator = world["coordinator"].headers
    created = client.post(
        f"{API}/stations",
        headers=coordinator,
        json={
            "code": "TZ-1", "name": "Desk", "kind": "port", "district_id": world.district_a.id,
            "address": "Hall", "lat": 22.5, "lon": 114.1, "timezone": timezone,
        },
    )  # fmt: skip
    assert "timezone" in assert_problem(created, 422)["errors"][0]["loc"]
    changed = client.patch(
        f"{API}/stations/{world.station_a.id}", headers=coordinator, json={"timezone": timezone}
    )
    assert_problem(changed, 422)
    assert count(session, Station, Station.code == "TZ-1") == 0
    assert session.get(Station, world.station_a.id).timezone == "Asia/Shanghai"
