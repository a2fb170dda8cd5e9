"""Duty swaps: offer, list the offers that fit, take one over, withdraw; every 409;
and the roster's history a coordinator reads afterwards.

Rosters, shifts and duties are written through the session (as in test_duties.py);
everything under test goes through the API.
"""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.shifts.models import Shift
from app.swaps.service import SWAPPED_REASON
from app.volunteers.models import AvailabilityMode, Volunteer
from tests.api.conftest import Caller, World, assert_problem
from tests.api.test_duties import (
    add_shift,
    another_volunteer,
    assign,
    cancel,
    day_after_next_monday,
    my_duties,
    roster_for,
    week_of,
)

API = "/api/v1"


def offer(client, caller: Caller, assignment_id: int):
    return client.post(f"{API}/assignments/{assignment_id}/swap-offer", headers=caller.headers)


def offered(client, caller: Caller, assignment_id: int) -> int:
    response = offer(client, caller, assignment_id)
    assert response.status_code == 201, response.text
    return response.json()["offer_id"]


def offers(client, caller: Caller, **params) -> dict:
    response = client.get(f"{API}/swap-offers", headers=caller.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def offer_ids(client, caller: Caller) -> list[int]:
    return [item["offer_id"] for item in offers(client, caller, limit=500)["items"]]


def my_offers(client, caller: Caller) -> dict:
    response = client.get(f"{API}/volunteers/me/swap-offers", headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()


def accept(client, caller: Caller, offer_id: int):
    return client.post(f"{API}/swap-offers/{offer_id}/accept", headers=caller.headers)


def withdraw(client, caller: Caller, offer_id: int):
    return client.post(f"{API}/swap-offers/{offer_id}/withdraw", headers=caller.headers)


def history(client, caller: Caller, roster_id: int, **params):
    return client.get(f"{API}/rosters/{roster_id}/history", headers=caller.headers, params=params)


def live_on(session: Session, shift: Shift) -> list[tuple[int, str]]:
    """(volunteer, source) of the live assignments on the shift, as stored."""
    session.expire_all()
    return sorted(
        session.execute(
            select(Assignment.volunteer_id, Assignment.source).where(
                Assignment.shift_id == shift.id,
                Assignment.status != AssignmentStatus.cancelled,
            )
        ).all()
    )


def published_now(session: Session, shift: Shift, district_id: int) -> Roster:
    """Marks the shift's roster published as of now: what happens after is its history."""
    roster = roster_for(session, district_id, week_of(shift.starts_at))
    roster.published_at = utcnow()
    # As a solve leaves them (the console's page shows them).
    roster.stats = {"objective": 0, "best_bound": 0.0, "gap": 0.0, "solver_status": "optimal",
                    "solve_seconds": 0.1}  # fmt: skip
    session.commit()
    return roster


@pytest.fixture
def duty(session, world: World) -> Assignment:
    """The volunteer's (Wang Li, lang:en) duty in next-but-one week; one seat left free."""
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9), max_volunteers=2)
    return assign(session, shift, world["volunteer"].volunteer_id)


# -- the whole way -------------------------------------------------------------------


def test_a_duty_offered_is_taken_over_in_one_step(client, session, world, duty):
    offerer, taker = world["volunteer"], world["other_volunteer"]
    taker_row = session.get(Volunteer, taker.volunteer_id)
    taker_row.home_lat, taker_row.home_lon = 22.55, 114.11  # ~1.1 km from station A
    session.commit()

    response = offer(client, offerer, duty.id)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created | {"assignment_id": duty.id, "shift_id": duty.shift_id, "status": "open"} == (
        created
    )
    offer_id = created["offer_id"]
    # Nothing changes on the roster until someone takes it.
    assert live_on(session, duty.shift) == [(offerer.volunteer_id, "solver")]
    assert offer_ids(client, offerer) == []  # not one's own
    listing = offers(client, taker)
    assert listing["total"] == 1
    [item] = listing["items"]
    assert item == item | {
        "offer_id": offer_id,
        "assignment_id": duty.id,
        "shift_id": duty.shift_id,
        "station_id": world.station_a.id,
        "station_name": "Luohu U-station",
        "address": "1 Renmin Rd",
        "distance_km": 1.1,
    }
    assert datetime.fromisoformat(item["starts_at"]) == duty.shift.starts_at
    assert "offered_by" not in item and "Wang Li" not in str(item)
    assert [o["status"] for o in my_offers(client, offerer)["items"]] == ["open"]

    taken = accept(client, taker, offer_id)

    assert taken.status_code == 200, taken.text
    new_duty = taken.json()
    assert new_duty | {"shift_id": duty.shift_id, "status": "scheduled", "source": "swap"} == (
        new_duty
    )
    assert live_on(session, duty.shift) == [(taker.volunteer_id, "swap")]
    [mine] = my_duties(client, offerer)["items"]
    assert (mine["id"], mine["status"], mine["cancel_reason"]) == (
        duty.id,
        "cancelled",
        SWAPPED_REASON,
    )
    assert [d["id"] for d in my_duties(client, taker)["items"]] == [new_duty["id"]]
    [gone] = my_offers(client, offerer)["items"]
    assert gone["status"] == "accepted" and gone["closed_at"] is not None
    assert offer_ids(client, taker) == []
    # The coordinator's roster: the old duty cancelled, the new one live, as many seats.
    roster_id = new_duty["roster_id"]
    coordinator = world["coordinator"].headers
    rows = client.get(f"{API}/rosters/{roster_id}/assignments", headers=coordinator)
    assert {(a["volunteer_id"], a["status"], a["source"]) for a in rows.json()} == {
        (offerer.volunteer_id, "cancelled", "solver"),
        (taker.volunteer_id, "scheduled", "swap"),
    }
    stats = client.get(f"{API}/rosters/{roster_id}", headers=coordinator).json()
    assert stats["stats"]["seats_filled"] == 1


def test_the_offerer_may_take_the_offer_back(client, session, world, duty):
    offerer, taker = world["volunteer"], world["other_volunteer"]
    offer_id = offered(client, offerer, duty.id)

    assert assert_problem(withdraw(client, taker, offer_id), 404)["detail"] == (
        f"Swap offer {offer_id} not found."
    )
    response = withdraw(client, offerer, offer_id)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    assert offer_ids(client, taker) == []
    assert assert_problem(accept(client, taker, offer_id), 409)["reason"] == "withdrawn"
    assert assert_problem(withdraw(client, offerer, offer_id), 409)["reason"] == "withdrawn"
    assert live_on(session, duty.shift) == [(offerer.volunteer_id, "solver")]
    # The duty may be offered again: a new offer.
    again = offered(client, offerer, duty.id)
    assert again != offer_id
    assert [o["status"] for o in my_offers(client, offerer)["items"]] == ["open", "withdrawn"]


# -- offering --------------------------------------------------------------------------


def test_one_open_offer_per_duty(client, world, duty):
    first = offered(client, world["volunteer"], duty.id)
    body = assert_problem(offer(client, world["volunteer"], duty.id), 409)
    assert (body["reason"], body["offer_id"]) == ("already_offered", first)


def test_only_the_duty_s_volunteer_may_offer_it(client, session, world, duty):
    for role in ("other_volunteer",):
        assert assert_problem(offer(client, world[role], duty.id), 404)["detail"] == (
            f"Assignment {duty.id} not found."
        )
    for role in ("coordinator", "other_coordinator", "admin"):
        assert_problem(offer(client, world[role], duty.id), 403)
    assert_problem(offer(client, world["anonymous"], duty.id), 401)
    assert_problem(offer(client, world["volunteer"], 2**31 - 1), 404)
    draft_shift = add_shift(session, world.station_a, day_after_next_monday(7, 9), publish=False)
    draft = assign(
        session, draft_shift, world["volunteer"].volunteer_id, roster_status=RosterStatus.draft
    )
    assert_problem(offer(client, world["volunteer"], draft.id), 404)
    assert my_offers(client, world["volunteer"])["total"] == 0


def test_a_cancelled_or_started_duty_cannot_be_offered(client, session, world, duty):
    volunteer = world["volunteer"]
    assert cancel(client, volunteer, duty.id).status_code == 200
    assert assert_problem(offer(client, volunteer, duty.id), 409)["reason"] == "not_scheduled"
    started = add_shift(session, world.station_a, utcnow() - timedelta(hours=1))
    running = assign(session, started, volunteer.volunteer_id)
    assert assert_problem(offer(client, volunteer, running.id), 409)["reason"] == "started"


# -- who sees an offer -----------------------------------------------------------------


def test_offers_that_do_not_fit_the_caller_are_not_listed(client, session, world):
    offerer, taker = world["volunteer"], world["other_volunteer"]  # lang:en / no skills
    station = world.station_a

    def offered_duty(shift: Shift, by: Caller = offerer) -> int:
        return offered(client, by, assign(session, shift, by.volunteer_id).id)

    fits = offered_duty(add_shift(session, station, day_after_next_monday(0, 9)))
    # The only seat of a shift that needs English: the taker has no lang:en.
    skill_seat = offered_duty(
        add_shift(session, station, day_after_next_monday(1, 9), max_volunteers=1,
                  skills={"lang:en": 1})
    )  # fmt: skip
    # Overlaps a duty the taker holds already.
    overlap_shift = add_shift(session, station, day_after_next_monday(2, 9))
    overlapping = offered_duty(overlap_shift)
    assign(session, add_shift(session, station, day_after_next_monday(2, 11)), taker.volunteer_id)
    # The taker is on this shift already.
    both_on = add_shift(session, station, day_after_next_monday(3, 9))
    assign(session, both_on, taker.volunteer_id)
    same_shift = offered_duty(both_on)
    # Another district's duty (its volunteer offers it).
    far = another_volunteer(session, world, "Chen Jie", "13800000009")
    session.get(Volunteer, far.volunteer_id).district_id = world.district_b.id
    session.commit()
    elsewhere = offered_duty(add_shift(session, world.station_b, day_after_next_monday(4, 9)), far)

    assert offer_ids(client, taker) == [fits]

    refused = {
        skill_seat: "skills",
        overlapping: "no_overlap",
        same_shift: "already_assigned",
        elsewhere: "other_district",
    }
    for offer_id, reason in refused.items():
        body = assert_problem(accept(client, taker, offer_id), 409)
        assert body["reason"] == reason, body
    assert "lang:en" in assert_problem(accept(client, taker, skill_seat), 409)["detail"]
    # A third volunteer with English may take the skill seat.
    speaker = another_volunteer(session, world, "Li Na", "13800000003", skills=["lang:en"])
    assert skill_seat in offer_ids(client, speaker)
    assert accept(client, speaker, skill_seat).status_code == 200


def test_availability_and_weekly_limits_decide_too(client, session, world, duty):
    taker = world["other_volunteer"]
    offer_id = offered(client, world["volunteer"], duty.id)
    row = session.get(Volunteer, taker.volunteer_id)
    row.availability_mode = AvailabilityMode.windows  # and no windows: never available
    session.commit()
    assert offer_ids(client, taker) == []
    assert assert_problem(accept(client, taker, offer_id), 409)["reason"] == "availability"

    row.availability_mode = AvailabilityMode.any_time
    row.max_shifts_per_week = 1
    session.commit()
    other = add_shift(session, world.station_a, day_after_next_monday(3, 9))
    assign(session, other, taker.volunteer_id)
    assert offer_ids(client, taker) == []
    assert assert_problem(accept(client, taker, offer_id), 409)["reason"] == "weekly_shifts"

    row.max_shifts_per_week = 2
    session.commit()
    assert offer_ids(client, taker) == [offer_id]


def test_offers_list_pages(client, session, world):
    offerer, taker = world["volunteer"], world["other_volunteer"]
    ids = [
        offered(
            client,
            offerer,
            assign(
                session,
                add_shift(session, world.station_a, day_after_next_monday(d, 9)),
                offerer.volunteer_id,
            ).id,
        )
        for d in range(3)
    ]
    page = offers(client, taker, limit=1, offset=1)
    assert page["total"] == 3
    assert [item["offer_id"] for item in page["items"]] == [ids[1]]


# -- taking over: every refusal ----------------------------------------------------------


def test_two_takers_one_duty(client, session, world, duty):
    offer_id = offered(client, world["volunteer"], duty.id)
    third = another_volunteer(session, world, "Li Na", "13800000003")
    assert accept(client, world["other_volunteer"], offer_id).status_code == 200
    body = assert_problem(accept(client, third, offer_id), 409)
    assert body["reason"] == "taken"
    assert assert_problem(withdraw(client, world["volunteer"], offer_id), 409)["reason"] == "taken"
    assert live_on(session, duty.shift) == [(world["other_volunteer"].volunteer_id, "swap")]


def test_own_offer_cannot_be_accepted(client, world, duty):
    offer_id = offered(client, world["volunteer"], duty.id)
    assert assert_problem(accept(client, world["volunteer"], offer_id), 409)["reason"] == (
        "own_offer"
    )


def test_cancelling_the_duty_closes_the_offer(client, session, world, duty):
    offerer, taker = world["volunteer"], world["other_volunteer"]
    offer_id = offered(client, offerer, duty.id)
    assert cancel(client, offerer, duty.id).status_code == 200

    assert offer_ids(client, taker) == []
    assert [o["status"] for o in my_offers(client, offerer)["items"]] == ["closed"]
    assert assert_problem(accept(client, taker, offer_id), 409)["reason"] == "closed"
    assert assert_problem(withdraw(client, offerer, offer_id), 409)["reason"] == "closed"
    assert live_on(session, duty.shift) == []


def test_a_coordinator_removing_the_duty_closes_the_offer(client, session, world, duty):
    offer_id = offered(client, world["volunteer"], duty.id)
    removed = client.delete(
        f"{API}/rosters/{duty.roster_id}/assignments/{duty.id}",
        headers=world["coordinator"].headers,
    )
    assert removed.status_code == 204
    assert assert_problem(accept(client, world["other_volunteer"], offer_id), 409)["reason"] == (
        "closed"
    )


def test_a_started_duty_can_no_longer_be_taken(client, session, world, duty):
    offer_id = offered(client, world["volunteer"], duty.id)
    shift = session.get(Shift, duty.shift_id)
    shift.starts_at, shift.ends_at = utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=3)
    session.commit()
    assert offer_ids(client, world["other_volunteer"]) == []
    body = assert_problem(accept(client, world["other_volunteer"], offer_id), 409)
    assert body["reason"] == "started"
    assert live_on(session, shift) == [(world["volunteer"].volunteer_id, "solver")]


def test_a_new_roster_for_the_week_closes_the_offer(client, session, world, duty):
    offer_id = offered(client, world["volunteer"], duty.id)
    old = session.get(Roster, duty.roster_id)
    old.status = RosterStatus.superseded
    newer = Roster(district_id=old.district_id, week=old.week, status=RosterStatus.published,
                   time_limit_seconds=1)  # fmt: skip
    session.add(newer)
    session.flush()
    session.add(Assignment(roster_id=newer.id, shift_id=duty.shift_id,
                           volunteer_id=world["volunteer"].volunteer_id))  # fmt: skip
    session.commit()
    assert offer_ids(client, world["other_volunteer"]) == []
    assert assert_problem(accept(client, world["other_volunteer"], offer_id), 409)["reason"] == (
        "closed"
    )


@pytest.mark.parametrize("role", ["coordinator", "other_coordinator", "admin"])
def test_people_who_are_not_volunteers_get_403(client, world, duty, role):
    offer_id = offered(client, world["volunteer"], duty.id)
    for response in (
        client.get(f"{API}/swap-offers", headers=world[role].headers),
        client.get(f"{API}/volunteers/me/swap-offers", headers=world[role].headers),
        accept(client, world[role], offer_id),
        withdraw(client, world[role], offer_id),
        offer(client, world[role], duty.id),
    ):
        assert_problem(response, 403)


def test_kiosks_and_anonymous_callers_get_401(client, world, duty):
    offer_id = offered(client, world["volunteer"], duty.id)
    for headers in ({}, {"X-Kiosk-Key": "not-a-bearer-token"}):
        for method, path in (
            ("GET", f"{API}/swap-offers"),
            ("GET", f"{API}/volunteers/me/swap-offers"),
            ("POST", f"{API}/swap-offers/{offer_id}/accept"),
            ("POST", f"{API}/swap-offers/{offer_id}/withdraw"),
            ("POST", f"{API}/assignments/{duty.id}/swap-offer"),
        ):
            assert_problem(client.request(method, path, headers=headers), 401)


def test_unknown_offers_are_404(client, world):
    for call in (accept, withdraw):
        assert assert_problem(call(client, world["other_volunteer"], 2**31 - 1), 404)["detail"] == (
            f"Swap offer {2**31 - 1} not found."
        )
    assert_problem(accept(client, world["other_volunteer"], 0), 422)


# -- the roster's history ----------------------------------------------------------------


def test_the_roster_history_lists_every_change_newest_first(client, session, world, duty):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    coordinator = world["coordinator"]
    third = another_volunteer(session, world, "Li Na", "13800000003")
    open_shift = add_shift(session, world.station_a, day_after_next_monday(2, 9))
    roster = published_now(session, duty.shift, world.district_a.id)
    assert history(client, coordinator, roster.id).json() == {"items": [], "total": 0}

    # A sign-up, a cancellation, a swap, a coordinator's addition and removal.
    signed = client.post(f"{API}/shifts/{open_shift.id}/signup", headers=third.headers).json()
    assert cancel(client, third, signed["id"], reason="exam day").status_code == 200
    taken = accept(client, other, offered(client, volunteer, duty.id)).json()
    added = client.post(
        f"{API}/rosters/{roster.id}/assignments",
        headers=coordinator.headers,
        json={"shift_id": open_shift.id, "volunteer_id": volunteer.volunteer_id},
    ).json()
    removed = client.delete(
        f"{API}/rosters/{roster.id}/assignments/{added['id']}", headers=coordinator.headers
    )
    assert removed.status_code == 204

    response = history(client, coordinator, roster.id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 5
    rows = [
        (i["kind"], i["assignment_id"], i["volunteer_name"], i["other_volunteer_name"],
         i["reason"], i["by"])
        for i in body["items"]
    ]  # fmt: skip
    assert rows == [
        ("cancelled", added["id"], "Wang Li", None, "removed by a coordinator", "coordinator"),
        ("added", added["id"], "Wang Li", None, None, None),
        ("swap", taken["id"], "张小明", "Wang Li", None, None),
        ("cancelled", signed["id"], "Li Na", None, "exam day", "volunteer"),
        ("signup", signed["id"], "Li Na", None, None, None),
    ]
    swap = body["items"][2]
    assert swap == swap | {
        "shift_id": duty.shift_id,
        "station_id": world.station_a.id,
        "volunteer_id": other.volunteer_id,
        "other_volunteer_id": volunteer.volunteer_id,
    }
    times = [datetime.fromisoformat(i["at"]) for i in body["items"]]
    assert times == sorted(times, reverse=True)
    assert all(t >= roster.published_at for t in times)
    page = history(client, coordinator, roster.id, limit=2, offset=2).json()
    assert page["total"] == 5
    assert [i["kind"] for i in page["items"]] == ["swap", "cancelled"]


def test_history_leaves_out_what_the_roster_was_published_with(client, session, world, duty):
    """Duties from the solve, and edits before publication, are not changes."""
    roster = published_now(session, duty.shift, world.district_a.id)
    assert history(client, world["coordinator"], roster.id).json()["total"] == 0
    draft = roster_for(session, world.district_a.id, "2030-W01", RosterStatus.draft)
    session.commit()
    assert history(client, world["admin"], draft.id).json() == {"items": [], "total": 0}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator", 200),
        ("admin", 200),
        ("other_coordinator", 404),
        ("volunteer", 403),
        ("other_volunteer", 403),
        ("anonymous", 401),
    ],
)
def test_who_reads_the_history(client, session, world, duty, role, status):
    roster = published_now(session, duty.shift, world.district_a.id)
    response = history(client, world[role], roster.id)
    assert response.status_code == status, response.text
    if status >= 400:
        assert_problem(response, status)
    else:
        assert response.json()["total"] == 0


def test_history_after_a_withdrawal_keeps_no_reason_or_name(client, session, world, duty):
    roster = published_now(session, duty.shift, world.district_a.id)
    volunteer = world["volunteer"]
    assert cancel(client, volunteer, duty.id, reason="my sister's wedding").status_code == 200
    assert client.delete(f"{API}/volunteers/me", headers=volunteer.headers).status_code == 204
    [item] = history(client, world["coordinator"], roster.id).json()["items"]
    assert item["kind"] == "cancelled"
    assert item["reason"] is None
    assert item["volunteer_name"] != "Wang Li"


def test_offers_change_nothing_until_taken(client, session, world, duty):
    """An offer withdrawn or never taken leaves the roster and its history alone."""
    roster = published_now(session, duty.shift, world.district_a.id)
    offer_id = offered(client, world["volunteer"], duty.id)
    assert withdraw(client, world["volunteer"], offer_id).status_code == 200
    offered(client, world["volunteer"], duty.id)
    assert history(client, world["coordinator"], roster.id).json()["total"] == 0
    count = session.scalar(
        select(func.count()).select_from(Assignment).where(Assignment.roster_id == roster.id)
    )
    assert count == 1


# -- the console's roster page -----------------------------------------------------------


def test_the_console_roster_page_shows_the_history(client, session, world, duty):
    from tests.api.test_console import sign_in

    volunteer, other = world["volunteer"], world["other_volunteer"]
    roster = published_now(session, duty.shift, world.district_a.id)
    spare = assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(4, 14)),
        other.volunteer_id,
    )
    assert cancel(client, other, spare.id, reason="exam day").status_code == 200
    assert accept(client, other, offered(client, volunteer, duty.id)).status_code == 200
    assert sign_in(client).status_code == 303

    english = client.get(f"/console/rosters/{roster.id}", params={"lang": "en"})

    assert english.status_code == 200, english.text
    page = english.text
    section = page[page.index('id="history-title"') :]
    assert ">History</h2>" in section
    swap_row = section.index("Took the duty over from Wang Li")
    cancel_row = section.index("Cancelled by the volunteer")
    assert swap_row < cancel_row  # newest first
    assert "exam day" in section and "张小明" in section
    assert "A-1 " in section  # the duty named by station code, day and time

    chinese_page = client.get(f"/console/rosters/{roster.id}", params={"lang": "zh"})
    assert chinese_page.status_code == 200
    chinese = chinese_page.text
    assert "变更记录" in chinese
    assert "接替了Wang Li的值班" in chinese
    assert "志愿者本人取消" in chinese
    assert "Took the duty over" not in chinese


def test_the_console_history_names_the_services_own_reasons_in_chinese(
    client, session, world, duty
):
    from tests.api.test_console import sign_in

    roster = published_now(session, duty.shift, world.district_a.id)
    removed = client.delete(
        f"{API}/rosters/{roster.id}/assignments/{duty.id}", headers=world["coordinator"].headers
    )
    assert removed.status_code == 204
    sign_in(client)
    response = client.get(f"/console/rosters/{roster.id}", params={"lang": "zh"})
    assert response.status_code == 200
    page = response.text
    history_part = page[page.index('id="history-title"') :]
    assert "被协调员撤下" in history_part and "协调员撤下" in history_part
    assert "removed by a coordinator" not in history_part


def test_the_console_history_is_for_published_rosters_of_one_s_districts(
    client, session, world, duty
):
    from tests.api.test_console import sign_in

    roster = published_now(session, duty.shift, world.district_a.id)
    draft = roster_for(session, world.district_a.id, week_of(duty.shift.starts_at), "draft")
    draft.stats = roster.stats
    session.commit()
    sign_in(client)
    published_page = client.get(f"/console/rosters/{roster.id}", params={"lang": "en"})
    assert published_page.status_code == 200
    assert "No changes since the roster was published." in published_page.text
    draft_page = client.get(f"/console/rosters/{draft.id}", params={"lang": "en"})
    assert draft_page.status_code == 200
    assert "Changes against the published roster" in draft_page.text
    assert 'id="history-title"' not in draft_page.text
    client.cookies.clear()
    sign_in(client, "cb@example.org")
    assert client.get(f"/console/rosters/{roster.id}").status_code == 404


# -- what the rest of the service makes of a swap ------------------------------------------


def test_the_kiosk_board_shows_the_new_volunteer(client, session, world, duty, monkeypatch):
    from app.kiosks import service as kiosk_service

    assert (
        accept(
            client, world["other_volunteer"], offered(client, world["volunteer"], duty.id)
        ).status_code
        == 200
    )
    key = client.post(
        f"{API}/stations/{world.station_a.id}/kiosks",
        headers=world["coordinator"].headers,
        json={"name": "Front desk"},
    ).json()["key"]
    # The board of the duty's day, an hour before it starts.
    monkeypatch.setattr(kiosk_service, "utcnow", lambda: duty.shift.starts_at - timedelta(hours=1))
    board = client.get(f"{API}/kiosk/duty", headers={"X-Kiosk-Key": key})
    assert board.status_code == 200, board.text
    assert [e["volunteer_name"] for e in board.json()["next"]] == ["张*明"]


def test_a_roster_published_after_the_swap_keeps_it(client, session, world, duty):
    """A draft solved before the swap still has the offerer on the duty: publishing it
    carries the swap over (the offerer off, the taker on) instead of undoing it."""
    offerer, taker = world["volunteer"], world["other_volunteer"]
    published = session.get(Roster, duty.roster_id)
    draft = Roster(district_id=published.district_id, week=published.week,
                   status=RosterStatus.draft, time_limit_seconds=1, started_at=utcnow(),
                   stats=published.stats)  # fmt: skip
    session.add(draft)
    session.flush()
    session.add(Assignment(roster_id=draft.id, shift_id=duty.shift_id,
                           volunteer_id=offerer.volunteer_id))  # fmt: skip
    session.commit()
    assert accept(client, taker, offered(client, offerer, duty.id)).status_code == 200

    response = client.post(
        f"{API}/rosters/{draft.id}/publish", headers=world["coordinator"].headers
    )

    assert response.status_code == 200, response.text
    rows = client.get(
        f"{API}/rosters/{draft.id}/assignments", headers=world["coordinator"].headers
    ).json()
    assert {(a["volunteer_id"], a["status"], a["source"]) for a in rows} == {
        (offerer.volunteer_id, "cancelled", "solver"),
        (taker.volunteer_id, "scheduled", "swap"),
    }
    assert [d["source"] for d in my_duties(client, taker)["items"]] == ["swap"]


def test_the_history_names_a_repair_s_refill(client, session, world, run_jobs):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9), max_volunteers=1)
    duty = assign(session, shift, volunteer.volunteer_id)
    roster = published_now(session, shift, world.district_a.id)
    assert cancel(client, volunteer, duty.id, reason="flu").status_code == 200
    repair = client.post(f"{API}/rosters/{roster.id}/repair", headers=world["coordinator"].headers)
    assert repair.status_code == 202, repair.text
    assert run_jobs() == [roster.id]

    items = history(client, world["coordinator"], roster.id).json()["items"]

    assert [(i["kind"], i["volunteer_id"], i["reason"]) for i in items] == [
        ("repair", other.volunteer_id, None),
        ("cancelled", volunteer.volunteer_id, "flu"),
    ]
