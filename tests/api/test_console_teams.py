"""The console's teams, organisations and a station's adoptions, through the real app
(TestClient) on SQLite and PostgreSQL, over the world of tests/api/conftest.py with its
teams (add_teams): organisation A (admin `org_admin`) serves district A; organisation B
serves A and B; teams A (of A) and B (of B) are both in district A; `lead` leads team A
and `other_volunteer` asks to join it. The browser journey is
tests/e2e/test_console_teams.py."""

import csv
import io
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.accounts.models import Account, Role
from app.organisations.models import Organisation
from app.teams.models import Adoption, Team, TeamMember
from app.volunteers.models import Volunteer
from tests.api.conftest import VOLUNTEER_PASSWORD
from tests.api.test_console import csrf, sign_in
from tests.api.test_duties import add_shift, assign, day_after_next_monday

SIGN_IN = {
    "coordinator": ("ca@example.org", "coord-pass"),
    "other_coordinator": ("cb@example.org", "coord-pass"),
    "admin": ("admin@example.org", "admin-pass"),
    "org_admin": ("oa@example.org", "org-pass"),
}
WEAK_BUT_NEW_PASSWORD = "password123"
GOOD_PASSWORD = "amber-falcon-trellis"


def as_role(client, world, role: str) -> None:
    if role in SIGN_IN:
        assert sign_in(client, *SIGN_IN[role]).status_code == 303
    elif role in ("volunteer", "lead"):
        client.cookies.set("uroster_session", world[role].token)


def token(client) -> str:
    return csrf(client.get("/console/teams").text)


def post(client, path: str, data: dict | list | None = None, **params):
    form: dict[str, list[str]] = {"csrf_token": [token(client)]}
    for name, value in (data or {}).items() if isinstance(data, dict) else data or []:
        form.setdefault(name, []).append(str(value))
    return client.post(path, data=form, params=params, follow_redirects=False)


def field_error(page: str, form: str, field: str) -> str:
    """The message next to a field (its id is `<form>-<field>-error`)."""
    found = re.search(rf'id="{form}-{field}-error">([^<]*)<', page)
    assert found, f"no error next to {form}-{field}"
    return found[1].strip()


# -- who sees what ------------------------------------------------------------------------

ROLES = [
    "anonymous",
    "volunteer",
    "lead",
    "coordinator",
    "other_coordinator",
    "org_admin",
    "admin",
]
PAGES = [
    "/console/teams",
    "/console/teams/{team_a}",
    "/console/teams/{team_b}",
    "/console/teams/{team_a}/hours.csv",
    "/console/organisations",
    "/console/organisations/{org_a}",
    "/console/organisations/{org_b}",
    "/console/organisations/{org_a}/hours.csv",
    "/console/stations/{station_a}",
]
# 303 to the sign-in form, 403 refused, 404 outside the caller's reach; an organisation's
# admin is sent from the list of organisations to its own (303 too, checked below).
EXPECTED = {
    "anonymous": [303, 303, 303, 303, 303, 303, 303, 303, 303],
    "volunteer": [403, 403, 403, 403, 403, 403, 403, 403, 403],
    "lead": [403, 403, 403, 403, 403, 403, 403, 403, 403],
    # A coordinator reaches their district's teams; an organisation is its admins'.
    "coordinator": [200, 200, 200, 200, 200, 403, 403, 403, 200],
    "other_coordinator": [200, 404, 404, 404, 200, 403, 403, 403, 404],
    "org_admin": [200, 200, 404, 200, 303, 200, 404, 200, 403],
    "admin": [200, 200, 200, 200, 200, 200, 200, 200, 200],
}


def paths(world) -> list[str]:
    ids = {
        "team_a": world.team_a.id,
        "team_b": world.team_b.id,
        "org_a": world.org_a.id,
        "org_b": world.org_b.id,
        "station_a": world.station_a.id,
    }
    return [page.format(**ids) for page in PAGES]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(client, team_world, role):
    as_role(client, team_world, role)
    for path, status in zip(paths(team_world), EXPECTED[role], strict=True):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == status, (path, response.text[:300])
        if status == 303 and role == "anonymous":
            assert response.headers["location"].startswith("/console/login?next=")
        elif status == 303:
            assert response.headers["location"] == f"/console/organisations/{team_world.org_a.id}"
        if status == 200 and not path.endswith(".csv"):
            assert "text/html" in response.headers["content-type"]


def test_a_lead_and_a_volunteer_are_refused_at_the_sign_in_form(client, session, team_world):
    client.get("/console/login", params={"lang": "en"})
    for caller in ("lead", "volunteer"):
        phone = session.get(Volunteer, team_world[caller].volunteer_id).phone
        response = sign_in(client, phone, VOLUNTEER_PASSWORD)
        assert response.status_code == 400
        assert "Volunteers sign in to the volunteer app, not the console." in response.text
        assert "uroster_session" not in response.headers.get("set-cookie", "")


def test_an_organisation_admin_signs_in_and_sees_only_their_organisation(client, team_world):
    w = team_world
    response = sign_in(client, *SIGN_IN["org_admin"])
    assert response.status_code == 303 and response.headers["location"] == "/console"
    home = client.get("/console", follow_redirects=False)
    assert home.headers["location"] == f"/console/organisations/{w.org_a.id}"
    page = client.get(home.headers["location"], params={"lang": "en"})
    assert page.status_code == 200
    assert "Luohu Youth Volunteers" in page.text and "Port Friends" not in page.text
    nav = re.search(r'<nav class="sections".*?</nav>', page.text, re.S)[0]
    assert re.findall(r">([^<]+)</a>", nav) == ["Organisation", "Teams"]
    teams = client.get("/console/teams").text
    assert "Team A" in teams and "Team B" not in teams
    assert 'id="district"' not in teams  # no filters: its own teams only
    # The districts' pages are the office's.
    for office_page in ("/console/stations", "/console/volunteers", "/console/hours"):
        refused = client.get(office_page)
        assert refused.status_code == 403, office_page
        assert "This page is for the district offices" in refused.text


def test_the_office_sees_teams_and_organisations_in_the_menu(client, team_world):
    sign_in(client, *SIGN_IN["coordinator"])
    page = client.get("/console/teams", params={"lang": "en"})
    nav = re.search(r'<nav class="sections".*?</nav>', page.text, re.S)[0]
    assert '<a href="/console/teams" aria-current="page">Teams</a>' in nav
    assert '<a href="/console/organisations" >Organisations</a>' in nav
    assert "Team A" in page.text and "Team B" in page.text
    other = client.get("/console/teams", params={"district": team_world.district_b.id})
    assert other.status_code == 404


def test_the_admin_filters_teams_by_organisation(client, team_world):
    sign_in(client, *SIGN_IN["admin"])
    page = client.get("/console/teams", params={"organisation": team_world.org_b.id}).text
    assert "Team B" in page and "Team A" not in page


# -- organisations --------------------------------------------------------------------------


def test_the_admin_creates_an_organisation_after_a_refused_try(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["admin"])
    data = [("code", "SZ VOL"), ("name", ""), ("contact_name", "王芳"),
            ("contact_phone", "12"), ("district_ids", w.district_a.id)]  # fmt: skip
    refused = post(client, "/console/organisations", data)
    assert refused.status_code == 400
    page = refused.text  # Chinese first
    assert field_error(page, "org", "code") == "请使用 1 到 40 个字母、数字、点、连字符或下划线。"
    assert field_error(page, "org", "name")
    assert "手机号" in field_error(page, "org", "contact_phone")
    assert 'value="SZ VOL"' in page and 'value="王芳"' in page  # kept
    assert re.search(rf'value="{w.district_a.id}" checked', page)
    assert session.scalar(select(Organisation).where(Organisation.name == "")) is None

    english = post(client, "/console/organisations", data, lang="en").text
    assert "The organisation was not created. Check the marked fields." in english
    assert field_error(english, "org", "code").startswith("Use 1 to 40 letters")

    good = [("code", "SZ-VOL"), ("name", "深圳志愿者联合会"), ("contact_name", "王芳"),
            ("contact_phone", "13812345678"), ("district_ids", w.district_a.id),
            ("district_ids", w.district_b.id)]  # fmt: skip
    created = post(client, "/console/organisations", good)
    assert created.status_code == 303
    organisation = session.scalar(select(Organisation).where(Organisation.code == "SZ-VOL"))
    assert created.headers["location"].startswith(f"/console/organisations/{organisation.id}")
    assert organisation.district_ids == sorted([w.district_a.id, w.district_b.id])
    assert organisation.contact_phone == "+8613812345678"

    again = post(client, "/console/organisations", good, lang="en")
    assert again.status_code == 400
    assert field_error(again.text, "org", "code") == "Another organisation already has this code."


def test_only_the_admin_creates_organisations_and_their_admins(client, session, team_world):
    w = team_world
    for role in ("coordinator", "org_admin"):
        client.cookies.clear()
        as_role(client, w, role)
        data = {"code": "X-1", "name": "X", "district_ids": w.district_a.id}
        assert post(client, "/console/organisations", data).status_code == 403
        admin = {"name": "Mallory", "email": "m@example.org", "password": GOOD_PASSWORD}
        response = post(client, f"/console/organisations/{w.org_a.id}/admins", admin)
        assert response.status_code == 403, role
    assert session.scalar(select(Account).where(Account.email == "m@example.org")) is None
    assert session.scalar(select(Organisation).where(Organisation.code == "X-1")) is None


def test_the_admin_adds_an_organisation_admin_who_then_signs_in(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["admin"])
    path = f"/console/organisations/{w.org_b.id}/admins"
    weak = {"name": "李强", "email": "not-an-email", "password": WEAK_BUT_NEW_PASSWORD}
    refused = post(client, path, weak, lang="en")
    assert refused.status_code == 400
    assert field_error(refused.text, "admin", "email") == "Enter a valid email address."
    assert WEAK_BUT_NEW_PASSWORD not in refused.text
    assert 'value="李强"' in refused.text
    good = {"name": "李强", "email": "li.qiang@example.org", "password": GOOD_PASSWORD}
    added = post(client, path, good)
    assert added.status_code == 303
    account = session.scalar(select(Account).where(Account.email == "li.qiang@example.org"))
    assert (account.role, account.organisation_id) == (Role.org_admin, w.org_b.id)
    page = client.get(added.headers["location"]).text
    assert "The organisation admin was added and can sign in now." in page
    assert "li.qiang@example.org" in page
    taken = post(client, path, good, lang="en")
    assert field_error(taken.text, "admin", "email") == "An account with this email exists already."

    client.cookies.clear()
    assert sign_in(client, "li.qiang@example.org", GOOD_PASSWORD).status_code == 303
    home = client.get("/console", follow_redirects=True)
    assert "Port Friends" in home.text


def test_an_organisation_admin_changes_its_contact_but_not_its_districts(
    client, session, team_world
):
    w = team_world
    sign_in(client, *SIGN_IN["org_admin"])
    path = f"/console/organisations/{w.org_a.id}"
    page = client.get(path).text
    assert 'name="district_ids"' not in page  # the admin's to change
    refused = post(client, path, {"name": " ", "contact_phone": "abc"}, lang="en")
    assert refused.status_code == 400
    assert field_error(refused.text, "edit", "name")
    assert field_error(refused.text, "edit", "contact_phone").startswith("Enter a mobile number")
    changed = {"name": "Luohu Youth Volunteers", "contact_name": "周敏",
               "contact_phone": "13900000000", "district_ids": w.district_b.id}  # fmt: skip
    assert post(client, path, changed).status_code == 303
    session.expire_all()
    organisation = session.get(Organisation, w.org_a.id)
    assert (organisation.contact_name, organisation.contact_phone) == ("周敏", "+8613900000000")
    assert organisation.district_ids == [w.district_a.id]  # unchanged
    other = post(client, f"/console/organisations/{w.org_b.id}", changed)
    assert other.status_code == 404


def test_the_organisations_hours_on_the_page_and_as_csv(client, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["org_admin"])
    path = f"/console/organisations/{w.org_a.id}"
    page = client.get(path, params={"from": "2026-01-01", "to": "2026-01-31", "lang": "en"})
    assert page.status_code == 200
    assert "Team A" in page.text and "Total hours:" in page.text
    link = re.search(r'href="([^"]+hours\.csv[^"]*)"', page.text)[1].replace("&amp;", "&")
    assert link == f"{path}/hours.csv?from=2026-01-01&to=2026-01-31"
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    # The API's report (GET /reports/hours?organisation_id=…&format=csv), the same rows.
    api = client.get(
        "/api/v1/reports/hours",
        headers=w["org_admin"].headers,
        params={"organisation_id": w.org_a.id, "from": "2026-01-01", "to": "2026-01-31",
                "format": "csv"},
    )  # fmt: skip
    assert api.status_code == 200 and download.text == api.text
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["row", "team_id", "team", "volunteer_id", "name", "hours", "duties"]
    # Team A's approved members (its lead; the one asking to join is not a member yet).
    team_a, lead = str(w.team_a.id), str(w["lead"].volunteer_id)
    assert rows[1:] == [
        ["member", team_a, "Team A", lead, "Chen Lead", "0.00", "0"],
        ["team_total", team_a, "Team A", "", "", "0.00", "0"],
        ["organisation_total", "", "", "", "", "0.00", "0"],
    ]

    bad = client.get(path, params={"from": "2026-02-30", "to": "2026-01-01", "lang": "en"})
    assert field_error(bad.text, "hours", "from") == "Enter a date such as 2026-05-01."
    backwards = client.get(
        f"{path}/hours.csv", params={"from": "2026-02-01", "to": "2026-01-01", "lang": "zh"}
    )
    assert backwards.status_code == 400 and "text/html" in backwards.headers["content-type"]
    assert field_error(backwards.text, "hours", "to") == "不能早于开始日期。"


# -- teams ----------------------------------------------------------------------------------


def test_a_coordinator_creates_a_team_after_refused_tries(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["coordinator"])
    empty = post(client, "/console/teams", {"name": "", "district_id": w.district_a.id})
    assert empty.status_code == 400
    assert field_error(empty.text, "team", "name") == "必填。"
    unserved = post(
        client, "/console/teams",
        {"name": "夜猫子", "district_id": w.district_a.id, "organisation_id": w.org_b.id},
        lang="en",
    )  # fmt: skip
    assert unserved.status_code == 303  # organisation B serves district A
    taken = post(
        client, "/console/teams", {"name": "夜猫子", "district_id": w.district_a.id}, lang="en"
    )
    assert field_error(taken.text, "team", "name") == (
        "The district has a team of this name already."
    )
    assert 'value="夜猫子"' in taken.text
    team = session.scalar(select(Team).where(Team.name == "夜猫子"))
    assert team.organisation_id == w.org_b.id
    elsewhere = post(client, "/console/teams", {"name": "X", "district_id": w.district_b.id})
    assert elsewhere.status_code == 404


def test_an_unserved_district_is_named_next_to_the_organisation(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["other_coordinator"])
    data = {"name": "边检", "district_id": w.district_b.id, "organisation_id": w.org_a.id}
    refused = post(client, "/console/teams", data, lang="en")
    assert refused.status_code == 400
    assert field_error(refused.text, "team", "organisation_id") == (
        "The organisation does not serve this district."
    )
    assert session.scalar(select(Team).where(Team.name == "边检")) is None


def test_an_organisation_admins_team_is_its_organisations(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["org_admin"])
    data = {"name": "青年突击队", "district_id": w.district_a.id, "organisation_id": w.org_b.id}
    assert post(client, "/console/teams", data).status_code == 303
    team = session.scalar(select(Team).where(Team.name == "青年突击队"))
    assert team.organisation_id == w.org_a.id  # its own, whatever the form says
    unserved = post(client, "/console/teams", {"name": "B", "district_id": w.district_b.id})
    assert unserved.status_code == 400
    assert field_error(unserved.text, "team", "district_id") == "该组织不服务此辖区。"


def test_approve_make_lead_and_remove(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["coordinator"])
    team = f"/console/teams/{w.team_a.id}"
    pending = w["other_volunteer"].volunteer_id
    page = client.get(team, params={"lang": "en"}).text
    assert "Asking to join" in page and "Chen Lead" in page
    # Each button names whom it is for (its accessible name): "Approve 张小明".
    assert re.search(r"Approve<span class=\"vh\"> 张小明</span>", page)
    assert re.search(r"Make lead<span class=\"vh\"> ", page) is None  # the lead only, so far

    approved = post(client, f"{team}/members/{pending}/approve")
    assert approved.status_code == 303
    member = session.get(TeamMember, (w.team_a.id, pending))
    session.refresh(member)
    assert member.status == "approved"
    after = client.get(approved.headers["location"]).text  # English: remembered
    assert "The member was approved." in after
    assert 'Make lead<span class="vh"> 张小明</span>' in after

    assert post(client, f"{team}/leads", {"volunteer_id": pending}).status_code == 303
    session.refresh(member)
    assert member.is_lead

    assert post(client, f"{team}/members/{pending}/remove").status_code == 303
    session.expire_all()
    assert session.get(TeamMember, (w.team_a.id, pending)) is None


def test_team_actions_outside_the_callers_reach_change_nothing(client, session, team_world):
    w = team_world
    pending = w["other_volunteer"].volunteer_id
    for role, team in (("org_admin", w.team_b), ("other_coordinator", w.team_a)):
        client.cookies.clear()
        as_role(client, w, role)
        path = f"/console/teams/{team.id}"
        assert post(client, f"{path}/members/{w.lead_b_id}/remove").status_code == 404
        assert post(client, f"{path}/members/{pending}/approve").status_code == 404
        assert post(client, f"{path}/leads", {"volunteer_id": pending}).status_code == 404
        assert post(client, f"{path}/message", {"subject": "Hi", "body": "x"}).status_code == 404
    session.expire_all()
    assert session.get(TeamMember, (w.team_b.id, w.lead_b_id)) is not None
    assert session.get(TeamMember, (w.team_a.id, pending)).status == "pending"


def test_posts_without_the_forms_token_are_refused(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["admin"])
    pending = w["other_volunteer"].volunteer_id
    team = f"/console/teams/{w.team_a.id}"
    station = f"/console/stations/{w.station_a.id}"
    forged = {"csrf_token": "forged", "name": "Forged", "code": "F-1", "volunteer_id": pending,
              "subject": "s", "body": "b", "team_id": w.team_a.id, "weekdays": "6",
              "start": "09:00", "end": "12:00", "seats": "1", "email": "f@example.org",
              "password": GOOD_PASSWORD, "district_id": w.district_a.id}  # fmt: skip
    for path in (
        "/console/organisations",
        f"/console/organisations/{w.org_a.id}",
        f"/console/organisations/{w.org_a.id}/admins",
        "/console/teams",
        f"{team}/members/{pending}/approve",
        f"{team}/members/{pending}/remove",
        f"{team}/leads",
        f"{team}/message",
        f"{station}/adoptions",
    ):
        response = client.post(path, data=forged, follow_redirects=False)
        assert response.status_code == 403, path
    session.expire_all()
    assert session.get(TeamMember, (w.team_a.id, pending)).status == "pending"
    assert session.scalar(select(Team).where(Team.name == "Forged")) is None
    assert session.scalar(select(Adoption)) is None


def test_a_message_to_the_team(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["org_admin"])
    path = f"/console/teams/{w.team_a.id}/message"
    refused = post(client, path, {"subject": "", "body": "周六集合"})
    assert refused.status_code == 400
    assert field_error(refused.text, "message", "subject") == "必填。"
    assert "周六集合" in refused.text  # kept
    sent = post(client, path, {"subject": "周六集合", "body": "八点半在罗湖口岸集合。"})
    assert sent.status_code == 303
    client.get("/console/teams", params={"lang": "en"})  # remembered
    page = client.get(sent.headers["location"])
    assert "The message was sent. Recipients: 1." in page.text  # the lead; not the pending one


def test_the_team_page_shows_hours_and_the_weeks_duties(client, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["coordinator"])
    path = f"/console/teams/{w.team_a.id}"
    page = client.get(path, params={"lang": "en"}).text
    assert "Members' duties this week" in page
    assert "No duties of the team's members this week." in page
    assert "Total hours:" in page and f'href="{path}/hours.csv?from=' in page
    bad = client.get(path, params={"from": "2026-01-01", "to": "2028-01-01", "lang": "en"})
    assert bad.status_code == 200
    assert field_error(bad.text, "hours", "to") == "A period is at most a year long."
    csv_text = client.get(f"{path}/hours.csv", params={"from": "2026-01-01"}).text
    assert csv_text.splitlines()[1].startswith(f"member,{w.team_a.id},Team A,")


# -- a station's adoptions ------------------------------------------------------------------


def test_a_coordinator_adds_and_removes_an_adoption(client, session, team_world):
    w = team_world
    sign_in(client, *SIGN_IN["coordinator"])
    station = f"/console/stations/{w.station_a.id}"
    page = client.get(station, params={"lang": "en"}).text
    assert "Adoptions" in page and "No team adopts seats here yet." in page
    assert "Team A" in page and "Team B" in page  # the district's teams to choose from

    bad = {"team_id": "", "start": "9", "end": "12:00", "seats": "0"}
    refused = post(client, f"{station}/adoptions", bad, lang="zh")
    assert refused.status_code == 400
    assert field_error(refused.text, "adoption", "team_id") == "请从列表中选择队伍。"
    assert field_error(refused.text, "adoption", "weekdays")
    assert field_error(refused.text, "adoption", "start") == "请输入时间，例如 09:00。"
    assert field_error(refused.text, "adoption", "seats")
    assert 'value="9"' in refused.text  # kept
    assert session.scalar(select(Adoption)) is None

    data = [("team_id", w.team_a.id), ("weekdays", 6), ("weekdays", 7),
            ("start", "09:00"), ("end", "12:00"), ("seats", 2)]  # fmt: skip
    added = post(client, f"{station}/adoptions", data)
    assert added.status_code == 303 and added.headers["location"].endswith("#adoptions")
    adoption = session.scalar(select(Adoption))
    assert (adoption.team_id, adoption.weekdays, adoption.start, adoption.end, adoption.seats) == (
        w.team_a.id, [6, 7], "09:00", "12:00", 2,
    )  # fmt: skip
    page = client.get(station, params={"lang": "en"}).text
    assert "Remove adoption Team A Sat, Sun 09:00–12:00" in page
    team_page = client.get(f"/console/teams/{w.team_a.id}", params={"lang": "en"}).text
    assert "Luohu U-station" in team_page and "Sat, Sun" in team_page

    client.cookies.clear()
    as_role(client, w, "other_coordinator")
    assert post(client, f"{station}/adoptions/{adoption.id}/remove").status_code == 404
    client.cookies.clear()
    as_role(client, w, "org_admin")
    assert post(client, f"{station}/adoptions/{adoption.id}/remove").status_code == 403
    assert post(client, f"{station}/adoptions", data).status_code == 403
    client.cookies.clear()
    as_role(client, w, "coordinator")
    assert post(client, f"{station}/adoptions/{adoption.id}/remove").status_code == 303
    session.expire_all()
    assert session.scalar(select(Adoption)) is None


def test_the_team_page_lists_the_members_duties_this_week_in_station_time(
    client, session, team_world
):
    w = team_world
    local = ZoneInfo("Asia/Shanghai")
    today = datetime.now(local).date()
    ten = datetime.combine(today, time(10), tzinfo=local)
    shift = add_shift(session, w.station_a, ten)
    assign(session, shift, w["lead"].volunteer_id)
    assign(session, shift, w["volunteer"].volunteer_id)  # not a member: not shown
    sign_in(client, *SIGN_IN["org_admin"])
    page = client.get(f"/console/teams/{w.team_a.id}", params={"lang": "en"}).text
    duties = re.search(r'id="duties".*?</section>', page, re.S)[0]
    weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][today.weekday()]
    assert f"{today.isoformat()} {weekday}" in duties and "10:00–14:00" in duties
    assert "Luohu U-station" in duties and "Chen Lead" in duties
    assert "Wang Li" not in duties


def test_the_hours_csv_is_safe_to_open_in_a_spreadsheet(client, session, team_world):
    w = team_world
    session.get(Volunteer, w["lead"].volunteer_id).name = "=HYPERLINK(1)"
    session.commit()
    sign_in(client, *SIGN_IN["coordinator"])
    download = client.get(f"/console/teams/{w.team_a.id}/hours.csv", params={"from": "2026-01-01"})
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[1][4] == "'=HYPERLINK(1)"


def test_a_coordinator_lists_organisations_without_their_pages(client, team_world):
    sign_in(client, *SIGN_IN["coordinator"])
    page = client.get("/console/organisations").text
    assert "Luohu Youth Volunteers" in page and "Port Friends" in page
    assert "/console/organisations/" not in page
    assert 'action="/console/organisations"' not in page  # no form for a new one


def test_the_team_page_lists_its_adopted_seats_still_open(client, session, team_world):
    w = team_world
    monday_nine = day_after_next_monday(0, 9)  # in the week after next: still reserved
    add_shift(session, w.station_a, monday_nine, max_volunteers=3)
    session.add(
        Adoption(team_id=w.team_a.id, station_id=w.station_a.id, weekdays=[1], start="08:00",
                 end="12:00", seats=2)
    )  # fmt: skip
    session.commit()
    sign_in(client, *SIGN_IN["coordinator"])
    page = client.get(f"/console/teams/{w.team_a.id}", params={"lang": "en"}).text
    section = re.search(r'id="open-seats".*?</section>', page, re.S)[0]
    assert f"{monday_nine.date().isoformat()} Mon" in section and "09:00–13:00" in section
    assert "Luohu U-station" in section and "2 / 2" in section
    assert "Kept for members until" in section
    other = client.get(f"/console/teams/{w.team_b.id}", params={"lang": "en"}).text
    assert "No adopted seat is waiting for a member." in other
