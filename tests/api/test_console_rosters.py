"""The console's rosters pages over HTTP (TestClient), on SQLite and PostgreSQL: roles
and scope, the request form, the progress endpoint, the grid with its open seats,
reasons and candidates, manual edits with the validator's refusal, publish, repair,
export. The browser journey is tests/e2e/test_console_rosters.py."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.rosters.models import Roster
from app.volunteers.models import Volunteer
from tests.api.conftest import register_volunteer
from tests.api.test_console import csrf, sign_in
from tests.servers import station_today

_AHEAD = station_today() + timedelta(weeks=2)  # a week ahead: repair refills only future shifts
WEEK = f"{_AHEAD.isocalendar().year}-W{_AHEAD.isocalendar().week:02d}"


@pytest.fixture
def district(client, session, world):
    """Station A-1, Mon-Fri 09:00-13:00 for 3 people (lang:en x1): 15 seats, and at
    most 11 can be filled by Wang Li (lang:en), 张小明 and Chen Jie (one shift a week)."""
    client.post(
        f"/api/v1/stations/{world.station_a.id}/shift-templates",
        headers=world["coordinator"].headers,
        json={"weekdays": [1, 2, 3, 4, 5], "start": "09:00", "end": "13:00",
              "min_volunteers": 3, "max_volunteers": 3,
              "skill_requirements": [{"skill": "lang:en", "count": 1}], "priority": 3},
    ).raise_for_status()  # fmt: skip
    register_volunteer(
        session, "Chen Jie", "13900000100", world.district_a.id, max_shifts_per_week=1
    )
    session.commit()
    return world


def page_csrf(client, path: str) -> str:
    return csrf(client.get(path).text)


def request_roster(client, time_limit="5", **extra):
    token = page_csrf(client, "/console/rosters")
    data = {"district": extra.pop("district_id", None), "week": WEEK, "time_limit": time_limit}
    return client.post(
        "/console/rosters",
        data={k: v for k, v in data.items() if v is not None} | {"csrf_token": token} | extra,
        follow_redirects=False,
    )


@pytest.fixture
def solved(client, run_jobs, district) -> int:
    """A draft roster of WEEK, solved through the console's form."""
    sign_in(client)
    response = request_roster(client, district_id=str(district.district_a.id))
    assert response.status_code == 303, response.text
    roster_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert run_jobs() == [roster_id]
    return roster_id


def open_shift_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="shift" value="(\d+)"', page)]


def test_every_page_answers_each_role_as_the_api_does(client, session, solved, district):
    pages = [
        "/console/rosters",
        f"/console/rosters?district={district.district_a.id}&week={WEEK}",
        f"/console/rosters/{solved}",
        f"/console/rosters/{solved}/progress",
        f"/console/rosters/{solved}/export.csv",
    ]
    client.cookies.clear()
    for path in pages:
        anonymous = client.get(path, follow_redirects=False)
        assert anonymous.status_code == 303 and "/console/login" in anonymous.headers["location"]
    client.cookies.set("uroster_session", district["volunteer"].token)
    assert {client.get(path).status_code for path in pages} == {403}
    client.cookies.clear()
    sign_in(client, "cb@example.org")  # the other district's coordinator
    assert client.get("/console/rosters").status_code == 200
    assert {client.get(path).status_code for path in pages[1:]} == {404}
    client.cookies.clear()
    sign_in(client, "admin@example.org", "admin-pass")
    assert {client.get(path).status_code for path in pages} == {200}
    client.cookies.clear()
    sign_in(client)
    assert {client.get(path).status_code for path in pages} == {200}


def test_requesting_a_roster_leads_to_its_page_which_follows_the_solve(
    client, session, run_jobs, district
):
    sign_in(client)
    page = client.get("/console/rosters", params={"lang": "en"})
    assert 'for="time_limit">Time limit (seconds)' in page.text
    assert ">Request roster</button>" in page.text

    response = request_roster(client, district_id=str(district.district_a.id))

    assert response.status_code == 303
    roster = session.get(Roster, int(response.headers["location"].rsplit("/", 1)[1]))
    assert roster.week == WEEK and roster.time_limit_seconds == 5
    running = client.get(response.headers["location"])
    assert 'id="progress"' in running.text and "/static/web/rosters.js" in running.text
    assert ">Publish</button>" not in running.text
    progress = client.get(f"/console/rosters/{roster.id}/progress").json()
    assert progress["running"] is True and progress["status"] == "queued"
    assert progress["stats"]["seats_required"] == 15

    run_jobs()

    done = client.get(f"/console/rosters/{roster.id}/progress").json()
    assert done["running"] is False and done["status"] == "draft"
    assert done["stats"]["seats_filled"] == 11
    page = client.get(f"/console/rosters/{roster.id}")
    assert ">Publish</button>" in page.text and 'id="progress"' not in page.text
    assert "Export CSV" in page.text
    listing = client.get(f"/console/rosters?district={district.district_a.id}&week={WEEK}")
    assert f'href="/console/rosters/{roster.id}"' in listing.text and "73 %" in listing.text


def test_show_lists_another_week_without_requesting(client, session, district):
    sign_in(client)
    response = request_roster(client, district_id=str(district.district_a.id), action="show")
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/console/rosters?district={district.district_a.id}&week={WEEK}"
    )
    assert session.query(Roster).count() == 0


@pytest.mark.parametrize("time_limit", ["soon", "0", "601"])
def test_a_bad_time_limit_is_refused_next_to_the_field(client, session, district, time_limit):
    sign_in(client)
    client.get("/console/rosters", params={"lang": "en"})
    response = request_roster(client, time_limit, district_id=str(district.district_a.id))
    assert response.status_code == 400
    assert "Enter a number of seconds above 0 and at most 600." in response.text
    assert f'value="{time_limit}"' in response.text
    assert 'aria-invalid="true" aria-describedby="time-limit-error"' in response.text
    assert session.query(Roster).count() == 0


def test_another_districts_roster_cannot_be_requested(client, session, district):
    sign_in(client)
    response = request_roster(client, district_id=str(district.district_b.id))
    assert response.status_code == 404 and session.query(Roster).count() == 0


def test_an_open_seat_shows_the_solvers_reasons_and_the_nearest_candidates(
    client, solved, district
):
    client.get("/console/rosters", params={"lang": "en"})
    page = client.get(f"/console/rosters/{solved}")
    assert re.search(r'aria-label="Open seat A-1 (Mon|Tue|Wed|Thu|Fri) 09:00"', page.text)
    unfilled = client.get(
        f"/api/v1/rosters/{solved}/unfilled", headers=district["coordinator"].headers
    ).json()
    assert sorted(open_shift_ids(page.text)) == sorted(u["shift_id"] for u in unfilled)
    seat = unfilled[0]

    panel = client.get(f"/console/rosters/{solved}", params={"shift": seat["shift_id"]})

    text = html.unescape(panel.text)
    assert 'id="shift-panel"' in text
    assert all(reason in text for reason in seat["reasons"])
    # Chen Jie already works his one shift of the week elsewhere (or this one).
    assert "Chen Jie" in text and "at the weekly shift limit" in text
    assert 'aria-expanded="true"' in text


def test_a_manual_addition_is_checked_by_the_validator(client, session, solved, district):
    client.get("/console/rosters", params={"lang": "en"})
    page = client.get(f"/console/rosters/{solved}")
    chen = session.scalar(select(Volunteer.id).where(Volunteer.name == "Chen Jie"))
    assignments = client.get(
        f"/api/v1/rosters/{solved}/assignments", headers=district["coordinator"].headers
    ).json()
    his = {a["shift_id"] for a in assignments if a["volunteer_id"] == chen}
    shift_id = next(s for s in open_shift_ids(page.text) if s not in his)
    token = csrf(page.text)

    refused = client.post(
        f"/console/rosters/{solved}/assignments",
        data={"shift_id": shift_id, "volunteer_id": chen, "csrf_token": token},
    )

    assert refused.status_code == 409
    assert "breaks the hard rule weekly_shifts" in refused.text
    assert 'aria-invalid="true" aria-describedby="add-error"' in refused.text
    assert f'<option value="{chen}" selected>' in refused.text
    in_chinese = client.post(
        f"/console/rosters/{solved}/assignments?lang=zh",
        data={"shift_id": shift_id, "volunteer_id": chen, "csrf_token": token},
    )
    assert in_chinese.status_code == 409
    assert "这项安排违反了硬性规则：已达每周班次上限。" in in_chinese.text
    assert "weekly_shifts" not in in_chinese.text.split('id="add-error"')[1].split("</p>")[0]
    client.get(f"/console/rosters/{solved}?lang=en")
    nobody = client.post(
        f"/console/rosters/{solved}/assignments",
        data={"shift_id": shift_id, "csrf_token": token},
    )
    assert nobody.status_code == 400 and "Choose a volunteer." in nobody.text

    # Removing his one shift frees him; then the addition goes through.
    mine = next(a for a in assignments if a["volunteer_id"] == chen)
    removed = client.post(
        f"/console/rosters/{solved}/assignments/{mine['id']}/remove",
        data={"shift_id": mine["shift_id"], "csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    added = client.post(
        f"/console/rosters/{solved}/assignments",
        data={"shift_id": shift_id, "volunteer_id": chen, "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"/console/rosters/{solved}?shift={shift_id}#shift-panel"
    after = client.get(
        f"/api/v1/rosters/{solved}/assignments", headers=district["coordinator"].headers
    ).json()
    live = {
        (a["volunteer_id"], a["shift_id"], a["source"]) for a in after if a["status"] == "scheduled"
    }
    assert (chen, shift_id, "manual") in live and (chen, mine["shift_id"], "solver") not in live


def test_publish_repair_and_the_changed_volunteers(client, session, run_jobs, solved, district):
    client.get("/console/rosters", params={"lang": "en"})
    page = client.get(f"/console/rosters/{solved}")
    token = csrf(page.text)
    published = client.post(
        f"/console/rosters/{solved}/publish", data={"csrf_token": token}, follow_redirects=False
    )
    assert published.status_code == 303
    page = client.get(f"/console/rosters/{solved}")
    assert ">Repair</button>" in page.text and ">Publish</button>" not in page.text
    again = client.post(f"/console/rosters/{solved}/publish", data={"csrf_token": token})
    assert again.status_code == 409  # a published roster is not published twice

    # Chen Jie is taken off his one shift; the repair gives him another open one.
    coordinator = district["coordinator"].headers
    assignments = client.get(f"/api/v1/rosters/{solved}/assignments", headers=coordinator).json()
    chen = session.scalar(select(Volunteer.id).where(Volunteer.name == "Chen Jie"))
    gone = next(a for a in assignments if a["volunteer_id"] == chen)
    client.post(
        f"/console/rosters/{solved}/assignments/{gone['id']}/remove",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    repair = client.post(
        f"/console/rosters/{solved}/repair", data={"csrf_token": token}, follow_redirects=False
    )
    assert repair.status_code == 303
    assert 'id="progress"' in client.get(f"/console/rosters/{solved}").text
    assert run_jobs() == [solved]
    page = client.get(f"/console/rosters/{solved}")
    changed = session.get(Roster, solved).changed_volunteer_ids
    assert changed == [chen]
    assert page.text.count("(changed by the repair)") == 1
    assert "the last repair changed: 1." in page.text


def test_the_csv_is_the_apis(client, solved, district):
    page = client.get(f"/console/rosters/{solved}/export.csv")
    api = client.get(
        f"/api/v1/rosters/{solved}/export.csv", headers=district["coordinator"].headers
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/csv")
    assert page.text == api.text and page.text.startswith("assignment_id,")


def test_posts_without_the_forms_token_are_refused(client, session, solved, district):
    assignments = client.get(
        f"/api/v1/rosters/{solved}/assignments", headers=district["coordinator"].headers
    ).json()
    posts = [
        ("/console/rosters", {"district": district.district_a.id, "week": WEEK}),
        (f"/console/rosters/{solved}/publish", {}),
        (f"/console/rosters/{solved}/repair", {}),
        (f"/console/rosters/{solved}/assignments", {"shift_id": 1, "volunteer_id": 1}),
        (f"/console/rosters/{solved}/assignments/{assignments[0]['id']}/remove", {}),
    ]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data=data | {"csrf_token": "forged"}).status_code == 403, path
    roster = session.get(Roster, solved)
    assert roster.status == "draft" and session.query(Roster).count() == 1


def test_a_draft_shows_what_it_changes_against_the_published_roster(client, session, solved):
    from app.rosters.models import Assignment

    published = session.get(Roster, solved)
    published.status = "published"
    live = session.scalars(select(Assignment).where(Assignment.roster_id == solved)).all()
    draft = Roster(
        district_id=published.district_id, week=published.week, status="draft",
        time_limit_seconds=1, stats=published.stats, job_status="done",
    )  # fmt: skip
    session.add(draft)
    session.flush()
    dropped, kept = live[0], live[1:]
    taken = {(a.volunteer_id, a.shift_id) for a in live}
    new = next(
        (v, s)
        for v in {a.volunteer_id for a in live}
        for s in sorted({a.shift_id for a in live})
        if (v, s) not in taken
    )
    for volunteer_id, shift_id in [*((a.volunteer_id, a.shift_id) for a in kept), new]:
        session.add(Assignment(roster_id=draft.id, shift_id=shift_id, volunteer_id=volunteer_id))
    session.commit()
    names = dict(session.execute(select(Volunteer.id, Volunteer.name)).all())

    page = client.get(f"/console/rosters/{draft.id}", params={"lang": "en"}).text

    section = page[page.index("Changes against the published roster") :]
    section = section[: section.index("</section>")]
    assert "New duties (1)" in section and "Duties it drops (1)" in section
    added, gone = section.split("Duties it drops (1)")
    assert html.escape(names[new[0]]) in added
    assert html.escape(names[dropped.volunteer_id]) in gone
    published_page = client.get(f"/console/rosters/{solved}").text
    assert "Changes against the published roster" not in published_page
