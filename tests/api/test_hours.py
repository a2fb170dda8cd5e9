"""Verified service hours: corrections beside the kiosk's record, my hours, reports."""

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.hours.models import HoursCorrection, ServiceHours
from app.rosters.models import Assignment, AssignmentStatus, RosterStatus
from tests.api.conftest import assert_problem
from tests.api.test_duties import LOCAL, another_volunteer
from tests.api.test_kiosks import duty, kiosk_post, local, new_kiosk, ok, parse, pin_clock

REPORT = "/api/v1/reports/hours"


@pytest.fixture
def clock(monkeypatch):
    return pin_clock(monkeypatch)


def served(client, clock, kiosk, assignment, start: datetime, end: datetime) -> dict:
    """Checks the assignment in at `start` and out at `end` through the kiosk."""
    clock.now = start
    ok(kiosk_post(client, kiosk, "check-in", assignment.id))
    clock.now = end
    return ok(kiosk_post(client, kiosk, "check-out", assignment.id))


def correct(
    client, world, assignment_id: int, start, end, reason="kiosk was offline", who="coordinator"
):
    return client.patch(
        f"/api/v1/hours/{assignment_id}",
        headers=world[who].headers,
        json={"check_in_at": start.isoformat(), "check_out_at": end.isoformat(), "reason": reason},
    )


def report(client, world, who="coordinator", accept=None, **params):
    params = {"district_id": world.district_a.id, "from": "2026-12-01", "to": "2026-12-31"} | params
    headers = world[who].headers | ({"Accept": accept} if accept else {})
    return client.get(REPORT, headers=headers, params=params)


# -- corrections ---------------------------------------------------------------------


def test_a_correction_is_kept_beside_the_kiosks_record(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(10))
    served(client, clock, kiosk, assignment, local(10, 20), local(13))
    clock.set(15)

    first = ok(correct(client, world, assignment.id, local(10), local(14), "arrived on time"))
    second = ok(correct(client, world, assignment.id, local(10), local(13, 30), "left early"))

    assert first["hours"] == 4.0 and first["source"] == "correction"
    assert second["hours"] == 3.5 and second["status"] == "completed"
    assert parse(second["check_in_at"]) == local(10)
    assert parse(second["check_out_at"]) == local(13, 30)
    assert {k: parse(v) for k, v in second["original"].items()} == {
        "check_in_at": local(10, 20),
        "check_out_at": local(13),
    }
    older, newer = second["corrections"]
    assert older["reason"] == "arrived on time" and newer["reason"] == "left early"
    assert older["previous_hours"] == round(2 + 40 / 60, 2)
    assert parse(older["previous_check_in_at"]) == local(10, 20)
    assert newer["previous_hours"] == 4.0
    assert newer["corrected_by"] == world["coordinator"].account.id
    assert parse(newer["corrected_at"]) == local(15)

    mine = ok(client.get("/api/v1/volunteers/me/hours", headers=world["volunteer"].headers))
    assert mine["total_hours"] == 3.5
    assert mine["entries"][0]["corrected"] is True
    stored = session.get(Assignment, assignment.id)
    session.refresh(stored)
    assert (stored.check_in_at, stored.check_out_at) == (local(10, 20), local(13))


def test_a_correction_credits_a_no_show_or_a_forgotten_check_out(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    missed = duty(session, world, local(8), hours=2)
    forgot = duty(session, world, local(9), hours=2, who="other_volunteer")
    clock.set(8, 55)
    ok(kiosk_post(client, kiosk, "check-in", forgot.id))
    clock.set(12)

    no_show = ok(correct(client, world, missed.id, local(8), local(10), "kiosk was broken"))
    completed = ok(
        correct(client, world, forgot.id, local(8, 55), local(11), "forgot to check out")
    )

    assert no_show["status"] == "completed" and no_show["original"] == {
        "check_in_at": None,
        "check_out_at": None,
    }
    assert no_show["corrections"][0]["previous_hours"] is None
    assert completed["hours"] == round(2 + 5 / 60, 2)
    assert parse(completed["original"]["check_in_at"]) == local(8, 55)


def test_a_kiosk_check_out_after_a_correction_leaves_the_correction(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(9), hours=2)
    clock.set(9)
    ok(kiosk_post(client, kiosk, "check-in", assignment.id))
    clock.set(10)
    ok(correct(client, world, assignment.id, local(9), local(9, 30), "left for an emergency"))
    out = ok(kiosk_post(client, kiosk, "check-out", assignment.id))
    assert out["hours"] == 0.5


def _times(start: str, end: str, **extra) -> dict:
    return {"check_in_at": f"2026-12-02T{start}", "check_out_at": f"2026-12-{end}"} | extra


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (_times("10:00:00+08:00", "02T09:00:00+08:00", reason="r"), "body"),  # out before in
        (_times("10:00:00+08:00", "03T11:00:00+08:00", reason="r"), "body"),  # over 24 h
        (_times("10:00:00", "02T11:00:00+08:00", reason="r"), "check_in_at"),  # no offset
        (_times("10:00:00+08:00", "02T11:00:00+08:00"), "reason"),
        (_times("10:00:00+08:00", "02T11:00:00+08:00", reason="  "), "reason"),
        (_times("10:00:00+08:00", "02T11:00:00+08:00", reason="x" * 501), "reason"),
        (_times("11:00:00+08:00", "02T13:00:00+08:00", reason="r"), "check_out_at"),  # future
    ],
)
def test_bad_corrections_are_422_and_store_nothing(client, session, world, clock, body, loc):
    assignment = duty(session, world, local(10))
    clock.set(12)
    response = client.patch(
        f"/api/v1/hours/{assignment.id}", headers=world["coordinator"].headers, json=body
    )
    problem = assert_problem(response, 422)
    assert any(loc in e["loc"] for e in problem["errors"]), problem
    assert session.scalar(select(func.count()).select_from(HoursCorrection)) == 0
    assert session.scalar(select(func.count()).select_from(ServiceHours)) == 0


def test_corrections_stay_inside_the_coordinators_districts_and_live_duties(
    client, session, world, clock
):
    assignment = duty(session, world, local(8), hours=2)
    draft = duty(session, world, local(8), hours=2, roster_status=RosterStatus.draft,
                 who="other_volunteer")  # fmt: skip
    cancelled = duty(session, world, local(9), hours=2, status=AssignmentStatus.cancelled)
    start, end = local(8), local(10)

    assert_problem(correct(client, world, assignment.id, start, end, who="other_coordinator"), 404)
    assert_problem(correct(client, world, assignment.id, start, end, who="volunteer"), 403)
    assert_problem(correct(client, world, 2**31 - 1, start, end), 404)
    assert assert_problem(correct(client, world, draft.id, start, end), 409)["reason"] == (
        "not_published"
    )
    assert assert_problem(correct(client, world, cancelled.id, start, end), 409)["reason"] == (
        "cancelled"
    )
    assert ok(correct(client, world, assignment.id, start, end, who="admin"))["hours"] == 2.0
    assert session.scalar(select(func.count()).select_from(HoursCorrection)) == 1


# -- reports -------------------------------------------------------------------------


@pytest.fixture
def served_month(client, session, world, clock):
    """Wang Li: two duties served (4 h and 2.5 h) and one missed; 张小明: one served
    (3 h, then corrected to 3.25 h); one of Wang's duties lies outside December and
    one duty is in district B."""
    _, kiosk = new_kiosk(client, world)
    _, kiosk_b = new_kiosk(client, world, world.station_b, caller="other_coordinator")
    a1 = duty(session, world, local(8), hours=4)
    a2 = duty(session, world, local(14), hours=3)
    z1 = duty(session, world, local(9), hours=3, who="other_volunteer")
    missed = duty(session, world, local(18), hours=2)
    november = duty(session, world, local(10, days=-2), hours=2)
    elsewhere = duty(session, world, local(10), station=world.station_b, who="other_volunteer")
    served(client, clock, kiosk, a1, local(7, 50), local(12, 10))
    served(client, clock, kiosk, z1, local(9), local(12))
    served(client, clock, kiosk_b, elsewhere, local(10), local(11))
    served(client, clock, kiosk, a2, local(14, 30), local(17))
    clock.set(21)
    ok(correct(client, world, z1.id, local(9), local(12, 15), "stayed to help"))
    ok(correct(client, world, november.id, local(10, days=-2), local(12, days=-2), "paper sheet"))
    return {"a1": a1, "a2": a2, "z1": z1, "missed": missed, "november": november}


def test_the_hours_report_has_a_row_per_volunteer(client, world, served_month):
    body = ok(report(client, world))

    assert body["district_id"] == world.district_a.id
    assert (body["from"], body["to"]) == ("2026-12-01", "2026-12-31")
    assert body["total_hours"] == 9.75
    assert body["entries"] is None
    assert body["volunteers"] == [
        {"volunteer_id": world["volunteer"].volunteer_id, "name": "Wang Li",
         "total_hours": 6.5, "duties": 2, "no_shows": 1},
        {"volunteer_id": world["other_volunteer"].volunteer_id, "name": "张小明",
         "total_hours": 3.25, "duties": 1, "no_shows": 0},
    ]  # fmt: skip
    november = ok(report(client, world, **{"from": "2026-11-30", "to": "2026-11-30"}))
    assert november["total_hours"] == 2.0


def test_the_hours_report_counts_a_no_show_that_it_sweeps(client, session, world, clock):
    missed = duty(session, world, local(8), hours=2)
    assert session.get(Assignment, missed.id).status == AssignmentStatus.scheduled

    body = ok(report(client, world))

    assert [(r["name"], r["duties"], r["no_shows"]) for r in body["volunteers"]] == [
        ("Wang Li", 0, 1)
    ]
    session.refresh(session.get(Assignment, missed.id))
    assert session.get(Assignment, missed.id).status == AssignmentStatus.no_show


def test_the_hours_report_per_entry(client, world, served_month):
    body = ok(report(client, world, detail="entries"))

    entries = body["entries"]
    assert [e["assignment_id"] for e in entries] == [served_month[k].id for k in ("a1", "z1", "a2")]
    first, corrected, _ = entries
    assert first["hours"] == 4.0 and first["corrected"] is False
    assert first["date"] == "2026-12-02" and first["station_code"] == "A-1"
    assert corrected["corrected"] is True and corrected["correction_reason"] == "stayed to help"


def test_the_hours_report_as_csv(client, world, served_month):
    response = report(client, world, accept="text/csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["name"], r["total_hours"], r["duties"], r["no_shows"]) for r in rows] == [
        ("Wang Li", "6.50", "2", "1"),
        ("张小明", "3.25", "1", "0"),
    ]

    entries = report(client, world, accept="text/csv", detail="entries")
    rows = list(csv.DictReader(io.StringIO(entries.text)))
    assert len(rows) == 3
    # Times as the kiosk recorded them; the hours count the shift's four only.
    assert rows[0]["check_in"] == "2026-12-02T07:50+08:00" and rows[0]["hours"] == "4.00"
    assert rows[1]["corrected"] == "yes" and rows[1]["correction_reason"] == "stayed to help"
    assert rows[0]["timezone"] == "Asia/Shanghai" and rows[0]["hours"] == "4.00"


def test_csv_cells_never_start_a_formula(client, session, world, clock):
    caller = another_volunteer(session, world, "=HYPERLINK(1)", "13800000077")
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(9), hours=2, who="other_volunteer")
    assignment.volunteer_id = caller.volunteer_id
    session.commit()
    served(client, clock, kiosk, assignment, local(9), local(11))

    text = report(client, world, accept="text/csv").text

    assert "'=HYPERLINK(1)" in text and "\n=" not in text and ",=" not in text


def test_hours_report_scope_and_validation(client, world, clock):
    assert_problem(report(client, world, who="other_coordinator"), 404)
    assert_problem(report(client, world, who="volunteer"), 403)
    assert_problem(report(client, world, who="anonymous"), 401)
    body = assert_problem(report(client, world, **{"from": "2026-12-31", "to": "2026-12-01"}), 422)
    assert body["errors"][0]["loc"] == ["query", "to"]
    assert_problem(report(client, world, detail="everything"), 422)
    assert_problem(report(client, world, **{"from": "yesterday"}), 422)
    assert_problem(report(client, world, **{"from": "0001-01-01"}), 422)
    assert_problem(client.get(REPORT, headers=world["coordinator"].headers), 422)
    assert ok(report(client, world, who="admin"))["volunteers"] == []


def test_hours_outlive_withdrawal(client, session, world, served_month):
    volunteer = world["volunteer"]
    assert client.delete("/api/v1/volunteers/me", headers=volunteer.headers).status_code == 204

    body = ok(report(client, world))

    row = next(v for v in body["volunteers"] if v["volunteer_id"] == volunteer.volunteer_id)
    assert row["total_hours"] == 6.5 and row["name"] != "Wang Li"
    assert (
        session.scalar(
            select(func.count())
            .select_from(ServiceHours)
            .where(ServiceHours.volunteer_id == volunteer.volunteer_id)
        )
        == 3  # November's entry too
    )


@pytest.mark.parametrize(
    ("start", "end", "bad"),
    [
        (local(10), local(21), ["check_out_at"]),  # 11 h on a 4-hour duty
        (local(9), local(15, 1), ["check_out_at"]),  # a minute over the shift plus 2 h
        (datetime(1970, 1, 1, 10, tzinfo=LOCAL), datetime(1970, 1, 1, 12, tzinfo=LOCAL),
         ["check_in_at", "check_out_at"]),  # another day altogether
        (local(23, 0, days=-1), local(1), ["check_in_at"]),  # starts the evening before
        (local(9), local(15), []),  # the shift plus the slack: accepted
        (local(13), local(14), []),
    ],
)  # fmt: skip
def test_a_correction_lies_on_the_duty_and_fits_its_length(
    client, session, world, clock, start, end, bad
):
    assignment = duty(session, world, local(10))  # 10:00-14:00
    clock.set(12, days=1)
    response = correct(client, world, assignment.id, start, end)
    if not bad:
        assert ok(response)["hours"] == round((end - start).total_seconds() / 3600, 2)
        return
    problem = assert_problem(response, 422)
    assert [e["loc"][-1] for e in problem["errors"]] == bad
    assert session.scalar(select(func.count()).select_from(HoursCorrection)) == 0


def test_an_overnight_duty_is_corrected_on_either_of_its_days(client, session, world, clock):
    assignment = duty(session, world, local(22), hours=8)  # 22:00-06:00
    clock.set(12, days=1)
    assert ok(correct(client, world, assignment.id, local(22, 15), local(6, 30, days=1)))
    early = correct(client, world, assignment.id, local(23, 0, days=-1), local(6))
    assert [e["loc"][-1] for e in assert_problem(early, 422)["errors"]] == ["check_in_at"]
