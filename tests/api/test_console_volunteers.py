"""The console's volunteer pages: the table with its search and filters, one volunteer
(week grid, duties, hours, invitation code), and the CSV import with its preview.

Through the real app over HTTP (TestClient), on SQLite and PostgreSQL; the browser
journey is in tests/e2e/test_console_volunteers.py.
"""

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.hours.models import ServiceHours
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.settings import get_settings
from app.shifts.models import Shift
from app.volunteers.models import AvailabilityWindow, Volunteer
from tests.api.test_console import csrf, sign_in

SIGN_IN = {
    "coordinator": ("ca@example.org", "coord-pass"),
    "other_coordinator": ("cb@example.org", "coord-pass"),
    "admin": ("admin@example.org", "admin-pass"),
}
IMPORT = "/console/volunteers/import"
GOOD = "name,phone,skills,district_code\n陈杰,13900000011,lang:yue,A\n"
ONE_BAD = GOOD + "Li Na,12,first_aid,A\nZhou,13900000013,,Z\n"


def as_role(client, world, role: str) -> None:
    if role in SIGN_IN:
        assert sign_in(client, *SIGN_IN[role]).status_code == 303
    elif role == "volunteer":
        client.cookies.set("uroster_session", world["volunteer"].token)


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Volunteer))


def post_import(client, action: str, text: str | None = None, **fields):
    page = client.get(IMPORT, params={"lang": "en"})
    files = {"file": ("list.csv", text.encode(), "text/csv")} if text is not None else None
    data = {"csrf_token": csrf(page.text), "action": action} | fields
    return client.post(IMPORT, data=data, files=files, follow_redirects=False)


# -- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 303),
        ("volunteer", 403),
        ("coordinator", 200),
        ("other_coordinator", 404),
        ("admin", 200),
    ],
)
def test_who_may_open_the_volunteer_pages(client, world, role, expected):
    as_role(client, world, role)
    wang = world["volunteer"].volunteer_id
    # The list and the import are open to every coordinator; the volunteer's own page
    # and a district filter only within their districts.
    for path, status in [
        ("/console/volunteers", 200 if expected == 404 else expected),
        (IMPORT, 200 if expected == 404 else expected),
        (f"/console/volunteers/{wang}", expected),
        (f"/console/volunteers?district={world.district_a.id}", expected),
    ]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == status, path
        if status == 303:
            assert response.headers["location"].startswith("/console/login?next=")


def test_unknown_or_malformed_ids_are_404_pages(client, world):
    as_role(client, world, "admin")
    for path in ("/console/volunteers/999999", "/console/volunteers/abc", "/console/volunteers/0"):
        response = client.get(path)
        assert response.status_code == 404 and "<h1>" in response.text


# -- the table ------------------------------------------------------------------------------


def test_the_table_lists_the_callers_districts_with_this_months_hours(client, session, world):
    wang = session.get(Volunteer, world["volunteer"].volunteer_id)
    outsider = Volunteer(name="Outsider", phone="+8613900000099", district_id=world.district_b.id)
    session.add(outsider)
    credit_hours(session, world, wang, hours=3.5)
    as_role(client, world, "coordinator")

    page = client.get("/console/volunteers", params={"lang": "en"})

    assert page.status_code == 200
    assert "Wang Li" in page.text and "张小明" in page.text and "Outsider" not in page.text
    assert "+8613800000001" in page.text and "lang:en" in page.text
    row = re.search(r"Wang Li</a>.*?</tr>", page.text, re.S)[0]
    assert "District A" in row and "Serving" in row and ">3.5<" in row
    for name in ("Search", "District", "Skill", "Status"):
        assert f">{name}</label>" in page.text
    assert 'href="/console/volunteers/import">Import CSV</a>' in page.text


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"q": "wang"}, ["Wang Li"]),
        ({"q": "138 0000 0002"}, ["张小明"]),
        ({"q": "小明"}, ["张小明"]),
        ({"q": "100%_"}, []),
        ({"skill": "lang:en"}, ["Wang Li"]),
        ({"status": "inactive"}, []),
        ({"status": "nonsense"}, ["Wang Li", "张小明"]),
        ({"page": "x"}, ["Wang Li", "张小明"]),
    ],
)
def test_search_and_filters(client, world, params, names):
    as_role(client, world, "coordinator")
    page = client.get("/console/volunteers", params=params)
    assert page.status_code == 200
    assert re.findall(r'<a href="/console/volunteers/\d+">([^<]+)</a>', page.text) == names


def test_the_table_is_paginated(client, session, world):
    district = world.district_a.id
    session.add_all(
        Volunteer(name=f"Vol {n:02d}", phone=f"+86139000001{n:02d}", district_id=district)
        for n in range(55)
    )
    session.commit()
    as_role(client, world, "coordinator")
    first = client.get("/console/volunteers", params={"lang": "en", "q": "vol"})
    assert first.text.count('<a href="/console/volunteers/') == 50
    assert "Page 1 of 2" in first.text and 'rel="next"' in first.text
    second = client.get("/console/volunteers", params={"q": "vol", "page": "2"})
    assert second.text.count('<a href="/console/volunteers/') == 5 and "Vol 54" in second.text


# -- one volunteer --------------------------------------------------------------------------


def test_a_volunteers_page_shows_the_week_grid_limits_duties_and_hours(client, session, world):
    wang = session.get(Volunteer, world["volunteer"].volunteer_id)
    wang.availability_mode = "windows"
    wang.max_hours_per_week = 8
    wang.weekly = [
        AvailabilityWindow(weekday=1, start="09:00", end="13:00", preference="preferred"),
        AvailabilityWindow(weekday=6, start="08:30", end="10:00", preference="available"),
    ]
    credit_hours(session, world, wang, hours=2.0)
    upcoming(session, world, wang)
    as_role(client, world, "coordinator")

    page = client.get(f"/console/volunteers/{wang.id}", params={"lang": "en"})

    assert page.status_code == 200
    rows = re.findall(r'<tr>\s*<th scope="row">(\w+)</th>(.*?)</tr>', page.text, re.S)
    grid = {day: re.findall(r'class="slot ?(\w*)"', cells) for day, cells in rows}
    assert list(grid) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert [h for h, cell in enumerate(grid["Mon"]) if cell] == [9, 10, 11, 12]
    assert set(grid["Mon"][9:13]) == {"preferred"}
    assert [h for h, cell in enumerate(grid["Sat"]) if cell] == [8, 9]
    assert grid["Sat"][8] == "available" and not any(grid["Tue"])
    assert "Mon 09:00–13:00 (preferred)" in page.text
    assert "Hours per week</dt><dd>8 h<" in page.text
    assert "Luohu U-station" in page.text  # the upcoming duty and the served one
    assert "2.0 h in all" in page.text
    assert "Create invitation code" not in page.text  # registered: has an account


def test_any_time_is_said_plainly(client, session, world):
    as_role(client, world, "coordinator")
    page = client.get(
        f"/console/volunteers/{world['volunteer'].volunteer_id}", params={"lang": "en"}
    )
    assert "Available at any time" in page.text and "week-grid" not in page.text


def test_an_invitation_code_is_shown_once(client, session, world):
    imported = Volunteer(name="Chen Jie", phone="+8613900000077", district_id=world.district_a.id)
    session.add(imported)
    session.flush()
    as_role(client, world, "coordinator")
    path = f"/console/volunteers/{imported.id}"
    page = client.get(path, params={"lang": "en"})
    assert "Imported, no account yet" in page.text and "Create invitation code" in page.text

    refused = client.post(path, data={"csrf_token": "forged"})
    assert refused.status_code == 403
    session.refresh(imported)
    assert imported.invitation_hash is None

    response = client.post(path, data={"csrf_token": csrf(page.text)})
    assert response.status_code == 200
    code = re.search(r'id="invitation-code"[^>]*value="([^"]+)"', response.text)[1]
    assert response.headers["cache-control"] == "no-store"
    again = client.get(path, params={"lang": "en"})
    assert code not in again.text and "valid until" in again.text
    # the volunteer claims the record with it
    claimed = client.post(
        "/api/v1/volunteers",
        json={"name": "Chen Jie", "phone": "13900000077", "password": "copper-heron-meadow",
              "accept_privacy_notice": True, "invitation_code": code},
    )  # fmt: skip
    assert claimed.status_code == 201 and claimed.json()["id"] == imported.id
    late = client.post(path, data={"csrf_token": csrf(again.text)})
    assert late.status_code == 409 and "already has an account" in late.text


def test_another_districts_coordinator_cannot_invite(client, session, world):
    imported = Volunteer(name="Chen Jie", phone="+8613900000077", district_id=world.district_a.id)
    session.add(imported)
    session.flush()
    as_role(client, world, "other_coordinator")
    page = client.get("/console/volunteers")
    response = client.post(
        f"/console/volunteers/{imported.id}", data={"csrf_token": csrf(page.text)}
    )
    assert response.status_code == 404
    session.refresh(imported)
    assert imported.invitation_hash is None


# -- the CSV import -------------------------------------------------------------------------


def test_the_import_page_has_its_field_and_button(client, world):
    as_role(client, world, "coordinator")
    page = client.get(IMPORT, params={"lang": "en"})
    assert '<label for="file">CSV file</label>' in page.text
    assert ">Check file</button>" in page.text and ">Import</button>" not in page.text


def test_checking_a_file_stores_nothing_and_shows_rows_and_errors(client, session, world):
    as_role(client, world, "coordinator")
    before = count(session)

    response = post_import(client, "check", ONE_BAD)

    assert response.status_code == 200
    assert count(session) == before
    errors = re.search(r"<caption>Row errors</caption>.*?</table>", response.text, re.S)[0]
    assert re.findall(r">(?:Line|Field|Message)<", errors) == [">Line<", ">Field<", ">Message<"]
    lines = re.findall(r'<td class="num">(\d+)</td>\s*<td>(?:<code>)?([\w–]+)', errors)
    assert lines == [("3", "phone"), ("4", "district_code")]
    rows = re.search(r"<caption>Rows to import</caption>.*?</table>", response.text, re.S)[0]
    assert "陈杰" in rows and "Create" in rows and "Li Na" not in rows
    assert "To create: 1. To update: 0. Lines with errors: 2." in response.text
    assert ">Import</button>" in response.text and ">Good rows only</button>" in response.text
    # The checked file rides along, so that Import needs no second choice of the file.
    checked = re.search(r'name="checked" value="([^"]+)"', response.text)[1]
    assert base64.b64decode(checked).decode() == ONE_BAD


def test_row_errors_are_said_in_chinese_on_the_chinese_page(client, session, world):
    as_role(client, world, "coordinator")
    client.get(IMPORT, params={"lang": "zh"})  # the page's language is remembered
    page = client.get(IMPORT)
    data = {"csrf_token": csrf(page.text), "action": "check"}
    files = {"file": ("list.csv", ONE_BAD.encode(), "text/csv")}

    response = client.post(IMPORT, data=data, files=files)

    rows = re.findall(r"<td><code>(\w+)</code></td>\s*<td>([^<]*)</td>", response.text)
    assert [field for field, _ in rows] == ["phone", "district_code"]
    assert rows[1][1] == "你负责的辖区中没有 &#39;Z&#39;。"
    assert re.search(r"[\u4e00-\u9fff]", rows[0][1]) and "e.g." not in rows[0][1]


def test_import_is_all_or_nothing(client, session, world):
    as_role(client, world, "coordinator")
    checked = base64.b64encode(ONE_BAD.encode()).decode()
    before = count(session)

    refused = post_import(client, "import", checked=checked, filename="list.csv")

    assert refused.status_code == 422 and count(session) == before
    assert "Nothing was imported because of the row errors below" in refused.text
    assert "(lines with errors: 2)" in refused.text
    assert "<caption>Row errors</caption>" in refused.text

    partial = post_import(client, "partial", checked=checked, filename="list.csv")
    assert partial.status_code == 303
    assert partial.headers["location"] == "/console/volunteers?created=1&updated=0&skipped=2"
    assert count(session) == before + 1
    listed = client.get(partial.headers["location"] + "&lang=en")
    assert "Import done: 1 created, 0 updated." in listed.text and "陈杰" in listed.text


def test_a_good_file_is_imported_and_updates_by_phone(client, session, world):
    as_role(client, world, "coordinator")
    text = GOOD + "Wang Li-Na,+86 13800000001,,A\n"
    checked = post_import(client, "check", text)
    assert "To create: 1. To update: 1. Lines with errors: 0." in checked.text
    assert ">Good rows only</button>" not in checked.text
    value = re.search(r'name="checked" value="([^"]+)"', checked.text)[1]

    done = post_import(client, "import", checked=value)

    assert done.headers["location"] == "/console/volunteers?created=1&updated=1&skipped=0"
    assert session.get(Volunteer, world["volunteer"].volunteer_id).name == "Wang Li-Na"


def test_a_file_chosen_again_wins_over_the_checked_one(client, session, world):
    as_role(client, world, "coordinator")
    stale = base64.b64encode(ONE_BAD.encode()).decode()
    done = post_import(client, "import", GOOD, checked=stale)
    assert done.status_code == 303 and "created=1" in done.headers["location"]


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setenv("UROSTER_IMPORT_MAX_BYTES", "200")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "Choose a CSV file."),
        ("nom,telephone\nx,1\n", "The first line must be the header"),
        ("name,phone\n" + "x" * 300, "The file is larger than the limit of 200 bytes."),
    ],
)
def test_file_problems_are_named_next_to_the_field(client, world, small_limit, text, message):
    as_role(client, world, "coordinator")
    response = post_import(client, "check", text)
    assert response.status_code == 400
    field = re.search(r'<input id="file"[^>]*>', response.text)[0]
    assert 'aria-invalid="true"' in field and "file-error" in field
    assert re.search(r'id="file-error"\s*>([^<]*)<', response.text)[1].startswith(message)
    assert 'name="checked"' not in response.text


def test_a_forged_checked_file_is_checked_again(client, session, world):
    """The hidden copy comes back from the browser: it is only ever input, never trusted."""
    as_role(client, world, "coordinator")
    other_district = "name,phone,district_code\nX,13900000055,B\n"
    forged = base64.b64encode(other_district.encode()).decode()
    response = post_import(client, "import", checked=forged)
    assert response.status_code == 422 and "no district &#39;B&#39; among yours" in response.text
    assert post_import(client, "import", checked="%%%not base64").status_code == 400


def test_import_posts_without_the_forms_token_are_refused(client, session, world):
    as_role(client, world, "coordinator")
    before = count(session)
    response = client.post(
        IMPORT,
        data={"action": "import"},
        files={"file": ("list.csv", GOOD.encode(), "text/csv")},
    )
    assert response.status_code == 403 and count(session) == before


def test_a_volunteer_cannot_import(client, session, world):
    as_role(client, world, "volunteer")
    response = client.post(
        IMPORT, data={"action": "import"}, files={"file": ("list.csv", GOOD.encode())}
    )
    assert response.status_code == 403


def test_the_api_and_the_preview_share_the_dry_run(session, world):
    """importer.import_csv(dry_run=True) counts what import would do and writes nothing."""
    import io

    from app.volunteers import importer

    account = world["coordinator"].account
    before = count(session)
    result = importer.import_csv(
        session, account, io.BytesIO(ONE_BAD.encode()), partial=True, dry_run=True
    )
    assert (result.created, result.updated, len(result.errors)) == (1, 0, 2)
    assert count(session) == before


# -- helpers --------------------------------------------------------------------------------


def _duty(session, world, volunteer, starts_at: datetime, status: str) -> Assignment:
    roster = Roster(
        district_id=world.district_a.id, week="2026-W01", status=RosterStatus.published,
        time_limit_seconds=5,
    )  # fmt: skip
    shift = Shift(
        station_id=world.station_a.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=4),
        min_volunteers=1, max_volunteers=2, skill_requirements=[], priority=3,
    )  # fmt: skip
    session.add_all([roster, shift])
    session.flush()
    assignment = Assignment(
        roster_id=roster.id, shift_id=shift.id, volunteer_id=volunteer.id, status=status
    )
    session.add(assignment)
    session.flush()
    return assignment


def credit_hours(session, world, volunteer, hours: float) -> None:
    """Verified hours on a duty that started an hour ago (this month, unless the month
    began within the hour)."""
    start = datetime.now(UTC) - timedelta(hours=1)
    assignment = _duty(session, world, volunteer, start, AssignmentStatus.completed)
    session.add(
        ServiceHours(
            assignment_id=assignment.id, volunteer_id=volunteer.id,
            station_id=world.station_a.id, check_in_at=start,
            check_out_at=start + timedelta(hours=hours), hours=hours, source="kiosk",
        )
    )  # fmt: skip
    session.flush()


def upcoming(session, world, volunteer) -> None:
    _duty(session, world, volunteer, datetime.now(UTC) + timedelta(days=2), "scheduled")


def test_the_console_nav_leads_to_the_volunteers(client, world):
    as_role(client, world, "coordinator")
    for path in ("/console", "/console/volunteers", IMPORT):
        page = client.get(path, params={"lang": "en"})
        link = re.search(r'<a href="/console/volunteers"[^>]*>Volunteers</a>', page.text)
        assert link is not None, path
        assert ("aria-current" in link[0]) == (path != "/console")
