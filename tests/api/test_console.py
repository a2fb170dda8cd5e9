"""The console's front door: sign-in, the session cookie, CSRF, language, scope.

Through the real app over HTTP (TestClient), on SQLite and PostgreSQL; the browser
journeys are in tests/e2e/test_console_pages.py.
"""

import re

import pytest

from app.accounts.models import AccessToken
from tests.api.conftest import VOLUNTEER_PASSWORD

LOGIN = "/console/login"


def csrf(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text)[1]


def sign_in(client, username="ca@example.org", password="coord-pass", **extra):
    form = client.get(LOGIN)
    data = {"username": username, "password": password, "csrf_token": csrf(form.text)} | extra
    return client.post(LOGIN, data=data, follow_redirects=False)


def test_a_coordinator_signs_in_and_sees_their_district_only(client, world):
    response = sign_in(client)

    assert response.status_code == 303 and response.headers["location"] == "/console"
    cookie = response.headers["set-cookie"]
    assert "uroster_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    page = client.get("/console")
    assert page.status_code == 200
    assert "District A" in page.text and "District B" not in page.text
    assert '<a href="/console" aria-current="page">' in page.text  # the sections menu
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["cache-control"] == "no-store"
    other = client.get("/console", params={"district": world.district_b.id})
    assert other.status_code == 404 and "<h1>" in other.text


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("ca@example.org", "wrong-password", "Wrong email, phone or password."),
        ("13800000001", VOLUNTEER_PASSWORD, "Volunteers sign in to the volunteer app"),
    ],
)
def test_a_refused_sign_in_says_why_and_keeps_the_username(
    client, session, world, username, password, message
):
    tokens = session.query(AccessToken).count()
    client.get(LOGIN, params={"lang": "en"})

    response = sign_in(client, username, password, next="/console")

    assert response.status_code == 400
    assert message in response.text
    assert "uroster_session" not in response.headers.get("set-cookie", "")
    assert f'value="{username}"' in response.text
    assert password not in response.text
    assert session.query(AccessToken).count() == tokens


def test_messages_follow_the_chosen_language(client, world):
    client.get(LOGIN, params={"lang": "en"})  # remembered in a cookie
    response = sign_in(client, "ca@example.org", "wrong-password")
    assert "Wrong email, phone or password." in response.text
    assert '<html lang="en">' in response.text
    client.cookies.clear()
    chinese = client.get(LOGIN)
    assert '<html lang="zh-CN">' in chinese.text and "登录" in chinese.text
    browser_english = client.get(LOGIN, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in browser_english.text


def test_a_post_without_the_forms_token_is_refused(client, world):
    client.get(LOGIN)
    response = client.post(
        LOGIN,
        data={"username": "ca@example.org", "password": "coord-pass", "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "uroster_session" not in response.headers.get("set-cookie", "")
    sign_in(client)
    assert client.post("/console/logout", follow_redirects=False).status_code == 403
    assert client.get("/console").status_code == 200  # still signed in


def test_signing_out_revokes_the_token(client, session, world):
    sign_in(client)
    token = client.cookies["uroster_session"]
    page = client.get("/console")

    out = client.post(
        "/console/logout", data={"csrf_token": csrf(page.text)}, follow_redirects=False
    )

    assert out.status_code == 303 and out.headers["location"] == LOGIN
    api = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    client.cookies.set("uroster_session", token)
    assert client.get("/console", follow_redirects=False).headers["location"].startswith(LOGIN)


def test_a_deactivated_coordinator_loses_the_console_at_once(client, world):
    sign_in(client)
    deactivate = client.patch(
        f"/api/v1/coordinators/{world['coordinator'].account.id}",
        headers=world["admin"].headers,
        json={"active": False},
    )
    assert deactivate.status_code == 200, deactivate.text
    response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(LOGIN)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/api/v1/auth/me"])
def test_after_sign_in_only_console_pages_are_followed(client, world, target):
    response = sign_in(client, next=target)
    assert response.headers["location"] == "/console"


def test_volunteers_and_strangers_get_no_console_page(client, world):
    for path in ("/console", "/console?district=1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith(LOGIN)
    client.cookies.set("uroster_session", world["volunteer"].token)
    assert client.get("/console", follow_redirects=False).status_code == 403


def test_a_session_left_unused_ends(client, session, world):
    from datetime import timedelta

    from app.accounts.security import token_digest
    from app.db import utcnow

    sign_in(client)
    row = (
        session.query(AccessToken)
        .filter_by(token_hash=token_digest(client.cookies["uroster_session"]))
        .one()
    )
    assert row.idle_minutes == 60
    row.last_used_at = utcnow() - timedelta(minutes=59)
    session.commit()
    assert client.get("/console").status_code == 200  # still alive, and now used again
    session.refresh(row)
    assert utcnow() - row.last_used_at < timedelta(minutes=1)
    row.last_used_at = utcnow() - timedelta(minutes=61)
    session.commit()
    response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(LOGIN)
    # API tokens are not browser sessions: they do not idle out.
    assert world["coordinator"].token
    api_row = (
        session.query(AccessToken)
        .filter_by(token_hash=token_digest(world["coordinator"].token))
        .one()
    )
    assert api_row.idle_minutes is None
