from sqlalchemy import select

from app.volunteers.models import AvailabilityWindow, Volunteer
from tests.api.conftest import assert_problem, register_volunteer

REGISTER = {
    "name": "  Li Na  ",
    "phone": "+86 139 1234 5678",
    "password": "copper-heron-meadow",
    "email": "li.na@example.org",
    "skills": ["Lang:EN", "first_aid", "lang:en"],
    "home": {"lat": 22.55, "lon": 114.1},
    "max_hours_per_week": 8,
    "max_shifts_per_week": 2,
    "max_travel_minutes": 15,
    "accept_privacy_notice": True,
}


def test_self_registration_normalises_input(client, world):
    body = REGISTER | {
        "district_id": world.district_a.id,
        "preferred_station_ids": [world.station_a.id],
    }
    response = client.post("/api/v1/volunteers", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "active"
    assert created["name"] == "Li Na"
    assert created["phone"] == "+8613912345678"
    assert created["skills"] == ["first_aid", "lang:en"]
    assert created["home"] == {"lat": 22.55, "lon": 114.1}
    assert "password" not in created
    token = client.post(
        "/api/v1/auth/token", data={"username": "13912345678", "password": "copper-heron-meadow"}
    ).json()["access_token"]
    me = client.get("/api/v1/volunteers/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == created


def test_taken_phone_is_409_and_stores_nothing(client, session, world):
    before = session.scalar(select(Volunteer.id).order_by(Volunteer.id.desc()))
    response = client.post("/api/v1/volunteers", json=REGISTER | {"phone": "138-0000-0001"})
    assert_problem(response, 409)
    assert session.scalar(select(Volunteer.id).order_by(Volunteer.id.desc())) == before


def test_patch_me_changes_only_what_is_sent(client, world):
    headers = world["volunteer"].headers
    response = client.patch(
        "/api/v1/volunteers/me",
        headers=headers,
        json={"skills": ["lang:yue"], "home": None, "max_travel_minutes": 20},
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["skills"] == ["lang:yue"] and me["home"] is None
    assert me["max_travel_minutes"] == 20 and me["name"] == "Wang Li"


def test_availability_is_replaced_as_a_whole(client, session, world):
    headers = world["volunteer"].headers
    first = {
        "weekly": [
            {"weekday": 1, "start": "09:00", "end": "13:00", "preference": "preferred"},
            {"weekday": 6, "start": "08:00", "end": "24:00"},
        ],
        "exceptions": [{"start_date": "2026-12-24", "end_date": "2026-12-26"}],
    }
    assert client.put("/api/v1/volunteers/me/availability", headers=headers, json=first).json() == {
        "weekly": [first["weekly"][0], first["weekly"][1] | {"preference": "available"}],
        "exceptions": first["exceptions"],
    }
    second = {"weekly": [{"weekday": 3, "start": "18:00", "end": "21:00"}], "exceptions": []}
    client.put("/api/v1/volunteers/me/availability", headers=headers, json=second)
    stored = session.scalars(
        select(AvailabilityWindow).where(
            AvailabilityWindow.volunteer_id == world["volunteer"].volunteer_id
        )
    ).all()
    assert [(w.weekday, w.start, w.end) for w in stored] == [(3, "18:00", "21:00")]
    coordinator_view = client.get(
        f"/api/v1/volunteers/{world['volunteer'].volunteer_id}/availability",
        headers=world["coordinator"].headers,
    )
    assert coordinator_view.json()["weekly"][0]["weekday"] == 3


def test_withdrawal_erases_personal_data_and_keeps_the_record(client, session, world):
    caller = world["volunteer"]
    client.put(
        "/api/v1/volunteers/me/availability",
        headers=caller.headers,
        json={"weekly": [{"weekday": 2, "start": "09:00", "end": "12:00"}]},
    )
    client.patch(
        "/api/v1/volunteers/me", headers=caller.headers, json={"home": {"lat": 1, "lon": 2}}
    )
    assert client.delete("/api/v1/volunteers/me", headers=caller.headers).status_code == 204
    record = client.get(
        f"/api/v1/volunteers/{caller.volunteer_id}", headers=world["coordinator"].headers
    ).json()
    assert record["id"] == caller.volunteer_id and record["status"] == "withdrawn"
    assert record["name"] == "(withdrawn)"
    assert (record["phone"], record["email"], record["home"], record["skills"]) == (
        None, None, None, [],
    )  # fmt: skip
    availability = client.get(
        f"/api/v1/volunteers/{caller.volunteer_id}/availability",
        headers=world["coordinator"].headers,
    ).json()
    assert availability == {"weekly": [], "exceptions": []}
    # The phone is free again for a new registration.
    again = client.post("/api/v1/volunteers", json=REGISTER | {"phone": "13800000001"})
    assert again.status_code == 201


def test_coordinator_lists_and_filters_own_volunteers(client, session, world):
    register_volunteer(session, "Outsider", "13800000003", world.district_b.id)
    session.commit()
    coordinator = world["coordinator"].headers
    mine = client.get("/api/v1/volunteers", headers=coordinator).json()
    assert {v["name"] for v in mine["items"]} == {"Wang Li", "张小明"} and mine["total"] == 2
    english = client.get("/api/v1/volunteers", headers=coordinator, params={"skill": "lang:en"})
    assert [v["name"] for v in english.json()["items"]] == ["Wang Li"]
    page = client.get("/api/v1/volunteers", headers=coordinator, params={"limit": 1, "offset": 1})
    assert page.json()["total"] == 2 and len(page.json()["items"]) == 1
    other = client.get("/api/v1/volunteers", headers=world["other_coordinator"].headers).json()
    assert [v["name"] for v in other["items"]] == ["Outsider"]
    admin = client.get("/api/v1/volunteers", headers=world["admin"].headers).json()
    assert admin["total"] == 3
    inactive = client.get("/api/v1/volunteers", headers=coordinator, params={"status": "inactive"})
    assert inactive.json()["total"] == 0


def test_coordinator_cannot_move_a_volunteer_out_of_own_districts(client, world):
    response = client.patch(
        f"/api/v1/volunteers/{world['volunteer'].volunteer_id}",
        headers=world["coordinator"].headers,
        json={"district_id": world.district_b.id},
    )
    assert_problem(response, 404)


def test_a_volunteer_token_never_reads_another_volunteer(client, world):
    me, other = world["volunteer"], world["other_volunteer"]
    for path in (
        f"/api/v1/volunteers/{other.volunteer_id}",
        f"/api/v1/volunteers/{other.volunteer_id}/availability",
        "/api/v1/volunteers",
    ):
        response = client.get(path, headers=me.headers)
        assert_problem(response, 403)
        assert "13800000002" not in response.text and "张小明" not in response.text
    own = client.get("/api/v1/volunteers/me", headers=me.headers).json()
    assert own["id"] == me.volunteer_id and own["phone"] == "+8613800000001"
