import csv
import io
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import event, update

from app.db import utcnow
from app.rosters.models import Roster
from app.volunteers.models import Volunteer
from tests.api.conftest import assert_problem, register_volunteer

# A week that is still ahead whenever the suite runs: repair and sign-up only touch
# shifts that have not started, so a fixed date would break these tests once it passed.
_AHEAD = date.today() + timedelta(weeks=2)
WEEK = f"{_AHEAD.isocalendar().year}-W{_AHEAD.isocalendar().week:02d}"
SATURDAY = (_AHEAD + timedelta(days=5 - _AHEAD.weekday())).isoformat()
SUNDAY = (_AHEAD + timedelta(days=6 - _AHEAD.weekday())).isoformat()


@pytest.fixture
def district(client, session, world):
    """District A: station A-1 with Mon-Fri 09:00-13:00 (1..2 people, lang:en x1) and
    four volunteers: Wang Li (lang:en), 张小明, and two more with lang:en."""
    return weekday_mornings_and_four_volunteers(client, session, world)


def weekday_mornings_and_four_volunteers(client, session, world):
    """The `district` fixture's ground, for other test modules to build on."""
    client.post(
        f"/api/v1/stations/{world.station_a.id}/shift-templates",
        headers=world["coordinator"].headers,
        json={
            "weekdays": [1, 2, 3, 4, 5],
            "start": "09:00",
            "end": "13:00",
            "min_volunteers": 1,
            "max_volunteers": 2,
            "skill_requirements": [{"skill": "lang:en", "count": 1}],
            "priority": 3,
        },  # fmt: skip
    ).raise_for_status()
    for i, name in enumerate(["Chen Jie", "Liu Yang"]):
        register_volunteer(
            session, name, f"1390000010{i}", world.district_a.id, skills=["lang:en"],
            max_shifts_per_week=2,
        )  # fmt: skip
    session.commit()
    return world


def request(client, headers, district_id, week=WEEK, **extra):
    return client.post(
        "/api/v1/rosters",
        headers=headers,
        json={"district_id": district_id, "week": week, "time_limit_seconds": 5} | extra,
    )


def solved(client, run_jobs, world) -> dict:
    coordinator = world["coordinator"].headers
    roster = request(client, coordinator, world.district_a.id).json()
    assert run_jobs() == [roster["id"]]
    return client.get(f"/api/v1/rosters/{roster['id']}", headers=coordinator).json()


def test_request_queues_once_and_generates_shifts(client, district):
    coordinator = district["coordinator"].headers
    first = request(client, coordinator, district.district_a.id)
    assert first.status_code == 202, first.text
    body = first.json()
    assert (
        body["status"] == "queued" and first.headers["location"] == f"/api/v1/rosters/{body['id']}"
    )
    assert body["stats"]["seats_required"] == 5  # the week's shifts were generated
    again = request(client, coordinator, district.district_a.id)
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_a_racing_request_whose_job_finished_meanwhile_is_a_409_not_a_500(client, district, engine):
    """A request's INSERT can lose to a racing request's roster (unique active
    district-week) whose job has finished by the time the loser looks for it. The
    racing roster is inserted just before ours inside our savepoint: our INSERT
    fails, the savepoint rollback removes it again, so the look-up finds nothing,
    exactly as after a racing job that finished. Both halves of the handler were
    500s: the failed roster stayed pending and the look-up flushed it again, and
    then the look-up's None went to the router."""
    coordinator = district["coordinator"].headers
    raced: list[str] = []

    def racing_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO roster ") and not raced:
            raced.append(statement)
            cursor.execute(statement, parameters)

    event.listen(engine, "before_cursor_execute", racing_insert)
    try:
        response = request(client, coordinator, district.district_a.id)
    finally:
        event.remove(engine, "before_cursor_execute", racing_insert)
    assert raced
    assert "request it again" in assert_problem(response, 409)["detail"]
    # Nothing is left behind: the next request queues normally.
    assert request(client, coordinator, district.district_a.id).status_code == 202


def test_solved_roster_stats_match_assignments(client, run_jobs, district):
    roster = solved(client, run_jobs, district)
    assert roster["status"] == "draft", roster
    stats = roster["stats"]
    coordinator = district["coordinator"].headers
    assignments = client.get(
        f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator
    ).json()
    assert stats["seats_filled"] == len(assignments) > 0
    assert stats["coverage"] == round(stats["seats_filled"] / stats["seats_required"], 4)
    assert stats["solver_status"] == "OPTIMAL" and stats["gap"] == 0
    assert stats["objective"] == sum(stats["objective_by_rule"].values())
    assert {a["source"] for a in assignments} == {"solver"}
    # Every shift has an English speaker: three volunteers have lang:en.
    english = {district["volunteer"].volunteer_id} | {
        v["id"]
        for v in client.get(
            "/api/v1/volunteers", headers=coordinator, params={"skill": "lang:en"}
        ).json()["items"]
    }
    by_shift = {}
    for a in assignments:
        by_shift.setdefault(a["shift_id"], set()).add(a["volunteer_id"])
    assert len(by_shift) == 5 and all(people & english for people in by_shift.values())
    assert client.get(f"/api/v1/rosters/{roster['id']}/unfilled", headers=coordinator).json() == []


def add_cantonese_shift(client, world, day: str) -> None:
    """A one-seat morning shift at station A-1 on `day` whose seat needs lang:yue."""
    client.post(
        "/api/v1/shifts",
        headers=world["coordinator"].headers,
        json={
            "station_id": world.station_a.id,
            "starts_at": f"{day}T09:00:00+08:00",
            "ends_at": f"{day}T13:00:00+08:00",
            "min_volunteers": 1,
            "max_volunteers": 1,
            "skill_requirements": [{"skill": "lang:yue", "count": 1}],
            "priority": 5,
        },  # fmt: skip
    ).raise_for_status()


def test_unfilled_seats_carry_the_solvers_reasons(client, run_jobs, district):
    coordinator = district["coordinator"].headers
    add_cantonese_shift(client, district, SATURDAY)
    roster = solved(client, run_jobs, district)
    unfilled = client.get(f"/api/v1/rosters/{roster['id']}/unfilled", headers=coordinator).json()
    (saturday,) = unfilled
    assert saturday["missing_skills"] == {"lang:yue": 1}
    assert any("lang:yue" in reason for reason in saturday["reasons"]), saturday


def test_unfilled_skill_seats_say_when_the_skill_holders_cannot_take_them_all(
    client, session, run_jobs, district
):
    coordinator = district["coordinator"].headers
    register_volunteer(
        session, "Ho Ka Yan", "13900000199", district.district_a.id, skills=["lang:yue"],
        max_shifts_per_week=1,
    )  # fmt: skip
    session.commit()
    for day in (SATURDAY, SUNDAY):
        add_cantonese_shift(client, district, day)
    roster = solved(client, run_jobs, district)
    unfilled = client.get(f"/api/v1/rosters/{roster['id']}/unfilled", headers=coordinator).json()
    (open_seat,) = [seat for seat in unfilled if seat["missing_skills"] == {"lang:yue": 1}]
    monday = date.fromisoformat(SATURDAY) - timedelta(days=5)
    assert open_seat["reasons"][0] == (
        f"lang:yue seats need 2 people in the week of Mon {monday}; the 1 volunteer with "
        "lang:yue can take 1 at most"
    )


def test_publish_supersedes_the_earlier_roster(client, run_jobs, district):
    coordinator = district["coordinator"].headers
    first = solved(client, run_jobs, district)
    published = client.post(f"/api/v1/rosters/{first['id']}/publish", headers=coordinator)
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert_problem(client.post(f"/api/v1/rosters/{first['id']}/publish", headers=coordinator), 409)
    second = solved(client, run_jobs, district)
    client.post(f"/api/v1/rosters/{second['id']}/publish", headers=coordinator).raise_for_status()
    assert client.get(f"/api/v1/rosters/{first['id']}", headers=coordinator).json()["status"] == (
        "superseded"
    )
    listed = client.get(
        "/api/v1/rosters", headers=coordinator, params={"district_id": district.district_a.id}
    ).json()
    assert [r["status"] for r in listed] == ["published", "superseded"]


def test_export_has_one_row_per_assignment_in_local_time(client, run_jobs, district):
    coordinator = district["coordinator"].headers
    roster = solved(client, run_jobs, district)
    response = client.get(f"/api/v1/rosters/{roster['id']}/export.csv", headers=coordinator)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == roster["stats"]["seats_filled"]
    assert {(r["start"], r["end"], r["timezone"]) for r in rows} == {
        ("09:00", "13:00", "Asia/Shanghai")
    }
    assert {r["station_code"] for r in rows} == {"A-1"}
    assert all(r["volunteer_name"] for r in rows)


def test_manual_assignment_names_the_broken_rule(client, run_jobs, district):
    coordinator = district["coordinator"].headers
    roster = solved(client, run_jobs, district)
    assignments = client.get(
        f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator
    ).json()
    taken = assignments[0]
    # An ad hoc shift overlapping the one this volunteer already holds.
    overlap = client.post(
        "/api/v1/shifts",
        headers=coordinator,
        json={
            "station_id": district.station_a.id,
            "starts_at": taken["starts_at"],
            "ends_at": taken["ends_at"],
            "min_volunteers": 1,
            "max_volunteers": 1,
        },  # fmt: skip
    ).json()
    response = client.post(
        f"/api/v1/rosters/{roster['id']}/assignments",
        headers=coordinator,
        json={"shift_id": overlap["id"], "volunteer_id": taken["volunteer_id"]},
    )
    body = assert_problem(response, 409)
    assert body["rule"] == "no_overlap" and "no_overlap" in body["detail"]
    # Filled to its maximum of 2 by hand, the shift takes no third person.
    shift_id = taken["shift_id"]
    holders = {a["volunteer_id"] for a in assignments if a["shift_id"] == shift_id}
    unlimited = [district["volunteer"].volunteer_id, district["other_volunteer"].volunteer_id]
    for volunteer_id in [v for v in unlimited if v not in holders][: 2 - len(holders)]:
        added = client.post(
            f"/api/v1/rosters/{roster['id']}/assignments",
            headers=coordinator,
            json={"shift_id": shift_id, "volunteer_id": volunteer_id, "pinned": True},
        )
        assert added.status_code == 201, added.text
        assert added.json()["source"] == "manual" and added.json()["pinned"] is True
        holders.add(volunteer_id)
    everyone = client.get("/api/v1/volunteers", headers=coordinator).json()["items"]
    third = next(v["id"] for v in everyone if v["id"] not in holders)
    response = client.post(
        f"/api/v1/rosters/{roster['id']}/assignments",
        headers=coordinator,
        json={"shift_id": shift_id, "volunteer_id": third},
    )
    assert assert_problem(response, 409)["rule"] == "max_headcount"


def test_removing_an_assignment_reopens_the_seat(client, run_jobs, district):
    coordinator = district["coordinator"].headers
    roster = solved(client, run_jobs, district)
    before = client.get(f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator).json()
    lone = next(a for a in before if sum(b["shift_id"] == a["shift_id"] for b in before) == 1)
    deleted = client.delete(
        f"/api/v1/rosters/{roster['id']}/assignments/{lone['id']}", headers=coordinator
    )
    assert deleted.status_code == 204
    after = client.get(f"/api/v1/rosters/{roster['id']}", headers=coordinator).json()
    assert after["stats"]["seats_filled"] == roster["stats"]["seats_filled"] - 1
    assert after["stats"]["seats_missing"] == roster["stats"]["seats_missing"] + 1
    # The list counts from the week's shifts, the roster alone in one SQL aggregate.
    listed = client.get(
        "/api/v1/rosters", headers=coordinator, params={"district_id": roster["district_id"]}
    ).json()
    assert next(r for r in listed if r["id"] == roster["id"])["stats"] == after["stats"]
    unfilled = client.get(f"/api/v1/rosters/{roster['id']}/unfilled", headers=coordinator).json()
    assert [u["shift_id"] for u in unfilled] == [lone["shift_id"]]
    assert "repair" in unfilled[0]["reasons"][0]
    again = client.delete(
        f"/api/v1/rosters/{roster['id']}/assignments/{lone['id']}", headers=coordinator
    )
    assert_problem(again, 409)


def test_repair_refills_and_keeps_everything_else(client, session, run_jobs, district):
    coordinator = district["coordinator"].headers
    roster = solved(client, run_jobs, district)
    client.post(f"/api/v1/rosters/{roster['id']}/publish", headers=coordinator).raise_for_status()
    before = client.get(f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator).json()
    gone = before[0]
    client.delete(f"/api/v1/rosters/{roster['id']}/assignments/{gone['id']}", headers=coordinator)
    # The volunteer who left is away that week from now on.
    queued = client.post(f"/api/v1/rosters/{roster['id']}/repair", headers=coordinator)
    assert queued.status_code == 202 and queued.json()["job_status"] == "queued"
    assert run_jobs() == [roster["id"]]
    after = client.get(f"/api/v1/rosters/{roster['id']}", headers=coordinator).json()
    assert after["status"] == "published" and after["job_status"] == "done"
    rows = client.get(f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator).json()
    live = {a["id"]: a for a in rows if a["status"] == "scheduled"}
    kept = {a["id"] for a in before if a["id"] != gone["id"]}
    assert kept <= set(live)  # every other assignment is still there, same rows
    refill = [a for a in live.values() if a["id"] not in kept]
    assert [a["shift_id"] for a in refill] == [gone["shift_id"]]
    assert refill[0]["volunteer_id"] != gone["volunteer_id"]
    assert after["changed_volunteer_ids"] == [refill[0]["volunteer_id"]]
    assert after["stats"]["seats_filled"] == roster["stats"]["seats_filled"]


def test_repair_only_for_published_rosters(client, run_jobs, district):
    roster = solved(client, run_jobs, district)
    response = client.post(
        f"/api/v1/rosters/{roster['id']}/repair", headers=district["coordinator"].headers
    )
    assert_problem(response, 409)


def test_a_silent_worker_is_retried_once_then_failed(client, session, district):
    coordinator = district["coordinator"].headers
    roster_id = request(client, coordinator, district.district_a.id).json()["id"]
    long_ago = utcnow() - timedelta(minutes=10)
    for attempt in (1, 2):
        session.execute(
            update(Roster)
            .where(Roster.id == roster_id)
            .values(
                job_status="running",
                status="solving",
                attempts=attempt,
                heartbeat_at=long_ago,
                created_at=long_ago,
            )  # fmt: skip
        )
        session.commit()
        seen = client.get(f"/api/v1/rosters/{roster_id}", headers=coordinator).json()
        if attempt == 1:
            assert (seen["status"], seen["job_status"]) == ("queued", "queued")
    assert seen["status"] == "failed" and "request it again" in seen["error"]
    again = request(client, coordinator, district.district_a.id)
    assert again.status_code == 202 and again.json()["id"] != roster_id


def test_inactive_volunteers_are_not_rostered(client, session, run_jobs, district):
    session.execute(update(Volunteer).values(status="inactive"))
    session.commit()
    roster = solved(client, run_jobs, district)
    assert roster["stats"]["seats_filled"] == 0
    unfilled = client.get(
        f"/api/v1/rosters/{roster['id']}/unfilled", headers=district["coordinator"].headers
    ).json()
    assert len(unfilled) == 5 and all(u["reasons"] for u in unfilled)


def test_publish_carries_over_later_sign_ups_and_cancellations(client, session, run_jobs, district):
    from app.rosters.models import Assignment

    coordinator = district["coordinator"].headers
    first = solved(client, run_jobs, district)
    client.post(f"/api/v1/rosters/{first['id']}/publish", headers=coordinator).raise_for_status()
    second = solved(client, run_jobs, district)
    old = client.get(f"/api/v1/rosters/{first['id']}/assignments", headers=coordinator).json()
    new = client.get(f"/api/v1/rosters/{second['id']}/assignments", headers=coordinator).json()
    both = {(a["volunteer_id"], a["shift_id"]) for a in new} & {
        (a["volunteer_id"], a["shift_id"]) for a in old
    }
    # After the second solve, someone cancels a duty both rosters hold ...
    gone = next(a for a in old if (a["volunteer_id"], a["shift_id"]) in both)
    client.delete(
        f"/api/v1/rosters/{first['id']}/assignments/{gone['id']}", headers=coordinator
    ).raise_for_status()
    # ... and a volunteer signs up for a seat the second roster left free.
    taken = {(a["volunteer_id"], a["shift_id"]) for a in new}
    counts = Counter(a["shift_id"] for a in new)
    shift_id = next(s for s in sorted(counts) if counts[s] < 2)
    volunteer_id = next(
        v
        for v in (district["other_volunteer"].volunteer_id, district["volunteer"].volunteer_id)
        if (v, shift_id) not in taken
        and (v, shift_id) not in {(a["volunteer_id"], a["shift_id"]) for a in old}
    )
    session.add(
        Assignment(roster_id=first["id"], shift_id=shift_id, volunteer_id=volunteer_id,
                   source="signup")
    )  # fmt: skip
    session.commit()
    client.post(f"/api/v1/rosters/{second['id']}/publish", headers=coordinator).raise_for_status()
    after = client.get(f"/api/v1/rosters/{second['id']}/assignments", headers=coordinator).json()
    status = {(a["volunteer_id"], a["shift_id"]): (a["status"], a["source"]) for a in after}
    assert status[(gone["volunteer_id"], gone["shift_id"])][0] == "cancelled"
    assert status[(volunteer_id, shift_id)] == ("scheduled", "signup")


def test_shift_list_counts_published_volunteers(client, run_jobs, district):
    coordinator = district["coordinator"].headers
    roster = solved(client, run_jobs, district)

    def assigned() -> dict[int, int]:
        shifts = client.get("/api/v1/shifts", headers=coordinator, params={"week": WEEK}).json()
        return {s["id"]: s["assigned"] for s in shifts["items"]}

    assert set(assigned().values()) == {0}  # a draft is not public yet
    client.post(f"/api/v1/rosters/{roster['id']}/publish", headers=coordinator).raise_for_status()
    rows = client.get(f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator).json()
    assert assigned() == dict(Counter(a["shift_id"] for a in rows))


def test_export_shows_formula_like_names_as_text(client, session, run_jobs, district):
    session.execute(update(Volunteer).values(name='=HYPERLINK("x")'))
    session.commit()
    roster = solved(client, run_jobs, district)
    text = client.get(
        f"/api/v1/rosters/{roster['id']}/export.csv", headers=district["coordinator"].headers
    ).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(r["volunteer_name"] == '\'=HYPERLINK("x")' for r in rows)


def test_publish_keeps_check_ins_of_the_earlier_roster(client, session, run_jobs, district):
    from app.rosters.models import Assignment

    coordinator = district["coordinator"].headers
    first = solved(client, run_jobs, district)
    client.post(f"/api/v1/rosters/{first['id']}/publish", headers=coordinator).raise_for_status()
    second = solved(client, run_jobs, district)
    came = session.get(Assignment, client.get(
        f"/api/v1/rosters/{first['id']}/assignments", headers=coordinator
    ).json()[0]["id"])  # fmt: skip
    came.status, came.check_in_at = "checked_in", utcnow()
    session.commit()
    client.post(f"/api/v1/rosters/{second['id']}/publish", headers=coordinator).raise_for_status()
    (kept,) = [
        a
        for a in client.get(
            f"/api/v1/rosters/{second['id']}/assignments", headers=coordinator
        ).json()
        if (a["volunteer_id"], a["shift_id"]) == (came.volunteer_id, came.shift_id)
    ]
    assert kept["status"] == "checked_in"
    assert session.get(Assignment, kept["id"]).check_in_at == came.check_in_at


# -- rules across the week boundary ------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "before", "rule"),
    [
        ({"min_rest_hours": 12}, [(-1, 20, 4)], "minimum rest"),  # Sunday 20:00-24:00
        ({"max_consecutive_days": 3}, [(-3, 9, 4), (-2, 9, 4), (-1, 9, 4)], "consecutive"),
        ({}, [(-1, 22, 10)], "overlapping"),  # Sunday 22:00 to Monday 08:00
    ],
)
def test_the_neighbouring_weeks_duties_bind_the_new_week(
    client, session, world, run_jobs, limits, before, rule
):
    """Duties of last week's published roster are fixed context: never changed,
    counted or explained as seats, but rest, overlap and runs hold across the weeks."""
    from app.volunteers.models import Volunteer
    from tests.api.test_duties import add_shift, assign, day_after_next_monday, week_of

    coordinator = world["coordinator"].headers
    volunteer = session.get(Volunteer, world["volunteer"].volunteer_id)
    for name, value in limits.items():
        setattr(volunteer, name, value)
    session.get(Volunteer, world["other_volunteer"].volunteer_id).status = "inactive"
    monday = day_after_next_monday(0, 0)
    held = [
        assign(session, add_shift(session, world.station_a, monday + timedelta(days=d, hours=h),
                                  hours=length), volunteer.id)
        for d, h, length in before
    ]  # fmt: skip
    morning = add_shift(session, world.station_a, monday + timedelta(hours=6), publish=False)
    week = week_of(monday)
    assert week != week_of(held[0].shift.starts_at)

    roster = request(client, coordinator, world.district_a.id, week=week).json()
    assert run_jobs() == [roster["id"]]

    body = client.get(f"/api/v1/rosters/{roster['id']}", headers=coordinator).json()
    assert body["status"] == "draft", body
    assert body["stats"]["seats_required"] == 1 and body["stats"]["seats_filled"] == 0
    assert (
        client.get(f"/api/v1/rosters/{roster['id']}/assignments", headers=coordinator).json() == []
    )
    [seat] = client.get(f"/api/v1/rosters/{roster['id']}/unfilled", headers=coordinator).json()
    assert seat["shift_id"] == morning.id
    assert any(rule in reason for reason in seat["reasons"]), seat["reasons"]
    # A coordinator's manual choice is checked against the same context.
    manual = client.post(
        f"/api/v1/rosters/{roster['id']}/assignments",
        headers=coordinator,
        json={"shift_id": morning.id, "volunteer_id": volunteer.id},
    )
    assert_problem(manual, 409)
    for duty in held:
        session.refresh(duty)
        assert duty.status == "scheduled"
