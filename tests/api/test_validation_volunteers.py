"""Volunteer input: self-registration, profile changes and availability."""

import pytest
from sqlalchemy import func, select

from app.accounts.models import Account
from app.volunteers.models import AvailabilityException, AvailabilityWindow, Volunteer
from tests.api.conftest import assert_problem
from tests.api.test_validation import API, count, errors_text

MISSING = object()


def good_registration(world) -> dict:
    return {
        "name": "Li Na",
        "phone": "13900000009",
        "password": "copper-heron-meadow",
        "email": "lina@example.org",
        "skills": ["first_aid", "Lang:EN"],
        "home": {"lat": 22.55, "lon": 114.1},
        "district_id": world.district_a.id,
        "max_hours_per_week": 12,
        "max_shifts_per_week": 3,
        "max_travel_minutes": 45,
        "preferred_station_ids": [world.station_a.id],
        "accept_privacy_notice": True,
    }


# (changes to the good registration, text the errors must mention)
BAD_REGISTRATIONS = {
    "privacy notice false": ({"accept_privacy_notice": False}, "accept_privacy_notice"),
    "privacy notice missing": ({"accept_privacy_notice": MISSING}, "accept_privacy_notice"),
    "privacy notice null": ({"accept_privacy_notice": None}, "accept_privacy_notice"),
    "privacy notice 1 instead of true": ({"accept_privacy_notice": 1}, "accept_privacy_notice"),
    "privacy notice as a string": ({"accept_privacy_notice": "yes"}, "accept_privacy_notice"),
    "phone 123": ({"phone": "123"}, "phone"),
    "phone abc": ({"phone": "abc"}, "phone"),
    "phone empty": ({"phone": ""}, "phone"),
    "phone too short for CN": ({"phone": "1380000"}, "phone"),
    "phone missing": ({"phone": MISSING}, "phone"),
    "name empty": ({"name": ""}, "name"),
    "name whitespace": ({"name": "   \t "}, "name"),
    "name 101 chars": ({"name": "x" * 101}, "name"),
    "name 101 CJK chars": ({"name": "张" * 101}, "name"),
    "name missing": ({"name": MISSING}, "name"),
    "skill with space": ({"skills": ["first aid"]}, "skills"),
    "skill with comma": ({"skills": ["lang:en,zh"]}, "skills"),
    "skill empty": ({"skills": [""]}, "skills"),
    "skill not latin": ({"skills": ["急救"]}, "skills"),
    "skills not a list": ({"skills": "first_aid"}, "skills"),
    "home lat 91": ({"home": {"lat": 91, "lon": 114.1}}, "lat"),
    "home lat -90.5": ({"home": {"lat": -90.5, "lon": 114.1}}, "lat"),
    "home lon 181": ({"home": {"lat": 22.5, "lon": 181}}, "lon"),
    "home lon -181": ({"home": {"lat": 22.5, "lon": -181}}, "lon"),
    "home without lon": ({"home": {"lat": 22.5}}, "lon"),
    "home lat not a number": ({"home": {"lat": "north", "lon": 114.1}}, "lat"),
    "unknown district": ({"district_id": 999999}, "district_id"),
    "unknown preferred station": ({"preferred_station_ids": [999999]}, "preferred_station_ids"),
    "one of two preferred stations unknown": (
        lambda world: {"preferred_station_ids": [world.station_a.id, 999999]},
        "999999",
    ),
    "district_id 0": ({"district_id": 0}, "district_id"),
    "district_id beyond INTEGER": ({"district_id": 2**31}, "district_id"),
    "district_id beyond BIGINT": ({"district_id": 10**20}, "district_id"),
    "preferred station beyond INTEGER": (
        {"preferred_station_ids": [2**40]},
        "preferred_station_ids",
    ),
    "password too short": ({"password": "1234567"}, "password"),
    "password missing": ({"password": MISSING}, "password"),
    "email invalid": ({"email": "not-an-email"}, "email"),
    "max_hours_per_week 0": ({"max_hours_per_week": 0}, "max_hours_per_week"),
    "max_hours_per_week negative": ({"max_hours_per_week": -5}, "max_hours_per_week"),
    "max_hours_per_week above a week": ({"max_hours_per_week": 169}, "max_hours_per_week"),
    "max_shifts_per_week 0": ({"max_shifts_per_week": 0}, "max_shifts_per_week"),
    "max_shifts_per_week negative": ({"max_shifts_per_week": -1}, "max_shifts_per_week"),
    "max_travel_minutes 0": ({"max_travel_minutes": 0}, "max_travel_minutes"),
    "max_travel_minutes negative": ({"max_travel_minutes": -10}, "max_travel_minutes"),
    "max_consecutive_days 0": ({"max_consecutive_days": 0}, "max_consecutive_days"),
    "min_rest_hours negative": ({"min_rest_hours": -1}, "min_rest_hours"),
}


def test_good_registration_is_accepted(client, session, world):
    before = count(session, Volunteer)
    response = client.post(f"{API}/volunteers", json=good_registration(world))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "active"
    assert response.json()["skills"] == ["first_aid", "lang:en"]
    assert count(session, Volunteer) == before + 1


@pytest.mark.parametrize(
    "changes, mentions", BAD_REGISTRATIONS.values(), ids=BAD_REGISTRATIONS.keys()
)
def test_bad_registration_is_refused_and_not_stored(client, session, world, changes, mentions):
    if callable(changes):
        changes = changes(world)
    payload = {**good_registration(world), **changes}
    payload = {k: v for k, v in payload.items() if v is not MISSING}
    before = count(session, Volunteer), count(session, Account)
    body = assert_problem(client.post(f"{API}/volunteers", json=payload), 422)
    assert mentions in errors_text(body)
    assert (count(session, Volunteer), count(session, Account)) == before
    assert count(session, Volunteer, Volunteer.name == "Li Na") == 0


@pytest.mark.parametrize(
    "phone", ["13800000001", "+86 138 0000 0001", "+8613800000001", "138-0000-0001"]
)
def test_taken_phone_is_409_in_any_format(client, session, world, phone):
    before = count(session, Volunteer), count(session, Account)
    payload = {**good_registration(world), "phone": phone, "name": "Impostor"}
    body = assert_problem(client.post(f"{API}/volunteers", json=payload), 409)
    assert "+8613800000001" in body["detail"]
    assert (count(session, Volunteer), count(session, Account)) == before
    owner = session.scalar(select(Volunteer).where(Volunteer.phone == "+8613800000001"))
    assert owner.name == "Wang Li"


# --- PATCH /volunteers/me -------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, status, mentions",
    [
        ({"name": None}, 422, "name"),
        ({"name": ""}, 422, "name"),
        ({"name": "  "}, 422, "name"),
        ({"phone": None}, 422, "phone"),
        ({"phone": "123"}, 422, "phone"),
        ({"skills": ["first aid"]}, 422, "skills"),
        ({"home": {"lat": 91, "lon": 0}}, 422, "lat"),
        ({"max_hours_per_week": 0}, 422, "max_hours_per_week"),
        ({"district_id": 999999}, 422, "district_id"),
        ({"district_id": 2**31}, 422, "district_id"),
        ({"preferred_station_ids": [2**40]}, 422, "preferred_station_ids"),
        ({"preferred_station_ids": [999999]}, 422, "preferred_station_ids"),
        ({"phone": "13800000002"}, 409, "+8613800000002"),
        ({"name": "Renamed", "phone": "+86 138 0000 0002"}, 409, "+8613800000002"),
        ({"name": "Renamed", "email": "new@example.org", "phone": "138-0000-0002"}, 409, None),
    ],
)
def test_bad_profile_change_leaves_the_profile_unchanged(
    client, session, world, changes, status, mentions
):
    headers = world["volunteer"].headers
    before = client.get(f"{API}/volunteers/me", headers=headers).json()
    body = assert_problem(
        client.patch(f"{API}/volunteers/me", json=changes, headers=headers), status
    )
    if mentions is not None:
        assert mentions in (errors_text(body) if status == 422 else body["detail"])
    after = client.get(f"{API}/volunteers/me", headers=headers)
    assert after.status_code == 200, after.text
    assert after.json() == before
    assert before["name"] == "Wang Li" and before["phone"] == "+8613800000001"
    other = client.get(f"{API}/volunteers/me", headers=world["other_volunteer"].headers).json()
    assert other["phone"] == "+8613800000002"


def test_keeping_ones_own_phone_in_another_format_is_allowed(client, world):
    headers = world["volunteer"].headers
    response = client.patch(
        f"{API}/volunteers/me", json={"phone": "+86 138 0000 0001"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "+8613800000001"


# --- PUT /volunteers/me/availability ---------------------------------------------------------

GOOD_AVAILABILITY = {
    "weekly": [
        {"weekday": 1, "start": "09:00", "end": "13:00", "preference": "preferred"},
        {"weekday": 1, "start": "13:00", "end": "15:00", "preference": "available"},
        {"weekday": 6, "start": "08:00", "end": "24:00", "preference": "available"},
    ],
    "exceptions": [{"start_date": "2026-12-24", "end_date": "2026-12-26"}],
}


def window(weekday=2, start="09:00", end="12:00", **extra) -> dict:
    return {"weekday": weekday, "start": start, "end": end, **extra}


# (the new availability, text the errors must mention)
BAD_AVAILABILITY = {
    "weekday 0": ({"weekly": [window(weekday=0)]}, "weekday"),
    "weekday 8": ({"weekly": [window(weekday=8)]}, "weekday"),
    "weekday missing": ({"weekly": [{"start": "09:00", "end": "12:00"}]}, "weekday"),
    "end before start": ({"weekly": [window(start="12:00", end="09:00")]}, "end must be after"),
    "end equals start": ({"weekly": [window(start="12:00", end="12:00")]}, "end must be after"),
    "start 9:00": ({"weekly": [window(start="9:00")]}, "start"),
    "start 24:00": ({"weekly": [window(start="24:00", end="24:00")]}, "start"),
    "end 24:01": ({"weekly": [window(end="24:01")]}, "end"),
    "end 12:60": ({"weekly": [window(end="12:60")]}, "end"),
    "end noon": ({"weekly": [window(end="noon")]}, "end"),
    "end Arabic-Indic digits": ({"weekly": [window(end="١٢:٠٠")]}, "end"),
    "overlapping windows": (
        {"weekly": [window(start="09:00", end="13:00"), window(start="12:00", end="15:00")]},
        "overlap",
    ),
    "window inside another": (
        {"weekly": [window(start="08:00", end="18:00"), window(start="10:00", end="11:00")]},
        "overlap",
    ),
    "same window twice": ({"weekly": [window(), window()]}, "overlap"),
    "overlap listed out of order": (
        {
            "weekly": [
                window(start="14:00", end="16:00"),
                window(7),
                window(start="08:00", end="15:00"),
            ]
        },
        "overlap",
    ),
    "exception ends before it starts": (
        {"exceptions": [{"start_date": "2026-12-26", "end_date": "2026-12-24"}]},
        "end_date",
    ),
    "exception date not a date": (
        {"exceptions": [{"start_date": "2026-02-30", "end_date": "2026-03-02"}]},
        "start_date",
    ),
    "exception without end_date": ({"exceptions": [{"start_date": "2026-12-24"}]}, "end_date"),
    "preference unknown": ({"weekly": [window(preference="maybe")]}, "preference"),
    "preference upper case": ({"weekly": [window(preference="Preferred")]}, "preference"),
    "preference null": ({"weekly": [window(preference=None)]}, "preference"),
    "weekly not a list": ({"weekly": {"weekday": 1}}, "weekly"),
}


def _put_good_availability(client, headers) -> dict:
    response = client.put(
        f"{API}/volunteers/me/availability", json=GOOD_AVAILABILITY, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_good_availability_is_stored(client, session, world):
    stored = _put_good_availability(client, world["volunteer"].headers)
    assert len(stored["weekly"]) == 3 and len(stored["exceptions"]) == 1
    volunteer_id = world["volunteer"].volunteer_id
    assert count(session, AvailabilityWindow, AvailabilityWindow.volunteer_id == volunteer_id) == 3


@pytest.mark.parametrize("bad, mentions", BAD_AVAILABILITY.values(), ids=BAD_AVAILABILITY.keys())
def test_bad_availability_keeps_the_previous_set(client, session, world, bad, mentions):
    headers = world["volunteer"].headers
    volunteer_id = world["volunteer"].volunteer_id
    previous = _put_good_availability(client, headers)
    response = client.put(f"{API}/volunteers/me/availability", json=bad, headers=headers)
    body = assert_problem(response, 422)
    assert mentions in errors_text(body)
    after = client.get(f"{API}/volunteers/me/availability", headers=headers)
    assert after.status_code == 200, after.text
    assert after.json() == previous
    windows = session.scalar(
        select(func.count())
        .select_from(AvailabilityWindow)
        .where(AvailabilityWindow.volunteer_id == volunteer_id)
    )
    assert windows == 3
    assert (
        count(session, AvailabilityException, AvailabilityException.volunteer_id == volunteer_id)
        == 1
    )
