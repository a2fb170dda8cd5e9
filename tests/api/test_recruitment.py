"""GET /rosters/{id}/recruitment: whom to recruit to fill a roster's open seats.

The district: station A-1 and A-2 a few minutes apart, A-3 far from both. Saturday
08:00-12:00 at A-1 needs four (one with lang:en), Saturday 13:00-17:00 at A-2 three,
Sunday 09:00-13:00 at A-3 three (one with lang:yue). The world's two volunteers of
district A can be everywhere, so four seats stay open: two at A-1, one at A-2, the
Cantonese seat at A-3.
"""

import csv
import io
import re
import time

import pytest

from app.rosters import recruitment
from app.stations.models import Station
from tests.api.conftest import STRONG_PASSWORD, assert_problem
from tests.api.test_console import sign_in
from tests.api.test_console_map import MAP, map_data
from tests.api.test_rosters import WEEK, request

RECRUITMENT = "/api/v1/rosters/{id}/recruitment"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test's database starts from the same ids: advice kept from another test's
    roster of the same id and inputs would be right, but a test must find its own."""
    recruitment._cache.clear()
    yield
    recruitment._cache.clear()


def template(client, headers, station_id, weekday, start, end, people, skills=()):
    client.post(
        f"/api/v1/stations/{station_id}/shift-templates",
        headers=headers,
        json={
            "weekdays": [weekday],
            "start": start,
            "end": end,
            "min_volunteers": people,
            "max_volunteers": people,
            "skill_requirements": [{"skill": k, "count": 1} for k in skills],
            "priority": 3,
        },  # fmt: skip
    ).raise_for_status()


@pytest.fixture
def short_district(client, session, world):
    a1 = world.station_a
    a2 = Station(
        district_id=world.district_a.id, code="A-2", name="Dongmen U-station", kind="community",
        address="3 Dongmen Rd", lat=22.55, lon=114.12, timezone="Asia/Shanghai",
    )  # fmt: skip
    a3 = Station(
        district_id=world.district_a.id, code="A-3", name="Shatoujiao Port", kind="port",
        address="4 Shatoujiao Rd", lat=22.60, lon=114.25, timezone="Asia/Shanghai",
    )  # fmt: skip
    session.add_all([a2, a3])
    session.commit()
    coordinator = world["coordinator"].headers
    template(client, coordinator, a1.id, 6, "08:00", "12:00", 4, ["lang:en"])
    template(client, coordinator, a2.id, 6, "13:00", "17:00", 3)
    template(client, coordinator, a3.id, 7, "09:00", "13:00", 3, ["lang:yue"])
    world.stations = {"A-1": a1, "A-2": a2, "A-3": a3}
    return world


def solved_roster(client, run_jobs, world) -> int:
    roster = request(client, world["coordinator"].headers, world.district_a.id).json()
    assert run_jobs() == [roster["id"]]
    return roster["id"]


def missing_seats(client, headers, roster_id) -> int:
    unfilled = client.get(f"/api/v1/rosters/{roster_id}/unfilled", headers=headers).json()
    return sum(max(u["missing"], sum(u["missing_skills"].values())) for u in unfilled)


def test_the_advice_names_profiles_that_fill_the_open_seats(client, run_jobs, short_district):
    w = short_district
    coordinator = w["coordinator"].headers
    roster_id = solved_roster(client, run_jobs, w)
    response = client.get(RECRUITMENT.format(id=roster_id), headers=coordinator)
    assert response.status_code == 200, response.text
    advice = response.json()
    assert advice["open_seats"] == missing_seats(client, coordinator, roster_id) == 4
    assert advice["seats_filled"] == 4
    # One recruit takes Saturday at A-1 and then A-2 (minutes apart), one more A-1's
    # other seat, and a Cantonese speaker near A-3 the Sunday seat: three, no fewer.
    assert advice["volunteers_needed"] == 3
    assert advice["solver_status"] == "OPTIMAL"
    profiles = advice["profiles"]
    assert sum(p["volunteers_needed"] for p in profiles) == 3
    assert sum(p["seats_filled"] for p in profiles) == 4
    sunday = [p for p in profiles if p["weekday"] == 7]
    assert len(sunday) == 1
    assert sunday[0] | {"skills": sorted(sunday[0]["skills"])} == {
        "skills": ["lang:yue"], "weekday": 7, "start": "09:00", "end": "13:00",
        "ends_next_day": False, "near_station_id": w.stations["A-3"].id,
        "near_station_code": "A-3", "near_station_name": "Shatoujiao Port",
        "volunteers_needed": 1, "seats_filled": 1,
    }  # fmt: skip
    saturday = [p for p in profiles if p["weekday"] == 6]
    assert {p["near_station_code"] for p in saturday} <= {"A-1", "A-2"}
    assert any(p["start"] == "08:00" and p["end"] == "17:00" for p in saturday)
    assert all(p["skills"] == [] for p in saturday)  # the lang:en seat is held already


def test_volunteers_recruited_as_advised_fill_the_promised_seats(client, run_jobs, short_district):
    """The honesty of the advice through the API: register one volunteer per advised
    recruit (home at the station, the profile's skills and hours), solve again, and
    the promised seats are filled."""
    w = short_district
    coordinator = w["coordinator"].headers
    roster_id = solved_roster(client, run_jobs, w)
    advice = client.get(RECRUITMENT.format(id=roster_id), headers=coordinator).json()
    before = missing_seats(client, coordinator, roster_id)
    stations = {s.id: s for s in w.stations.values()}
    for i, profile in enumerate(advice["profiles"]):
        home = stations[profile["near_station_id"]]
        for n in range(profile["volunteers_needed"]):
            created = client.post(
                "/api/v1/volunteers",
                json={
                    "name": f"Recruit {i}-{n}",
                    "phone": f"1370000{i:02d}{n:02d}",
                    "password": STRONG_PASSWORD,
                    "skills": profile["skills"],
                    "home": {"lat": home.lat, "lon": home.lon},
                    "district_id": w.district_a.id,
                    "accept_privacy_notice": True,
                },  # fmt: skip
            )
            assert created.status_code == 201, created.text
            client.put(
                f"/api/v1/volunteers/{created.json()['id']}/availability",
                headers=coordinator,
                json={"weekly": windows(profile)},
            ).raise_for_status()
    again = solved_roster(client, run_jobs, w)
    after = missing_seats(client, coordinator, again)
    assert before - after >= advice["seats_filled"] == 4
    assert after == 0
    nothing_left = client.get(RECRUITMENT.format(id=again), headers=coordinator).json()
    assert nothing_left["open_seats"] == 0 and nothing_left["profiles"] == []


def windows(profile: dict) -> list[dict]:
    """The profile's hours as weekly windows (two when they run past midnight)."""
    if not profile["ends_next_day"]:
        return [{"weekday": profile["weekday"], "start": profile["start"], "end": profile["end"]}]
    return [
        {"weekday": profile["weekday"], "start": profile["start"], "end": "24:00"},
        {"weekday": profile["weekday"] % 7 + 1, "start": "00:00", "end": profile["end"]},
    ]


def test_the_advice_is_kept_per_roster_version(client, run_jobs, short_district, monkeypatch):
    """A second read of an unchanged roster does not search again; a removed duty
    changes the roster, and the next read advises on the new one."""
    w = short_district
    coordinator = w["coordinator"].headers
    roster_id = solved_roster(client, run_jobs, w)
    searches = []
    advise = recruitment.solver.advise
    monkeypatch.setattr(
        recruitment.solver, "advise", lambda *a, **k: searches.append(1) or advise(*a, **k)
    )
    first = client.get(RECRUITMENT.format(id=roster_id), headers=coordinator).json()
    second = client.get(RECRUITMENT.format(id=roster_id), headers=coordinator).json()
    assert first == second and len(searches) == 1
    duties = client.get(f"/api/v1/rosters/{roster_id}/assignments", headers=coordinator).json()
    client.delete(
        f"/api/v1/rosters/{roster_id}/assignments/{duties[0]['id']}", headers=coordinator
    ).raise_for_status()
    third = client.get(RECRUITMENT.format(id=roster_id), headers=coordinator).json()
    assert len(searches) == 2
    assert third["open_seats"] == first["open_seats"] + 1
    assert third["seats_filled"] == first["seats_filled"] + 1


def test_csv_for_a_recruitment_drive(client, run_jobs, short_district):
    w = short_district
    coordinator = w["coordinator"].headers
    roster_id = solved_roster(client, run_jobs, w)
    advice = client.get(RECRUITMENT.format(id=roster_id), headers=coordinator).json()
    response = client.get(
        RECRUITMENT.format(id=roster_id), headers=coordinator, params={"format": "csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(advice["profiles"])
    for row, profile in zip(rows, advice["profiles"], strict=True):
        assert row["weekday"] == str(profile["weekday"])
        assert (row["start"], row["end"]) == (profile["start"], profile["end"])
        assert row["skills"] == ";".join(profile["skills"])
        assert row["near_station_code"] == profile["near_station_code"]
        assert int(row["volunteers_needed"]) == profile["volunteers_needed"]
        assert int(row["seats_filled"]) == profile["seats_filled"]
    bad = client.get(RECRUITMENT.format(id=roster_id), headers=coordinator, params={"format": "x"})
    assert_problem(bad, 422)


def test_a_station_name_like_a_formula_is_text_in_the_csv(
    client, session, run_jobs, short_district
):
    w = short_district
    w.stations["A-3"].name = "=HYPERLINK(1)"
    session.commit()
    roster_id = solved_roster(client, run_jobs, w)
    response = client.get(
        RECRUITMENT.format(id=roster_id),
        headers=w["coordinator"].headers,
        params={"format": "csv"},
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert "'=HYPERLINK(1)" in {r["near_station_name"] for r in rows}


def test_no_advice_before_the_roster_is_solved(client, run_jobs, short_district):
    w = short_district
    coordinator = w["coordinator"].headers
    queued = request(client, coordinator, w.district_a.id).json()
    body = assert_problem(client.get(RECRUITMENT.format(id=queued["id"]), headers=coordinator), 409)
    assert "queued" in body["detail"]
    run_jobs()
    assert client.get(RECRUITMENT.format(id=queued["id"]), headers=coordinator).status_code == 200


def test_a_failed_roster_has_no_advice(client, session, short_district):
    from app.rosters.models import Roster

    failed = Roster(
        district_id=short_district.district_a.id, week=WEEK, status="failed", time_limit_seconds=1
    )
    session.add(failed)
    session.commit()
    headers = short_district["coordinator"].headers
    assert_problem(client.get(RECRUITMENT.format(id=failed.id), headers=headers), 409)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("volunteer", 403),
        ("other_volunteer", 403),
        ("coordinator", 200),
        ("other_coordinator", 404),
        ("admin", 200),
    ],
)
def test_who_may_read_the_advice(client, run_jobs, short_district, role, status):
    w = short_district
    roster_id = solved_roster(client, run_jobs, w)
    for params in ({}, {"format": "csv"}):
        response = client.get(RECRUITMENT.format(id=roster_id), headers=w[role].headers,
                              params=params)  # fmt: skip
        assert response.status_code == status, response.text
        if status >= 400:
            assert_problem(response, status)
            # Nothing of the roster's district shows to those outside it.
            assert "A-1" not in response.text and "Shatoujiao" not in response.text
    unknown = client.get(RECRUITMENT.format(id=roster_id + 1000), headers=w[role].headers)
    assert unknown.status_code == (status if status >= 400 else 404)


# -- the console: the roster page's section, its CSV, the map's "where to recruit" -----


def test_the_roster_page_tells_the_advice_in_sentences(client, run_jobs, short_district):
    w = short_district
    roster_id = solved_roster(client, run_jobs, w)
    sign_in(client)
    # The page never waits for the advice, kept or not: its script fetches the section,
    # which is 202 while the search it starts runs, then 200 with the advice.
    first = client.get(f"/console/rosters/{roster_id}", params={"lang": "en"})
    assert first.status_code == 200
    assert "Loading the recruitment advice…" in first.text
    assert f'data-url="/console/rosters/{roster_id}/recruitment"' in first.text
    fragment = client.get(f"/console/rosters/{roster_id}/recruitment", params={"lang": "en"})
    assert fragment.status_code == 202
    assert "Working out whom to recruit: this takes up to 10 seconds." in fragment.text
    for _ in range(300):
        if fragment.status_code != 202:
            break
        time.sleep(0.1)
        fragment = client.get(f"/console/rosters/{roster_id}/recruitment", params={"lang": "en"})
    assert fragment.status_code == 200, fragment.text
    assert "data-url" not in re.search(r'<section class="card recruitment"[^>]*>', fragment.text)[0]
    assert fragment.headers["cache-control"] == "no-store"
    page = client.get(f"/console/rosters/{roster_id}", params={"lang": "en"})
    assert "Loading the recruitment advice…" in page.text
    page = client.get(f"/console/rosters/{roster_id}/recruitment", params={"lang": "en"})
    assert page.status_code == 200, page.text  # kept: at once
    section = re.search(r'<section class="card recruitment".*?</section>', page.text, re.S)[0]
    assert "Recruiting 3 volunteers as below fills 4 of the 4 open seats." in section
    assert (
        "1 volunteer with lang:yue, Sundays 09:00–13:00, within 15 min of A-3 Shatoujiao Port "
        "fills 1 of the 4 open seats." in section
    )
    assert section.count("<li>") == len(
        client.get(RECRUITMENT.format(id=roster_id), headers=w["coordinator"].headers).json()[
            "profiles"
        ]
    )
    assert f'href="/console/rosters/{roster_id}/recruitment.csv"' in section
    assert f'href="/console/map?roster={roster_id}"' in section
    chinese = client.get(f"/console/rosters/{roster_id}/recruitment", params={"lang": "zh"}).text
    assert "按下列条件招募 3 名志愿者，可填补 4 个空缺中的 4 个。" in chinese
    assert "1 名具备 lang:yue 技能的志愿者（每周日 09:00–13:00" in chinese
    csv_page = client.get(f"/console/rosters/{roster_id}/recruitment.csv")
    assert csv_page.status_code == 200 and csv_page.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(csv_page.text)))) == section.count("<li>")


def test_a_roster_without_a_solution_shows_no_section(client, run_jobs, short_district):
    w = short_district
    queued = request(client, w["coordinator"].headers, w.district_a.id).json()
    sign_in(client)
    page = client.get(f"/console/rosters/{queued['id']}", params={"lang": "en"})
    assert page.status_code == 200 and 'id="recruitment"' not in page.text
    assert client.get(f"/console/rosters/{queued['id']}/recruitment.csv").status_code == 409
    assert client.get(f"/console/rosters/{queued['id']}/recruitment").status_code == 409


def test_the_map_marks_where_to_recruit(client, run_jobs, short_district):
    w = short_district
    roster_id = solved_roster(client, run_jobs, w)
    sign_in(client)
    plain = client.get(MAP, params={"lang": "en"})
    assert map_data(plain.text)["recruit"] == [] and "Where to recruit</h2>" not in plain.text
    assert f'<option value="{roster_id}"' in plain.text  # the roster to choose
    page = client.get(MAP, params={"lang": "en", "roster": roster_id})
    assert page.status_code == 200, page.text
    marks = {m["code"]: m for m in map_data(page.text)["recruit"]}
    assert set(marks) <= {"A-1", "A-2", "A-3"} and "A-3" in marks
    assert sum(m["volunteers"] for m in marks.values()) == 3
    assert sum(m["seats"] for m in marks.values()) == 4
    assert marks["A-3"]["label"] == "A-3 · to recruit: 1 · seats they fill: 1"
    assert "Recruiting 3 volunteers as below fills 4 of the 4 open seats." in page.text


def test_the_console_advice_for_every_role(client, run_jobs, short_district):
    w = short_district
    roster_id = solved_roster(client, run_jobs, w)
    paths = [
        f"/console/rosters/{roster_id}/recruitment.csv",
        f"{MAP}?roster={roster_id}",
        f"/console/rosters/{roster_id}/recruitment",
    ]
    for path in paths:  # anonymous: to the sign-in page
        response = client.get(path, follow_redirects=False)
        assert response.headers["location"].startswith("/console/login")
    for role in ("volunteer", "other_volunteer"):
        client.cookies.set("uroster_session", w[role].token)
        assert [client.get(p, follow_redirects=False).status_code for p in paths] == [403] * 3
        client.cookies.clear()
    sign_in(client, "cb@example.org")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404 and "A-3" not in response.text
    client.cookies.clear()
    sign_in(client, "admin@example.org", "admin-pass")
    # The section: the CSV and the map searched already, so the advice is kept.
    assert [client.get(p).status_code for p in paths] == [200, 200, 200]


def test_advice_cut_short_by_the_time_limit_does_not_claim_that_no_one_could_help():
    """A weekday's search that found nothing in time says so, instead of "no recruit
    could fill" (which only a finished search may say); a next-day end is named."""
    from app.web.rosters import recruitment_panel

    def advice(status: str, profiles: list) -> recruitment.RecruitmentRead:
        return recruitment.RecruitmentRead(
            roster_id=1, open_seats=5, volunteers_needed=sum(p.volunteers_needed for p in profiles),
            seats_filled=sum(p.seats_filled for p in profiles), profiles=profiles,
            circle_minutes=15, solver_status=status, solve_seconds=10.0,
        )  # fmt: skip

    night = recruitment.ProfileRead(
        skills=["lang:en"], weekday=6, start="22:00", end="06:00", ends_next_day=True,
        near_station_id=1, near_station_code="P-1", near_station_name="Port",
        volunteers_needed=2, seats_filled=2,
    )  # fmt: skip
    same = lambda text: text  # noqa: E731  (English: the messages are English already)
    assert (
        "found no advice for the 5 open seats within its time limit"
        in (recruitment_panel(advice("UNKNOWN", []), same)["summary"])
    )
    assert "No recruit" in recruitment_panel(advice("OPTIMAL", []), same)["summary"]
    cut = recruitment_panel(advice("UNKNOWN", [night]), same)
    assert not cut["complete"] and cut["sentences"] == [
        "2 volunteers with lang:en, Saturdays 22:00–06:00 the next day, within 15 min of "
        "P-1 Port fill 2 of the 5 open seats."
    ]
    assert recruitment_panel(advice("FEASIBLE", [night]), same)["complete"]


def test_the_maps_roster_choice_takes_none_and_refuses_junk(client, run_jobs, short_district):
    solved_roster(client, run_jobs, short_district)
    sign_in(client)
    none = client.get(MAP, params={"lang": "en", "roster": ""})
    assert none.status_code == 200 and map_data(none.text)["recruit"] == []
    for junk in ("x", "-1", "1" * 40):
        assert client.get(MAP, params={"roster": junk}).status_code == 404


def test_a_night_profile_runs_into_the_next_day_and_keeps_its_promise(client, run_jobs, world):
    """A night shift's open seat: the profile ends the next morning, and a volunteer
    available Saturday 22:00-24:00 and Sunday 00:00-06:00 (how the availability form
    says it) fills it on a new solve."""
    coordinator = world["coordinator"].headers
    client.post(
        f"/api/v1/stations/{world.station_a.id}/shift-templates",
        headers=coordinator,
        json={"weekdays": [6], "start": "22:00", "end": "06:00", "overnight": True,
              "min_volunteers": 3, "max_volunteers": 3, "skill_requirements": [],
              "priority": 3},
    ).raise_for_status()  # fmt: skip
    roster_id = solved_roster(client, run_jobs, world)
    advice = client.get(RECRUITMENT.format(id=roster_id), headers=coordinator).json()
    assert advice["open_seats"] == 1
    [profile] = advice["profiles"]
    assert (profile["weekday"], profile["start"], profile["end"]) == (6, "22:00", "06:00")
    assert profile["ends_next_day"] and profile["volunteers_needed"] == 1
    created = client.post(
        "/api/v1/volunteers",
        json={"name": "Night Owl", "phone": "13700009999", "password": STRONG_PASSWORD,
              "home": {"lat": world.station_a.lat, "lon": world.station_a.lon},
              "district_id": world.district_a.id, "accept_privacy_notice": True},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    client.put(
        f"/api/v1/volunteers/{created.json()['id']}/availability",
        headers=coordinator,
        json={"weekly": windows(profile)},
    ).raise_for_status()
    again = solved_roster(client, run_jobs, world)
    assert missing_seats(client, coordinator, again) == 0
    sign_in(client)
    text = client.get(f"/console/rosters/{roster_id}/recruitment.csv").text
    assert "22:00,06:00,True" in text
