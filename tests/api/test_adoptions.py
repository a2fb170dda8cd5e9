"""Adoptions (a team keeps seats of a station's shifts for its members) and the lead
filling them. Teams and members are written straight through the session (their own
endpoints are another helper's); everything under test goes through the API, on the
SQLite file and on PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notifications.models import OutboxMessage
from app.settings import get_settings
from app.shifts.models import Shift
from app.teams.models import Adoption, MembershipStatus, Team, TeamMember
from tests.api.conftest import Caller, World, assert_problem
from tests.api.test_cover import NEAR
from tests.api.test_duties import (
    LOCAL,
    add_shift,
    another_volunteer,
    assign,
    day_after_next_monday,
    week_of,
)

SATURDAY = 6  # ISO weekday of day_after_next_monday(5, ...)


def add_team(session: Session, district_id: int, name: str, members=(), lead=None) -> Team:
    """A team with approved members (and `lead`, an approved lead)."""
    team = Team(district_id=district_id, name=name)
    session.add(team)
    session.flush()
    for volunteer_id in {*members, *([lead] if lead else [])}:
        session.add(
            TeamMember(
                team_id=team.id,
                volunteer_id=volunteer_id,
                status=MembershipStatus.approved,
                is_lead=volunteer_id == lead,
            )
        )
    session.commit()
    return team


def adopt(client, caller: Caller, station_id: int, team: int, **fields):
    body = {"team_id": team, "weekdays": [SATURDAY], "start": "08:00", "end": "12:00"}
    return client.post(
        f"/api/v1/stations/{station_id}/adoptions",
        headers=caller.headers,
        json=body | {"seats": 1} | fields,
    )


def sign_up(client, caller: Caller, shift_id: int):
    return client.post(f"/api/v1/shifts/{shift_id}/signup", headers=caller.headers)


def assign_member(client, caller: Caller, team_id: int, shift_id: int, volunteer_id: int):
    return client.post(
        f"/api/v1/teams/{team_id}/assignments",
        headers=caller.headers,
        json={"shift_id": shift_id, "volunteer_id": volunteer_id},
    )


@pytest.fixture
def lions(session, world: World) -> Team:
    """Team "Harbour Lions" of district A: the volunteer leads it, a third volunteer is
    a member; the other volunteer is not in it."""
    member = another_volunteer(session, world, "Li Na", "13800000003", email="lina@example.org")
    world.callers["member"] = member
    return add_team(
        session,
        world.district_a.id,
        "Harbour Lions",
        members=[member.volunteer_id],
        lead=world["volunteer"].volunteer_id,
    )


@pytest.fixture
def adopted_shift(client, session, world, lions) -> Shift:
    """A Saturday-morning shift of station A with two seats, one adopted by the Lions;
    well beyond the release time (48 h by default)."""
    shift = add_shift(session, world.station_a, day_after_next_monday(5, 9), max_volunteers=2)
    assert adopt(client, world["coordinator"], world.station_a.id, lions.id).status_code == 201
    return shift


def add_adoptions(world: World, session: Session) -> World:
    """For the role matrix: station A-ADOPT of district A, team Harbour Lions led by the
    volunteer, adopting one Saturday-afternoon seat there, and such a shift."""
    from app.stations.models import Station

    station = Station(
        district_id=world.district_a.id, code="A-ADOPT", name="Dongmen U-station", kind="community",
        address="3 Dongmen Rd", lat=22.55, lon=114.12, timezone="Asia/Shanghai",
    )  # fmt: skip
    session.add(station)
    session.flush()
    world.adoption_station = station
    world.team = add_team(
        session, world.district_a.id, "Harbour Lions", lead=world["volunteer"].volunteer_id
    )
    world.adoption = Adoption(
        team_id=world.team.id, station_id=station.id, weekdays=[SATURDAY], start="15:00",
        end="19:00", seats=1,
    )  # fmt: skip
    session.add(world.adoption)
    world.adopted_shift = add_shift(session, station, day_after_next_monday(5, 15))
    session.commit()
    return world


# -- managing adoptions ----------------------------------------------------------------


def test_a_coordinator_adopts_lists_and_ends_adoptions(client, world, lions):
    coordinator = world["coordinator"]
    created = adopt(client, coordinator, world.station_a.id, lions.id, weekdays=[7, 6], seats=2)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body | {"id": 0, "created_at": ""} == {
        "id": 0,
        "team_id": lions.id,
        "station_id": world.station_a.id,
        "weekdays": [6, 7],
        "start": "08:00",
        "end": "12:00",
        "seats": 2,
        "created_at": "",
    }
    path = f"/api/v1/stations/{world.station_a.id}/adoptions"
    listed = client.get(path, headers=coordinator.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    for caller in ("other_coordinator",):
        assert_problem(client.get(path, headers=world[caller].headers), 404)
        assert_problem(client.delete(f"{path}/{body['id']}", headers=world[caller].headers), 404)
    assert client.delete(f"{path}/{body['id']}", headers=coordinator.headers).status_code == 204
    assert client.get(path, headers=coordinator.headers).json() == {"items": [], "total": 0}
    assert_problem(client.delete(f"{path}/{body['id']}", headers=coordinator.headers), 404)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"weekdays": [0]}, "body"),
        ({"weekdays": [8]}, "body"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [6, 6]}, "body"),
        ({"start": "24:00"}, "start"),
        ({"end": "9:00"}, "end"),
        ({"seats": 0}, "seats"),
        ({"seats": "two"}, "seats"),
        ({"team_id": 2**31}, "team_id"),
    ],
)
def test_bad_adoptions_are_422(client, session, world, lions, fields, where):
    response = adopt(client, world["coordinator"], world.station_a.id, lions.id, **fields)
    body = assert_problem(response, 422)
    assert any(where in [str(part) for part in e["loc"]] for e in body["errors"]), body
    assert session.scalar(select(Adoption.id)) is None


def test_only_a_team_of_the_stations_district_adopts(client, session, world, lions):
    elsewhere = add_team(session, world.district_b.id, "Futian Owls")
    for team_id in (elsewhere.id, 999_999):
        body = assert_problem(adopt(client, world["admin"], world.station_a.id, team_id), 422)
        assert body["errors"] == [
            {"loc": ["body", "team_id"], "msg": "must be a team of the station's district"}
        ]
    assert_problem(adopt(client, world["coordinator"], world.station_b.id, lions.id), 404)


def test_more_seats_than_a_shift_holds_reserve_the_whole_shift(
    client, session, world, lions, monkeypatch
):
    """Accepted (the station's shifts may differ in size); a shift keeps at most its own
    max volunteers."""
    shift = add_shift(session, world.station_a, day_after_next_monday(5, 9), max_volunteers=2)
    assert adopt(client, world["coordinator"], world.station_a.id, lions.id, seats=5).status_code
    seats = open_seats(client, world["volunteer"], lions.id)["items"]
    assert [(s["shift_id"], s["adopted_seats"], s["open_seats"]) for s in seats] == [
        (shift.id, 2, 2)
    ]
    assert_problem(sign_up(client, world["other_volunteer"], shift.id), 409)


# -- reserved seats: sign-up, coordinators, release ------------------------------------


def test_reserved_seats_are_kept_for_members(client, session, world, lions, adopted_shift):
    outsider = another_volunteer(session, world, "Zhao Lei", "13800000004")
    # one of the two seats is not adopted: anyone takes it
    assert sign_up(client, world["other_volunteer"], adopted_shift.id).status_code == 201
    refused = assert_problem(sign_up(client, outsider, adopted_shift.id), 409)
    assert refused["reason"] == "reserved_seats"
    assert "reserved for team Harbour Lions until" in refused["detail"]
    assert "only the team's members may take them" in refused["detail"]
    open_ids = client.get("/api/v1/shifts/open", headers=outsider.headers).json()["items"]
    assert adopted_shift.id not in [s["id"] for s in open_ids]
    # a member takes the adopted seat
    member = world["member"]
    open_ids = client.get("/api/v1/shifts/open", headers=member.headers).json()["items"]
    assert adopted_shift.id in [s["id"] for s in open_ids]
    assert sign_up(client, member, adopted_shift.id).status_code == 201


def test_a_coordinators_manual_assignment_keeps_the_reservation_too(
    client, session, world, lions, adopted_shift
):
    coordinator = world["coordinator"]
    roster = assign(session, adopted_shift, world["other_volunteer"].volunteer_id).roster_id
    outsider = another_volunteer(session, world, "Zhao Lei", "13800000004")
    response = client.post(
        f"/api/v1/rosters/{roster}/assignments",
        headers=coordinator.headers,
        json={"shift_id": adopted_shift.id, "volunteer_id": outsider.volunteer_id},
    )
    body = assert_problem(response, 409)
    assert body["rule"] == "reserved_seats" and "Harbour Lions" in body["detail"]
    response = client.post(
        f"/api/v1/rosters/{roster}/assignments",
        headers=coordinator.headers,
        json={"shift_id": adopted_shift.id, "volunteer_id": world["member"].volunteer_id},
    )
    assert response.status_code == 201, response.text


def test_seats_are_released_at_the_configured_time(
    client, session, world, lions, adopted_shift, monkeypatch
):
    outsider = another_volunteer(session, world, "Zhao Lei", "13800000004")
    assert sign_up(client, world["other_volunteer"], adopted_shift.id).status_code == 201
    assert_problem(sign_up(client, outsider, adopted_shift.id), 409)
    # the shift is at most three weeks ahead: released once the release time is four
    monkeypatch.setattr(get_settings(), "adoption_release_hours", 28 * 24)
    (seat,) = open_seats(client, world["volunteer"], lions.id)["items"]
    assert seat["reserved"] is False
    assert sign_up(client, outsider, adopted_shift.id).status_code == 201
    assert open_seats(client, world["volunteer"], lions.id)["items"] == []  # full now


def test_an_empty_adopted_seat_is_explained_by_the_team(client, session, run_jobs, world, lions):
    """Nobody of the team can come (the only member is away): the solver leaves the
    adopted seat open and the unfilled list says whose it is."""
    from app.volunteers.models import Volunteer

    shift = add_shift(session, world.station_a, day_after_next_monday(5, 9), publish=False)
    shift.min_volunteers = shift.max_volunteers = 2
    session.get(Volunteer, world["member"].volunteer_id).status = "inactive"
    session.commit()
    coordinator = world["coordinator"]
    assert adopt(client, coordinator, world.station_a.id, lions.id).status_code == 201
    roster = client.post(
        "/api/v1/rosters",
        headers=coordinator.headers,
        json={
            "district_id": world.district_a.id,
            "week": week_of(shift.starts_at),
            "time_limit_seconds": 5,
        },
    ).json()
    assert run_jobs() == [roster["id"]]
    assignments = client.get(
        f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator.headers
    ).json()
    # the lead is a member too: the Lions' seat goes to them, the other seat to anyone
    on = {a["volunteer_id"] for a in assignments if a["shift_id"] == shift.id}
    assert world["volunteer"].volunteer_id in on and len(on) == 2
    # the lead leaves the team: the adopted seat stays open, and says why
    session.query(TeamMember).filter_by(volunteer_id=world["volunteer"].volunteer_id).delete()
    session.commit()
    again = client.post(
        "/api/v1/rosters",
        headers=coordinator.headers,
        json={
            "district_id": world.district_a.id,
            "week": week_of(shift.starts_at),
            "time_limit_seconds": 5,
        },
    ).json()
    assert run_jobs() == [again["id"]]
    unfilled = client.get(
        f"/api/v1/rosters/{again['id']}/unfilled", headers=coordinator.headers
    ).json()
    (seat,) = [u for u in unfilled if u["shift_id"] == shift.id]
    assert seat["missing"] == 1
    assert any(
        r.startswith("reserved for team Harbour Lions: no member can take it")
        for r in seat["reasons"]
    ), seat["reasons"]


# -- the lead's assignment -------------------------------------------------------------


def open_seats(client, caller: Caller, team_id: int, **params) -> dict:
    response = client.get(
        f"/api/v1/teams/{team_id}/open-seats", headers=caller.headers, params=params
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_lead_puts_a_member_on_an_adopted_seat(client, session, world, lions, adopted_shift):
    lead, member = world["volunteer"], world["member"]
    (seat,) = open_seats(client, lead, lions.id)["items"]
    assert seat | {"released_at": None, "starts_at": None, "ends_at": None} == {
        "shift_id": adopted_shift.id,
        "roster_id": seat["roster_id"],
        "station_id": world.station_a.id,
        "station_name": "Luohu U-station",
        "starts_at": None,
        "ends_at": None,
        "adopted_seats": 1,
        "members_on": 0,
        "open_seats": 1,
        "reserved": True,
        "released_at": None,
    }
    response = assign_member(client, lead, lions.id, adopted_shift.id, member.volunteer_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["shift_id"], body["volunteer_id"], body["status"], body["source"]) == (
        adopted_shift.id,
        member.volunteer_id,
        "scheduled",
        "manual",
    )
    duties = client.get("/api/v1/volunteers/me/assignments", headers=member.headers).json()
    assert [d["shift_id"] for d in duties["items"]] == [adopted_shift.id]
    told = session.scalars(
        select(OutboxMessage).where(OutboxMessage.volunteer_id == member.volunteer_id)
    ).all()
    assert [(m.event_kind, m.payload["cause"]) for m in told] == [("duty_changed", "team_lead")]
    assert open_seats(client, lead, lions.id)["items"] == []
    # the adopted seat is taken: a second member has no adopted seat left
    body = assert_problem(
        assign_member(client, lead, lions.id, adopted_shift.id, lead.volunteer_id), 409
    )
    assert body["reason"] == "adopted_seats_taken"


def test_the_lead_may_assign_members_only_onto_the_teams_adopted_seats(
    client, session, world, lions, adopted_shift
):
    lead, member = world["volunteer"], world["member"]
    body = assert_problem(
        assign_member(
            client, lead, lions.id, adopted_shift.id, world["other_volunteer"].volunteer_id
        ),
        409,
    )
    assert body["reason"] == "not_member"
    pending = another_volunteer(session, world, "Zhao Lei", "13800000004")
    session.add(TeamMember(team_id=lions.id, volunteer_id=pending.volunteer_id))
    session.commit()
    body = assert_problem(
        assign_member(client, lead, lions.id, adopted_shift.id, pending.volunteer_id), 409
    )
    assert body["reason"] == "not_member"
    afternoon = add_shift(session, world.station_a, day_after_next_monday(5, 14))
    body = assert_problem(
        assign_member(client, lead, lions.id, afternoon.id, member.volunteer_id), 409
    )
    assert body["reason"] == "not_adopted"
    assert_problem(assign_member(client, lead, lions.id, 2**31 - 1, member.volunteer_id), 404)


def test_the_validators_hard_rules_bind_the_lead(client, session, world, lions, adopted_shift):
    member = world["member"]
    overlapping = add_shift(session, world.station_a, day_after_next_monday(5, 10))
    assign(session, overlapping, member.volunteer_id)
    body = assert_problem(
        assign_member(client, world["volunteer"], lions.id, adopted_shift.id, member.volunteer_id),
        409,
    )
    assert body["reason"] == "no_overlap"


def test_only_the_teams_lead_and_coordinators_over_it_assign(
    client, session, world, lions, adopted_shift
):
    member = world["member"].volunteer_id
    owls_lead = world["other_volunteer"]
    owls = add_team(session, world.district_a.id, "Port Owls", lead=owls_lead.volunteer_id)
    for caller in (owls_lead, world["member"], world["other_coordinator"]):
        assert_problem(assign_member(client, caller, lions.id, adopted_shift.id, member), 404)
        assert_problem(
            client.get(f"/api/v1/teams/{lions.id}/open-seats", headers=caller.headers), 404
        )
    assert_problem(
        assign_member(client, Caller("anonymous"), lions.id, adopted_shift.id, member), 401
    )
    # the Owls' lead leads the Owls only; a coordinator of the district may fill the seat
    assert open_seats(client, owls_lead, owls.id)["items"] == []
    response = assign_member(client, world["coordinator"], lions.id, adopted_shift.id, member)
    assert response.status_code == 201, response.text


def test_open_seats_window_is_checked(client, world, lions):
    lead = world["volunteer"]
    path = f"/api/v1/teams/{lions.id}/open-seats"
    start = day_after_next_monday(0, 0)
    for params in (
        {"from": start.isoformat(), "to": (start - timedelta(days=1)).isoformat()},
        {"from": start.isoformat(), "to": (start + timedelta(days=93)).isoformat()},
        {"from": "2026-12-01T00:00:00"},  # no offset
    ):
        assert_problem(client.get(path, headers=lead.headers, params=params), 422)


# -- short-notice cover ----------------------------------------------------------------


@pytest.mark.parametrize(("hours", "released"), [(24, True), (60, False)])
def test_cover_offers_a_released_adopted_seat_like_any(client, session, world, hours, released):
    """A Lions member gives up the adopted seat at short notice (72 h): after the
    release time (48 h) the cover offers it to the nearest like any seat; before it,
    only to members (none of whom can come here)."""
    from tests.api.test_cover import cover_of, held_seat, near_volunteers, offers, soon
    from tests.api.test_duties import cancel

    shift, holder, duty = held_seat(session, world, soon(hours))
    add_team(session, world.district_a.id, "Harbour Lions", members=[holder.volunteer_id])
    local = shift.starts_at.astimezone(LOCAL)
    team = session.scalar(select(Team.id).where(Team.name == "Harbour Lions"))
    session.add(
        Adoption(
            team_id=team, station_id=world.station_a.id, weekdays=[local.isoweekday()],
            start=f"{local:%H:%M}", end=f"{local + timedelta(minutes=1):%H:%M}", seats=1,
        )
    )  # fmt: skip
    session.commit()
    near_volunteers(session, world, world.station_a)

    assert cancel(client, holder, duty.id).status_code == 200

    cover = cover_of(session, shift.id)
    if released:
        assert cover is not None
        assert offers(session, cover) == {1: dict.fromkeys(NEAR[:3], "offered")}
    else:
        # open, for members; an outsider is offered nothing until the release
        assert cover is not None and cover.state == "open"
        assert offers(session, cover) == {}


def test_a_duty_on_an_adopted_seat_passes_only_to_a_member_until_the_release(
    client, session, world, lions, adopted_shift, monkeypatch
):
    member = world["member"]
    zhao = another_volunteer(session, world, "Zhao Lei", "13800000004")
    assign(session, adopted_shift, zhao.volunteer_id)  # the seat that is not adopted
    duty = assign(session, adopted_shift, member.volunteer_id)
    offered = client.post(f"/api/v1/assignments/{duty.id}/swap-offer", headers=member.headers)
    assert offered.status_code == 201, offered.text
    accept = f"/api/v1/swap-offers/{offered.json()['offer_id']}/accept"
    outsider = world["other_volunteer"]
    body = assert_problem(client.post(accept, headers=outsider.headers), 409)
    assert body["reason"] == "reserved_seats" and "Harbour Lions" in body["detail"]
    monkeypatch.setattr(get_settings(), "adoption_release_hours", 28 * 24)
    assert client.post(accept, headers=outsider.headers).status_code == 200


def test_an_adoption_after_the_roster_keeps_the_people_already_there(
    client, session, run_jobs, world, lions, adopted_shift
):
    """Both seats were held by outsiders when the Lions adopted one: a repair keeps
    them (the adoption reserves only the seats they leave), it does not fail."""
    zhao = another_volunteer(session, world, "Zhao Lei", "13800000004")
    roster = assign(session, adopted_shift, zhao.volunteer_id).roster_id
    assign(session, adopted_shift, world["other_volunteer"].volunteer_id)
    coordinator = world["coordinator"].headers
    queued = client.post(f"/api/v1/rosters/{roster}/repair", headers=coordinator)
    assert queued.status_code == 202, queued.text
    assert run_jobs() == [roster]
    repaired = client.get(f"/api/v1/rosters/{roster}", headers=coordinator).json()
    assert repaired["job_status"] == "done", repaired
    on = client.get(f"/api/v1/rosters/{roster}/assignments", headers=coordinator).json()
    assert {a["volunteer_id"] for a in on if a["shift_id"] == adopted_shift.id} == {
        zhao.volunteer_id,
        world["other_volunteer"].volunteer_id,
    }
