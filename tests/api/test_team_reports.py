"""Hours reports of teams and organisations (GET /reports/hours with `team_id` or
`organisation_id`) on both databases: per member, per team and in all, as JSON and as
the CSV an organisation files with its annual report; and who may ask for which."""

import csv
import io

import pytest

from tests.api.conftest import assert_problem
from tests.api.test_hours import REPORT, clock, served_month  # noqa: F401  (fixtures)
from tests.api.test_kiosks import ok

DECEMBER = {"from": "2026-12-01", "to": "2026-12-31"}


@pytest.fixture
def teams_served(client, session, team_world, served_month):  # noqa: F811
    """Over the hours of served_month (December: Wang Li 6.5 h in two duties; 张小明
    3.25 h at A-1 and 1 h at district B's station; Wang's 2 h of November aside):
    team A holds its lead (no hours), 张小明 and Wang Li; team B its lead and Wang Li;
    and organisation A has a second team, A2, holding Wang Li again."""
    w = team_world

    def join(team_id: int, volunteer: str, approver: str = "coordinator") -> None:
        caller = w[volunteer]
        if volunteer != "other_volunteer" or team_id != w.team_a.id:  # asking already
            asked = client.post(f"/api/v1/teams/{team_id}/join", headers=caller.headers)
            assert asked.status_code == 201, asked.text
        path = f"/api/v1/teams/{team_id}/members/{caller.volunteer_id}/approve"
        assert client.post(path, headers=w[approver].headers).status_code == 200

    join(w.team_a.id, "other_volunteer", "lead")
    join(w.team_a.id, "volunteer", "lead")
    join(w.team_b.id, "volunteer")
    a2 = client.post(
        "/api/v1/teams", headers=w["org_admin"].headers,
        json={"district_id": w.district_a.id, "name": "Team A2"},
    )  # fmt: skip
    assert a2.status_code == 201, a2.text
    w.team_a2_id = a2.json()["id"]
    join(w.team_a2_id, "volunteer", "org_admin")
    return w


def hours(client, world, who, **params):
    return client.get(REPORT, headers=world[who].headers, params=DECEMBER | params)


def test_a_teams_report_counts_its_members_hours_wherever_served(client, teams_served):
    w = teams_served
    for who in ("lead", "coordinator", "org_admin", "admin"):
        body = ok(hours(client, w, who, team_id=w.team_a.id))
        assert (body["team_id"], body["organisation_id"]) == (w.team_a.id, None)
        assert (body["from"], body["to"]) == ("2026-12-01", "2026-12-31")
        assert [(m["name"], m["hours"], m["duties"]) for m in body["members"]] == [
            ("Chen Lead", 0.0, 0),
            ("Wang Li", 6.5, 2),
            ("张小明", 4.25, 2),  # 1 h of it at district B's station
        ]
        assert body["teams"] == [
            {"team_id": w.team_a.id, "name": "Team A", "district_id": w.district_a.id,
             "members": 3, "total_hours": 10.75, "duties": 4},
        ]  # fmt: skip
        assert (body["total_hours"], body["volunteers"]) == (10.75, 3)
    november = ok(hours(client, w, "lead", team_id=w.team_a.id, **{"from": "2026-11-30"}))
    assert november["total_hours"] == 12.75  # Wang's November duty too


def test_an_organisations_report_and_its_csv(client, teams_served):
    w = teams_served
    body = ok(hours(client, w, "org_admin", organisation_id=w.org_a.id))
    assert body["organisation_id"] == w.org_a.id
    assert [(m["team"], m["name"], m["hours"]) for m in body["members"]] == [
        ("Team A", "Chen Lead", 0.0),
        ("Team A", "Wang Li", 6.5),
        ("Team A", "张小明", 4.25),
        ("Team A2", "Wang Li", 6.5),
    ]
    assert [(t["name"], t["members"], t["total_hours"]) for t in body["teams"]] == [
        ("Team A", 3, 10.75),
        ("Team A2", 1, 6.5),
    ]
    # Wang Li is in both teams and counts once in all.
    assert (body["total_hours"], body["volunteers"]) == (10.75, 3)

    for response in (
        hours(client, w, "org_admin", organisation_id=w.org_a.id, format="csv"),
        client.get(
            REPORT,
            headers=w["org_admin"].headers | {"Accept": "text/csv"},
            params=DECEMBER | {"organisation_id": w.org_a.id},
        ),
    ):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert (
            f"hours-organisation-{w.org_a.id}-2026-12-01" in response.headers["content-disposition"]
        )
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["row"], r["team"], r["name"], r["hours"], r["duties"]) for r in rows] == [
            ("member", "Team A", "Chen Lead", "0.00", "0"),
            ("member", "Team A", "Wang Li", "6.50", "2"),
            ("member", "Team A", "张小明", "4.25", "2"),
            ("member", "Team A2", "Wang Li", "6.50", "2"),
            ("team_total", "Team A", "", "10.75", "4"),
            ("team_total", "Team A2", "", "6.50", "2"),
            ("organisation_total", "", "", "10.75", "4"),
        ]
    # The admin reads organisation B's: team B, its lead and Wang Li.
    b = ok(hours(client, w, "admin", organisation_id=w.org_b.id))
    assert [(m["name"], m["hours"]) for m in b["members"]] == [
        ("Team B Lead", 0.0),
        ("Wang Li", 6.5),
    ]
    # A coordinator sees the organisation's teams of their own districts only:
    # organisation B serves district B too, where it has no team.
    assert ok(hours(client, w, "other_coordinator", organisation_id=w.org_b.id))["teams"] == []
    assert len(ok(hours(client, w, "coordinator", organisation_id=w.org_b.id))["teams"]) == 1


def test_who_may_ask_for_which_report(client, teams_served):
    w = teams_served
    # A lead of team A: nothing of team B, no organisation's and no district's report.
    assert_problem(hours(client, w, "lead", team_id=w.team_b.id), 404)
    assert_problem(hours(client, w, "lead", organisation_id=w.org_a.id), 403)
    assert_problem(hours(client, w, "lead", district_id=w.district_a.id), 403)
    # Organisation A's admin: not organisation B's, nor its team, nor a district's.
    assert_problem(hours(client, w, "org_admin", organisation_id=w.org_b.id), 404)
    assert_problem(hours(client, w, "org_admin", team_id=w.team_b.id), 404)
    assert_problem(hours(client, w, "org_admin", district_id=w.district_a.id), 403)
    # A coordinator of district B: organisation A serves only A; team A is A's.
    assert_problem(hours(client, w, "other_coordinator", organisation_id=w.org_a.id), 404)
    assert_problem(hours(client, w, "other_coordinator", team_id=w.team_a.id), 404)
    # A member who does not lead: the team's report does not exist for them.
    assert_problem(hours(client, w, "volunteer", team_id=w.team_a.id), 404)
    assert_problem(hours(client, w, "volunteer", organisation_id=w.org_a.id), 403)
    assert_problem(client.get(REPORT, params=DECEMBER | {"team_id": w.team_a.id}), 401)
    assert_problem(hours(client, w, "admin", organisation_id=999999), 404)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"district_id": 1, "team_id": 1},
        {"organisation_id": 1, "team_id": 1},
        {"team_id": 0},
    ],
)
def test_exactly_one_subject_is_asked_for(client, team_world, params):
    body = assert_problem(hours(client, team_world, "admin", **params), 422)
    assert body["errors"]


def test_a_teams_report_checks_its_period_and_detail(client, team_world):
    w = team_world
    for bad in (
        {"from": "2026-12-31", "to": "2026-12-01"},
        {"from": "2025-01-01", "to": "2026-12-31"},  # longer than a year
        {"detail": "entries"},  # entries are a district's
    ):
        assert_problem(hours(client, w, "lead", team_id=w.team_a.id, **bad), 422)


def test_a_lead_reads_the_members_hours_of_the_team(client, teams_served):
    w = teams_served
    response = client.get(
        f"/api/v1/teams/{w.team_a.id}/hours", headers=w["lead"].headers, params=DECEMBER
    )
    body = ok(response)
    assert (body["team_id"], body["from"], body["to"]) == (w.team_a.id, "2026-12-01", "2026-12-31")
    assert [(m["name"], m["hours"], m["duties"]) for m in body["members"]] == [
        ("Chen Lead", 0.0, 0),
        ("Wang Li", 6.5, 2),
        ("张小明", 4.25, 2),
    ]
    assert body["total_hours"] == 10.75
    assert set(body["members"][0]) == {"volunteer_id", "name", "hours", "duties"}
