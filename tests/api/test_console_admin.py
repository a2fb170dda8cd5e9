"""The console's administration (/console/admin): admins only; districts and
coordinators created, moved between districts, deactivated and reactivated through
the same services and rules as the API.

Through the real app over HTTP (TestClient), on SQLite and PostgreSQL.
"""

import re

import pytest

from app.accounts.models import Account
from tests.api.conftest import STRONG_PASSWORD
from tests.api.test_console import csrf, sign_in

ADMIN = "/console/admin"
NEW = "/console/admin/coordinators/new"


def as_admin(client):
    sign_in(client, "admin@example.org", "admin-pass")


def post(client, path: str, form_page: str, **data):
    token = csrf(client.get(form_page).text)
    return client.post(
        path, data={"csrf_token": token} | data, params={"lang": "en"}, follow_redirects=False
    )


def coordinator_row(page_text: str, name: str) -> str:
    return re.search(rf"<tr>\s*<th scope=\"row\">{name}</th>.*?</tr>", page_text, re.S)[0]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 303), ("volunteer", 403), ("coordinator", 403), ("admin", 200)],
)
def test_only_admins_open_the_administration(client, world, who, status):
    if who == "admin":
        as_admin(client)
    elif who == "coordinator":
        sign_in(client)
    elif who == "volunteer":
        client.cookies.set("uroster_session", world["volunteer"].token)

    for path in (ADMIN, NEW, f"/console/admin/coordinators/{world['coordinator'].account.id}"):
        response = client.get(path, params={"lang": "en"}, follow_redirects=False)
        assert response.status_code == status, path
        if status == 303:
            assert response.headers["location"].startswith("/console/login?next=")
        if who == "coordinator":
            assert "Only an administrator manages districts and coordinators." in response.text


def test_the_overview_lists_districts_and_coordinators(client, world):
    as_admin(client)

    page = client.get(ADMIN, params={"lang": "en"})

    assert page.status_code == 200
    assert "District A" in page.text and "District B" in page.text
    row = coordinator_row(page.text, "Coord A")
    assert "ca@example.org" in row and "District A" in row and "Active" in row
    assert ">Deactivate</button>" in row
    assert 'href="/console/admin/coordinators/new"' in page.text
    assert '<a href="/console/admin"' in page.text  # the section in the navigation
    coordinator_page = client.get("/console")
    assert '<a href="/console/admin"' in coordinator_page.text
    client.cookies.clear()
    sign_in(client)
    assert '<a href="/console/admin"' not in client.get("/console").text  # admins only


def test_an_admin_creates_a_district(client, session, world):
    as_admin(client)

    created = post(client, f"{ADMIN}/districts", ADMIN, code="LH", name="罗湖区")
    duplicate = post(client, f"{ADMIN}/districts", ADMIN, code="LH", name="Another")
    invalid = post(client, f"{ADMIN}/districts", ADMIN, code="no spaces", name=" ")

    assert created.status_code == 303 and created.headers["location"].endswith("district-created")
    assert "罗湖区" in client.get(created.headers["location"]).text
    assert duplicate.status_code == 409
    assert 'id="district-code-error">A district with this code exists already.' in duplicate.text
    assert 'value="Another"' in duplicate.text
    assert invalid.status_code == 422
    assert 'aria-describedby="district-code-error"' in invalid.text
    assert 'id="district-name-error"' in invalid.text


def test_an_admin_creates_a_coordinator_who_can_sign_in(client, world):
    as_admin(client)

    response = post(
        client, NEW, NEW, email="li.na@example.org", name="Li Na", password=STRONG_PASSWORD,
        district_ids=[world.district_a.id, world.district_b.id],
    )  # fmt: skip

    assert response.status_code == 303, response.text
    row = coordinator_row(client.get(ADMIN).text, "Li Na")
    assert "District A, District B" in row
    client.cookies.clear()
    assert sign_in(client, "li.na@example.org", STRONG_PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "short"}, "password", "The password needs at least 12 characters."),
        ({"password": "password1234"}, "password", "This password is too easy to guess."),
        ({"password": "li.na@example.org1"}, "password", "This password is too easy to guess."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": "ca@example.org"}, "email", "An account with this email exists already."),
        ({"name": " "}, "name", "Enter a name with at least one visible character."),
        ({"district_ids": [99999]}, "district_ids", "Choose districts from the list."),
    ],
)
def test_a_refused_coordinator_says_why_next_to_the_field(client, world, fields, field, message):
    as_admin(client)
    data = {"email": "li.na@example.org", "name": "Li Na", "password": STRONG_PASSWORD} | fields

    response = post(client, NEW, NEW, **data)

    assert response.status_code in (409, 422)
    assert f'id="{field}-error">{message}' in response.text
    if field != "district_ids":
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', response.text)
    assert 'aria-describedby="password-error password-rules"' in response.text or (
        field != "password"
    )
    assert "At least 12 characters and not easy to guess" in response.text  # the rule, always
    assert data["password"] not in response.text.replace(data["email"], "")  # never echoed
    if field != "email":
        assert f'value="{data["email"]}"' in response.text  # kept as typed


def test_an_admin_changes_a_coordinators_districts(client, session, world):
    as_admin(client)
    coordinator = world["coordinator"].account
    path = f"/console/admin/coordinators/{coordinator.id}"

    moved = post(client, path, path, district_ids=[world.district_b.id])
    unknown = post(client, path, path, district_ids=[world.district_b.id, 99999])

    assert moved.status_code == 303
    assert "District B" in coordinator_row(client.get(ADMIN).text, "Coord A")
    assert unknown.status_code == 422
    assert 'id="district_ids-error">Choose districts from the list.' in unknown.text
    session.expire_all()
    assert session.get(Account, coordinator.id).district_ids == [world.district_b.id]
    other = client.get("/console/admin/coordinators/99999")
    assert other.status_code == 404
    admin_id = world["admin"].account.id
    assert client.get(f"/console/admin/coordinators/{admin_id}").status_code == 404


def test_deactivating_a_coordinator_ends_their_sessions_and_reactivating_allows_sign_in(
    client, world
):
    coordinator = world["coordinator"]
    as_admin(client)
    path = f"/console/admin/coordinators/{coordinator.account.id}"

    off = post(client, f"{path}/deactivate", ADMIN)

    assert off.status_code == 303
    row = coordinator_row(client.get(ADMIN, params={"lang": "en"}).text, "Coord A")
    assert "Inactive" in row and ">Reactivate</button>" in row
    api = client.get("/api/v1/auth/me", headers=coordinator.headers)
    assert api.status_code == 401
    assert post(client, f"{path}/reactivate", ADMIN).status_code == 303
    client.cookies.clear()
    assert sign_in(client).status_code == 303


def test_posts_need_an_admin_and_the_forms_token(client, world):
    coordinator = world["coordinator"].account
    sign_in(client)  # a coordinator
    token = csrf(client.get("/console").text)
    for path, data in (
        (f"{ADMIN}/districts", {"code": "X", "name": "X"}),
        (NEW, {"email": "x@example.org", "name": "X", "password": STRONG_PASSWORD}),
        (f"/console/admin/coordinators/{coordinator.id}/deactivate", {}),
    ):
        response = client.post(path, data={"csrf_token": token} | data, follow_redirects=False)
        assert response.status_code == 403
    client.cookies.clear()
    as_admin(client)
    forged = client.post(
        f"/console/admin/coordinators/{coordinator.id}/deactivate",
        data={"csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "Active" in coordinator_row(client.get(ADMIN, params={"lang": "en"}).text, "Coord A")


def test_the_chinese_page(client, world):
    as_admin(client)
    page = client.get(ADMIN, params={"lang": "zh"})
    for words in ("系统管理", "辖区", "协调员", "新建协调员", "停用", "创建辖区"):
        assert words in page.text
