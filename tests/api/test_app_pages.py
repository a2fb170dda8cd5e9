"""The volunteer app's pages (/app) through the real app over HTTP (TestClient), on
SQLite and PostgreSQL: who may see which page, CSRF, the forms' answers, and that no
volunteer ever sees another's data. The browser journeys are tests/e2e/test_app_*.py.
"""

import re

import pytest

from app.accounts.models import AccessToken
from app.rosters.models import Assignment, AssignmentStatus
from tests.api.conftest import VOLUNTEER_PASSWORD, World
from tests.api.test_duties import add_shift, another_volunteer, assign, day_after_next_monday

LOGIN = "/app/login"


def csrf(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text)[1]


def sign_in(client, phone="13800000001", password=VOLUNTEER_PASSWORD, **extra):
    form = client.get(LOGIN)
    data = {"phone": phone, "password": password, "csrf_token": csrf(form.text)} | extra
    return client.post(LOGIN, data=data, follow_redirects=False)


def as_caller(client, world: World, role: str) -> None:
    """The browser of `role`: its session cookie (none for anonymous and kiosk)."""
    client.cookies.clear()
    if role in ("anonymous", "kiosk"):
        return
    client.cookies.set("uroster_session", world[role].token)


def post(client, path: str, data: dict | None = None, page: str = "/app"):
    """A form post with the token of the page it is sent from."""
    token = csrf(client.get(page).text)
    return client.post(path, data={"csrf_token": token} | (data or {}), follow_redirects=False)


# -- signing in --------------------------------------------------------------------------------


def test_a_volunteer_signs_in_with_phone_and_password(client, world):
    response = sign_in(client)

    assert response.status_code == 303 and response.headers["location"] == "/app"
    cookie = response.headers["set-cookie"]
    assert "uroster_session=" in cookie and "HttpOnly" in cookie
    page = client.get("/app")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert '<link rel="manifest" href="/static/web/app/manifest.webmanifest">' in page.text


def test_the_login_forms_token_lives_in_the_apps_cookie(client, world):
    form = client.get(LOGIN)
    assert "Path=/app;" in form.headers["set-cookie"] or "Path=/app" in form.headers["set-cookie"]
    assert "/console/login" not in form.headers["set-cookie"]


@pytest.mark.parametrize(
    ("phone", "password", "message"),
    [
        ("13800000001", "wrong-password", "Wrong phone number or password."),
        ("ca@example.org", "coord-pass", "Coordinators and administrators sign in to the console."),
    ],
)
def test_a_refused_sign_in_says_why_and_keeps_the_phone(
    client, session, world, phone, password, message
):
    tokens = session.query(AccessToken).count()
    client.get(LOGIN, params={"lang": "en"})

    response = sign_in(client, phone, password)

    assert response.status_code == 400
    assert message in response.text
    assert "uroster_session" not in response.headers.get("set-cookie", "")
    assert f'value="{phone}"' in response.text
    assert password not in response.text
    assert session.query(AccessToken).count() == tokens


def test_sign_in_messages_are_chinese_by_default(client, world):
    response = sign_in(client, "13800000001", "wrong-password")
    assert '<html lang="zh-CN">' in response.text
    assert "手机号或密码不正确。" in response.text
    assert "Wrong phone" not in response.text


def test_sign_in_is_rate_limited_like_the_consoles(client, world):
    answers = [sign_in(client, "13800000001", f"wrong-{n}").status_code for n in range(12)]
    page = sign_in(client, "13800000001", "wrong-again")
    assert 400 in answers
    assert "Too many attempts" in page.text or "尝试次数过多" in page.text


def test_signing_out_revokes_the_token(client, world):
    sign_in(client)
    token = client.cookies["uroster_session"]

    out = post(client, "/app/logout")

    assert out.status_code == 303 and out.headers["location"] == LOGIN
    api = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/console"])
def test_after_sign_in_only_app_pages_are_followed(client, world, target):
    assert sign_in(client, next=target).headers["location"] == "/app"


def test_posts_without_the_forms_token_are_refused(client, session, world):
    client.get(LOGIN)
    forged = {"phone": "13800000001", "password": VOLUNTEER_PASSWORD, "csrf_token": "forged"}
    response = client.post(LOGIN, data=forged, follow_redirects=False)
    assert response.status_code == 403
    assert "uroster_session" not in response.headers.get("set-cookie", "")
    duty = assign(session, add_shift(session, world.station_a, day_after_next_monday(1, 9)),
                  world["volunteer"].volunteer_id)  # fmt: skip
    as_caller(client, world, "volunteer")
    for path, data in [
        ("/app/logout", {}),
        (f"/app/duties/{duty.id}/cancel", {"reason": "ill"}),
        (f"/app/duties/{duty.id}/calendar", {}),
    ]:
        assert client.post(path, data=data, follow_redirects=False).status_code == 403, path
    session.refresh(duty)
    assert duty.status == AssignmentStatus.scheduled
    assert client.get("/app").status_code == 200  # still signed in


# -- who sees which page -----------------------------------------------------------------------

PAGES = ["/app"]


@pytest.mark.parametrize("role", ["anonymous", "kiosk"])
def test_strangers_are_sent_to_sign_in(client, world, role):
    as_caller(client, world, role)
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith(f"{LOGIN}?next=")


@pytest.mark.parametrize("role", ["coordinator", "other_coordinator", "admin"])
def test_coordinators_and_admins_are_sent_to_the_console(client, world, role):
    as_caller(client, world, role)
    for path in PAGES:
        response = client.get(path, params={"lang": "en"}, follow_redirects=False)
        assert response.status_code == 403, path
        assert "coordinators use the console" in response.text
        assert 'href="/console"' in response.text


# -- my duties ---------------------------------------------------------------------------------


def test_my_duties_show_station_local_time_map_and_first_names(client, session, world):
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9), max_volunteers=3)
    mine = assign(session, shift, world["volunteer"].volunteer_id)
    assign(session, shift, world["other_volunteer"].volunteer_id)  # 张小明
    chen = another_volunteer(session, world, "Chen Jie", "13800000003")
    assign(session, shift, chen.volunteer_id)
    as_caller(client, world, "volunteer")

    page = client.get("/app", params={"lang": "en"})

    assert page.status_code == 200
    assert "Luohu U-station" in page.text and "1 Renmin Rd" in page.text
    assert "09:00–13:00" in page.text  # local (Asia/Shanghai) time, not UTC
    assert "https://www.openstreetmap.org/?mlat=22.54000&amp;mlon=114.11000" in page.text
    assert "With: 小明, Chen" in page.text
    assert "张小明" not in page.text and "Chen Jie" not in page.text
    assert f'href="/app/duties/{mine.id}/calendar">Add to calendar' in page.text
    assert '<button type="submit" class="danger">Cancel duty</button>' in page.text


def test_another_volunteers_duty_is_not_mine(client, session, world):
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    theirs = assign(session, shift, world["other_volunteer"].volunteer_id)
    as_caller(client, world, "volunteer")

    assert "Luohu U-station" not in client.get("/app").text
    assert client.get(f"/app/duties/{theirs.id}/calendar").status_code == 404
    assert client.get(f"/app/duties/{theirs.id}/duty.ics").status_code == 404
    response = post(client, f"/app/duties/{theirs.id}/cancel", {"reason": "not mine"})
    assert response.status_code == 404
    session.refresh(theirs)
    assert theirs.status == AssignmentStatus.scheduled


def test_cancelling_a_duty_needs_a_reason_and_then_reopens_the_seat(client, session, world):
    duty = assign(session, add_shift(session, world.station_a, day_after_next_monday(1, 9)),
                  world["volunteer"].volunteer_id)  # fmt: skip
    as_caller(client, world, "volunteer")

    empty = post(client, f"/app/duties/{duty.id}/cancel?lang=en", {"reason": "  "})
    assert empty.status_code == 422
    assert "Say in a few words why you cannot come" in empty.text
    session.refresh(duty)
    assert duty.status == AssignmentStatus.scheduled

    done = post(client, f"/app/duties/{duty.id}/cancel", {"reason": "I am ill"})
    assert done.status_code == 303 and done.headers["location"] == "/app?done=cancelled"
    session.refresh(duty)
    assert duty.status == AssignmentStatus.cancelled and duty.cancel_reason == "I am ill"
    assert "Luohu U-station" not in client.get("/app").text


def test_a_started_duty_cannot_be_cancelled(client, session, world):
    from datetime import timedelta

    from app.db import utcnow

    shift = add_shift(session, world.station_a, utcnow() - timedelta(hours=1))
    duty = assign(session, shift, world["volunteer"].volunteer_id)
    as_caller(client, world, "volunteer")

    page = client.get("/app", params={"lang": "en"})
    assert "Under way" in page.text and "Cancel duty" not in page.text
    response = post(client, f"/app/duties/{duty.id}/cancel?lang=en", {"reason": "late"})
    assert response.status_code == 409
    assert "This duty has started" in response.text
    session.refresh(duty)
    assert duty.status == AssignmentStatus.scheduled


def test_a_duty_downloads_as_an_ics_and_the_feed_url_is_shown_once(client, session, world):
    import icalendar

    duty = assign(session, add_shift(session, world.station_a, day_after_next_monday(1, 9)),
                  world["volunteer"].volunteer_id)  # fmt: skip
    as_caller(client, world, "volunteer")

    page = client.get(f"/app/duties/{duty.id}/calendar", params={"lang": "en"})
    assert page.status_code == 200 and "Download this duty (.ics)" in page.text
    ics = client.get(f"/app/duties/{duty.id}/duty.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"assignment-{duty.id}@uroster"]

    shown = post(client, f"/app/duties/{duty.id}/calendar", page=f"/app/duties/{duty.id}/calendar")
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', shown.text)[1]
    feed = client.get(url.replace("http://127.0.0.1:8000", ""))
    assert feed.status_code == 200 and f"assignment-{duty.id}@uroster" in feed.text
    assert session.query(Assignment).count() == 1
