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
        "availability_mode": "windows",
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
    assert availability == {"availability_mode": "windows", "weekly": [], "exceptions": []}
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


# -- availability: no windows means never; "any time" is said explicitly ------------------


def open_seat_ids(client, caller) -> list[int]:
    response = client.get("/api/v1/shifts/open", headers=caller.headers)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()["items"]]


def test_a_volunteer_who_clears_every_window_is_available_at_no_time(client, session, world):
    from tests.api.test_duties import add_shift, day_after_next_monday

    caller = world["volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(2, 9))
    assert open_seat_ids(client, caller) == [shift.id]  # the fixture's volunteers: any time

    cleared = client.put(
        "/api/v1/volunteers/me/availability", headers=caller.headers, json={"weekly": []}
    )

    assert cleared.json()["availability_mode"] == "windows"
    assert open_seat_ids(client, caller) == []
    signup = client.post(f"/api/v1/shifts/{shift.id}/signup", headers=caller.headers)
    assert assert_problem(signup, 409)["reason"] == "availability"
    me = client.get("/api/v1/volunteers/me", headers=caller.headers).json()
    assert me["availability_mode"] == "windows"

    any_time = {"availability_mode": "any_time", "weekly": [], "exceptions": []}
    assert (
        client.put(
            "/api/v1/volunteers/me/availability", headers=caller.headers, json=any_time
        ).json()
        == any_time
    )
    assert open_seat_ids(client, caller) == [shift.id]


def test_a_shift_across_a_preferred_and_an_available_window_fits(client, session, world):
    """The app's week grid marks half-hours preferred or available: a shift that starts
    in a preferred stretch and ends in the available one next to it is available."""
    from tests.api.test_duties import add_shift, day_after_next_monday

    caller = world["volunteer"]
    across = add_shift(session, world.station_a, day_after_next_monday(2, 9))  # Wed 09-13
    later = add_shift(session, world.station_a, day_after_next_monday(2, 14))  # Wed 14-18
    weekly = [
        {"weekday": 3, "start": "08:00", "end": "11:00", "preference": "preferred"},
        {"weekday": 3, "start": "11:00", "end": "13:30", "preference": "available"},
    ]
    response = client.put(
        "/api/v1/volunteers/me/availability", headers=caller.headers, json={"weekly": weekly}
    )
    assert response.status_code == 200, response.text

    assert open_seat_ids(client, caller) == [across.id]  # not the afternoon one
    signup = client.post(f"/api/v1/shifts/{across.id}/signup", headers=caller.headers)
    assert signup.status_code == 201, signup.text
    assert later.id not in open_seat_ids(client, caller)


def test_any_time_takes_no_weekly_windows(client, world):
    body = {
        "availability_mode": "any_time",
        "weekly": [{"weekday": 1, "start": "09:00", "end": "12:00"}],
    }
    response = client.put(
        "/api/v1/volunteers/me/availability", headers=world["volunteer"].headers, json=body
    )
    assert_problem(response, 422)
    bad_mode = client.put(
        "/api/v1/volunteers/me/availability",
        headers=world["volunteer"].headers,
        json={"availability_mode": "sometimes"},
    )
    assert_problem(bad_mode, 422)


def test_a_new_registration_is_available_at_no_time_until_it_says_when(client, world):
    response = client.post("/api/v1/volunteers", json=REGISTER)
    assert response.status_code == 201, response.text
    assert response.json()["availability_mode"] == "windows"


# -- moving between districts ------------------------------------------------------------


def test_a_volunteer_with_future_duties_cannot_change_district(client, session, world):
    from tests.api.test_duties import add_shift, assign, day_after_next_monday

    caller = world["volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(3, 9))
    duty = assign(session, shift, caller.volunteer_id)
    move = {"district_id": world.district_b.id}

    refused = client.patch("/api/v1/volunteers/me", headers=caller.headers, json=move)

    problem = assert_problem(refused, 409)
    assert problem["reason"] == "future_duties"
    assert problem["assignment_ids"] == [duty.id]
    assert world.station_a.name in problem["detail"]
    by_admin = client.patch(
        f"/api/v1/volunteers/{caller.volunteer_id}", headers=world["admin"].headers, json=move
    )
    assert assert_problem(by_admin, 409)["assignment_ids"] == [duty.id]
    assert session.get(Volunteer, caller.volunteer_id).district_id == world.district_a.id
    # The coordinator still sees them; once the duty is cancelled the move goes through.
    client.post(
        f"/api/v1/assignments/{duty.id}/cancel", headers=caller.headers, json={"reason": "moving"}
    ).raise_for_status()
    moved = client.patch("/api/v1/volunteers/me", headers=caller.headers, json=move)
    assert moved.status_code == 200, moved.text
    assert moved.json()["district_id"] == world.district_b.id


def test_a_volunteer_without_duties_moves_freely(client, world):
    caller = world["other_volunteer"]
    moved = client.patch(
        "/api/v1/volunteers/me", headers=caller.headers, json={"district_id": world.district_b.id}
    )
    assert moved.status_code == 200, moved.text


# -- withdrawal erases free text too -------------------------------------------------------


def test_withdrawal_erases_every_free_text_reason(client, session, world):
    from app.hours.models import HoursCorrection
    from app.rosters.models import Assignment
    from tests.api.test_duties import add_shift, assign, day_after_next_monday
    from tests.api.test_hours import correct
    from tests.api.test_kiosks import duty as past_duty
    from tests.api.test_kiosks import local

    caller = world["volunteer"]
    served = past_duty(session, world, local(10))  # 2 Dec 2026, before today
    assert correct(client, world, served.id, local(10), local(13), "came back from hospital")
    cancelled = assign(session, add_shift(session, world.station_a, day_after_next_monday(1, 9)),
                       caller.volunteer_id)  # fmt: skip
    client.post(
        f"/api/v1/assignments/{cancelled.id}/cancel",
        headers=caller.headers,
        json={"reason": "my mother is ill"},
    ).raise_for_status()
    upcoming = assign(session, add_shift(session, world.station_a, day_after_next_monday(2, 9)),
                      caller.volunteer_id)  # fmt: skip

    assert client.delete("/api/v1/volunteers/me", headers=caller.headers).status_code == 204

    reasons = {
        a.id: a.cancel_reason
        for a in session.scalars(
            select(Assignment).where(Assignment.volunteer_id == caller.volunteer_id)
        )
    }
    assert reasons == {served.id: None, cancelled.id: None, upcoming.id: "the volunteer withdrew"}
    [correction] = session.scalars(
        select(HoursCorrection).where(HoursCorrection.assignment_id == served.id)
    ).all()
    assert "hospital" not in correction.reason and "withdrew" in correction.reason
