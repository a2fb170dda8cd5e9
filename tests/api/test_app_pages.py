"""The volunteer app's pages (/app) through the real app over HTTP (TestClient), on
SQLite and PostgreSQL: who may see which page, CSRF, the forms' answers, and that no
volunteer ever sees another's data. The browser journeys are tests/e2e/test_app_*.py.
"""

import re

import pytest

from app.accounts.models import AccessToken
from app.rosters.models import Assignment, AssignmentStatus
from tests.api import test_hours
from tests.api.conftest import VOLUNTEER_PASSWORD, World
from tests.api.test_duties import add_shift, another_volunteer, assign, day_after_next_monday
from tests.api.test_kiosks import new_kiosk

LOGIN = "/app/login"
# The month of verified hours of the API's tests, and their pinned clock.
served_month, clock = test_hours.served_month, test_hours.clock


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
        ("/app/availability", {"c1-20": "a", "district_id": str(world.district_a.id)}),
        (
            "/app/settings/password",
            {"current_password": VOLUNTEER_PASSWORD, "new_password": "saffron-glacier-otter"},
        ),
        ("/app/withdraw", {"confirm": "yes"}),
    ]:
        assert client.post(path, data=data, follow_redirects=False).status_code == 403, path
    session.refresh(duty)
    assert duty.status == AssignmentStatus.scheduled
    assert client.get("/app").status_code == 200  # still signed in, nothing changed
    assert client.get("/api/v1/volunteers/me/availability", headers=world["volunteer"].headers
                      ).json()["availability_mode"] == "any_time"  # fmt: skip
    client.cookies.clear()
    client.get("/app/register")
    refused = client.post("/app/register", data=NEW | {"csrf_token": "forged"})
    assert refused.status_code == 403


def test_the_manifest_and_icons_are_served(client):
    manifest = client.get("/static/web/app/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    for icon in manifest.json()["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        width = int.from_bytes(image.content[16:20], "big")
        assert f"{width}x{width}" == icon["sizes"]


# -- who sees which page -----------------------------------------------------------------------

PAGES = ["/app", "/app/availability", "/app/open", "/app/hours", "/app/settings"]


@pytest.mark.parametrize("role", ["anonymous", "kiosk"])
def test_strangers_and_kiosks_are_sent_to_sign_in(client, world, role):
    """A kiosk's key opens the kiosk's API, never a volunteer's page."""
    as_caller(client, world, role)
    headers = new_kiosk(client, world)[1] if role == "kiosk" else {}
    for path in PAGES:
        response = client.get(path, headers=headers, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith(f"{LOGIN}?next=")
        assert "Luohu" not in response.text


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


# -- registering -------------------------------------------------------------------------------

NEW = {
    "name": "李小红",
    "phone": "13900000021",
    "password": "amber-falcon-tundra",
    "district_id": "",
    "accept_privacy_notice": "yes",
}


def register(client, data: dict, skills: list[str] = (), lang: str = "en"):
    token = csrf(client.get("/app/register").text)
    body = {"csrf_token": token} | data
    content = [(k, v) for k, v in body.items()] + [("skills", s) for s in skills]
    return client.post(
        f"/app/register?lang={lang}",
        data=dict(content) | ({"skills": list(skills)} if skills else {}),
        follow_redirects=False,
    )


def test_the_register_page_shows_the_privacy_notice_in_full_in_each_language(client, world):
    english = client.get("/app/register", params={"lang": "en"})
    chinese = client.get("/app/register", params={"lang": "zh"})
    assert english.status_code == chinese.status_code == 200
    assert "Privacy notice" in english.text and "I accept the privacy notice" in english.text
    assert "If you withdraw" in english.text
    assert "隐私声明" in chinese.text and "Privacy notice" not in chinese.text
    assert '<option value="' + str(world.district_a.id) + '"' in english.text


def test_a_new_volunteer_registers_and_is_signed_in(client, session, world):
    from app.volunteers.models import Volunteer

    data = NEW | {"district_id": str(world.district_a.id), "max_hours_per_week": "8",
                  "lat": "22.55", "lon": "114.1", "other_skills": "lang:fr, first_aid"}  # fmt: skip
    response = register(client, data, skills=["lang:en"])

    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/app/availability?done=registered"
    assert "uroster_session=" in response.headers["set-cookie"]
    volunteer = session.query(Volunteer).filter_by(phone="+8613900000021").one()
    assert volunteer.name == "李小红" and volunteer.district_id == world.district_a.id
    assert volunteer.skills == ["first_aid", "lang:en", "lang:fr"]
    assert volunteer.max_hours_per_week == 8 and volunteer.home_lat == 22.55
    assert volunteer.privacy_notice_accepted_at is not None
    assert client.get("/app").status_code == 200


def test_a_weak_password_is_refused_with_the_reason_in_the_pages_language(client, session, world):
    from app.volunteers.models import Volunteer

    weak = NEW | {"password": "password1234", "max_travel_minutes": "30"}
    english = register(client, weak)
    chinese = register(client, weak, lang="zh")

    assert english.status_code == chinese.status_code == 422
    assert "This password is too easy to guess." in english.text
    assert "This is a very common password." in english.text or "common password" in english.text
    assert "密码太容易被猜到" in chinese.text
    assert "too easy" not in chinese.text and "common password" not in chinese.text
    for page in (english, chinese):
        assert 'value="李小红"' in page.text and 'value="13900000021"' in page.text
        assert 'value="30"' in page.text and "password1234" not in page.text
    assert session.query(Volunteer).filter_by(phone="+8613900000021").count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"accept_privacy_notice": ""}, "accept_privacy_notice", "Accept the privacy notice"),
        ({"phone": "12"}, "phone", "Enter a mobile number"),
        ({"name": "  "}, "name", "Enter your name."),
        (
            {"max_shifts_per_week": "many"},
            "max_shifts_per_week",
            "Enter a whole number from 1 to 21",
        ),
        ({"max_hours_per_week": "200"}, "max_hours_per_week", "Enter a number of hours above 0"),
        ({"lat": "22.5"}, "home", "Enter both latitude and longitude"),
        ({"other_skills": "Kung Fu!"}, "skills", "A skill is a short word"),
        ({"invitation_code": "NOT-A-CODE"}, "invitation_code", "This invitation code is unknown"),
        ({"district_id": "999999"}, "district_id", "Choose a district from the list."),
    ],
)
def test_a_refused_registration_names_the_field(client, session, world, changes, field, message):
    from app.accounts.models import Account

    accounts = session.query(Account).count()
    response = register(client, NEW | changes)

    assert response.status_code == 422, response.text
    assert f'<p class="field-error" id="{field}-error">{message}' in response.text
    assert session.query(Account).count() == accounts


def test_a_taken_phone_is_said_next_to_the_field(client, session, world):
    response = register(client, NEW | {"phone": "13800000001"})
    assert response.status_code == 422
    assert "This phone number is registered already." in response.text


def test_an_invitation_code_claims_the_imported_record(client, session, world):
    from app.volunteers.models import Volunteer, VolunteerStatus
    from app.volunteers.service import invite

    imported = Volunteer(name="赵六", phone="+8613900000031", district_id=world.district_a.id,
                         status=VolunteerStatus.active, max_shifts_per_week=2)  # fmt: skip
    session.add(imported)
    session.flush()
    code = invite(session, imported).code
    session.commit()

    response = register(client, NEW | {"phone": "13900000031", "invitation_code": code})

    assert response.status_code == 303, response.text
    session.refresh(imported)
    assert imported.account_id is not None
    assert imported.max_shifts_per_week == 2 and imported.district_id == world.district_a.id


# -- availability ------------------------------------------------------------------------------


def grid_cell(page_text: str, name: str) -> tuple[str, str]:
    """(accessible name, chosen value) of a cell of the week grid."""
    found = re.search(rf'<select name="{name}" aria-label="([^"]+)">(.*?)</select>', page_text)
    chosen = re.search(r'<option value="(\w*)" selected', found[2])
    return found[1], chosen[1] if chosen else ""


def availability_form(client, **fields) -> dict:
    page = client.get("/app/availability")
    assert page.status_code == 200
    return {"csrf_token": csrf(page.text)} | fields


def test_the_grid_saves_half_hour_windows_absences_limits_and_stations(client, session, world):
    from app.volunteers.models import Volunteer

    as_caller(client, world, "volunteer")
    cells = {f"c1-{slot}": "a" for slot in range(18, 24)}  # Monday 09:00-12:00
    cells |= {f"c1-{slot}": "p" for slot in range(24, 26)}  # then preferred to 13:00
    cells |= {"c7-46": "a", "c7-47": "a"}  # Sunday 23:00-24:00
    data = availability_form(
        client, **cells, away_from="2027-02-01", away_to="2027-02-07",
        max_hours_per_week="8", max_shifts_per_week="2", max_travel_minutes="30",
        district_id=str(world.district_a.id), stations=str(world.station_a.id),
    )  # fmt: skip

    response = client.post("/app/availability", data=data, follow_redirects=False)

    assert response.status_code == 303, response.text
    volunteer = session.get(Volunteer, world["volunteer"].volunteer_id)
    session.refresh(volunteer)
    windows = sorted((w.weekday, w.start, w.end, w.preference) for w in volunteer.weekly)
    assert windows == [
        (1, "09:00", "12:00", "available"),
        (1, "12:00", "13:00", "preferred"),
        (7, "23:00", "24:00", "available"),
    ]
    assert [(e.start_date.isoformat(), e.end_date.isoformat()) for e in volunteer.exceptions] == [
        ("2027-02-01", "2027-02-07")
    ]
    assert volunteer.availability_mode == "windows"
    assert (volunteer.max_hours_per_week, volunteer.max_shifts_per_week) == (8, 2)
    assert volunteer.max_travel_minutes == 30
    assert volunteer.preferred_station_ids == [world.station_a.id]
    page = client.get("/app/availability", params={"lang": "en"})
    assert grid_cell(page.text, "c1-18") == ("Mon 09:00", "a")
    assert grid_cell(page.text, "c1-24") == ("Mon 12:00", "p")
    assert grid_cell(page.text, "c1-26") == ("Mon 13:00", "")
    assert 'value="2027-02-01"' in page.text


@pytest.mark.parametrize(
    ("fields", "key", "message"),
    [
        (
            {"away_from": "2027-02-07", "away_to": "2027-02-01"},
            "away-0",
            "The last day may not come before the first.",
        ),
        ({"away_from": "soon", "away_to": ""}, "away-0", "Enter both dates"),
        ({"max_travel_minutes": "500"}, "max_travel_minutes", "Enter a whole number from 1 to 240"),
        ({"any_time": "yes", "c2-20": "a"}, "any_time", "Either tick"),
        ({"stations": "999999"}, "preferred_station_ids", "Choose stations from the list."),
    ],
)
def test_an_invalid_availability_saves_nothing_and_names_the_field(
    client, session, world, fields, key, message
):
    from app.volunteers.models import Volunteer

    as_caller(client, world, "volunteer")
    data = availability_form(
        client, district_id=str(world.district_a.id), **{"c3-20": "p"}, **fields
    )

    response = client.post("/app/availability?lang=en", data=data, follow_redirects=False)

    assert response.status_code == 422, response.text
    assert f'<p class="field-error" id="{key}-error">{message}' in response.text
    assert grid_cell(response.text, "c3-20") == ("Wed 10:00", "p")  # kept as sent
    volunteer = session.get(Volunteer, world["volunteer"].volunteer_id)
    session.refresh(volunteer)
    assert volunteer.weekly == [] and volunteer.availability_mode == "any_time"


def test_moving_district_with_future_duties_is_refused_next_to_the_district(client, session, world):
    assign(session, add_shift(session, world.station_a, day_after_next_monday(1, 9)),
           world["volunteer"].volunteer_id)  # fmt: skip
    as_caller(client, world, "volunteer")
    data = availability_form(client, district_id=str(world.district_b.id))

    response = client.post("/app/availability?lang=en", data=data, follow_redirects=False)

    assert response.status_code == 422
    assert (
        '<p class="field-error" id="district_id-error">Finish or cancel your duties'
        in response.text
    )


# -- open seats --------------------------------------------------------------------------------


def test_open_seats_fit_me_nearest_first_and_the_others_say_why(client, session, world):
    from app.stations.models import Station
    from app.volunteers.models import Volunteer

    volunteer = session.get(Volunteer, world["volunteer"].volunteer_id)
    volunteer.home_lat, volunteer.home_lon = 22.60, 114.10
    volunteer.max_hours_per_week = 8
    volunteer.max_travel_minutes = 60  # Luohu U-station lies about 20 minutes away
    near = Station(district_id=world.district_a.id, code="A-2", name="Near station",
                   kind="community", address="3 Near Rd", lat=22.601, lon=114.101,
                   timezone="Asia/Shanghai")  # fmt: skip
    session.add(near)
    session.flush()
    far_shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    near_shift = add_shift(session, near, day_after_next_monday(2, 9))
    long_shift = add_shift(session, near, day_after_next_monday(3, 8), hours=10)  # > 8 h
    add_shift(session, world.station_b, day_after_next_monday(1, 9))  # another district
    session.commit()
    as_caller(client, world, "volunteer")

    page = client.get("/app/open", params={"lang": "en"})

    assert page.status_code == 200
    text = page.text
    assert text.index(f"/app/open/{near_shift.id}/signup") < text.index(
        f"/app/open/{far_shift.id}/signup"
    )
    assert "0.2 km from home" in text and "6.8 km from home" in text
    assert f"/app/open/{long_shift.id}/signup" not in text
    assert "Not for you: over your 8 h this week" in text
    assert "Futian Port" not in text


def test_signing_up_takes_the_seat_and_a_full_shift_says_so(client, session, world):
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9), max_volunteers=1)
    as_caller(client, world, "volunteer")
    page = client.get("/app/open", params={"lang": "en"})
    token = csrf(page.text)

    other = another_volunteer(session, world, "Chen Jie", "13800000003")
    client_other = client  # the same app; the other's browser below
    taken = client.post(
        f"/app/open/{shift.id}/signup", data={"csrf_token": token}, follow_redirects=False
    )
    assert taken.status_code == 303 and taken.headers["location"] == "/app?done=signed-up"
    duty = session.query(Assignment).filter_by(shift_id=shift.id).one()
    assert duty.volunteer_id == world["volunteer"].volunteer_id

    client_other.cookies.clear()
    client_other.cookies.set("uroster_session", other.token)
    token = csrf(client_other.get("/app").text)
    late = client_other.post(
        f"/app/open/{shift.id}/signup?lang=en", data={"csrf_token": token}, follow_redirects=False
    )
    assert late.status_code == 409
    assert "someone else has just taken the last seat" in late.text
    assert session.query(Assignment).filter_by(shift_id=shift.id).count() == 1


def test_a_sign_up_without_the_forms_token_takes_no_seat(client, session, world):
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    as_caller(client, world, "volunteer")
    response = client.post(f"/app/open/{shift.id}/signup", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert session.query(Assignment).filter_by(shift_id=shift.id).count() == 0


# -- hours -------------------------------------------------------------------------------------


def test_hours_by_month_and_station_are_mine_only(client, world, served_month):
    as_caller(client, world, "volunteer")

    page = client.get("/app/hours", params={"lang": "en"})

    assert page.status_code == 200
    # Wang Li: 4 h and 2.5 h in December, 2 h (corrected) in November; never the plan.
    assert '<p class="total">Total hours: <span id="total-hours">8.5</span></p>' in page.text
    assert page.text.index("December 2026") < page.text.index("November 2026")
    assert '<tr><td>Luohu U-station</td><td class="num">6.5</td></tr>' in page.text
    assert "Futian Port" not in page.text  # 张小明's duty in district B
    chinese = client.get("/app/hours", params={"lang": "zh"})
    assert "总时长：" in chinese.text and "2026年12月" in chinese.text


def test_hours_of_another_volunteer_stay_theirs(client, world, served_month):
    as_caller(client, world, "other_volunteer")
    page = client.get("/app/hours", params={"lang": "en"})
    assert 'id="total-hours">4.25</span>' in page.text  # 张小明: 3.25 h (corrected) + 1 h
    assert "Futian Port" in page.text and "Luohu U-station" in page.text


# -- settings ----------------------------------------------------------------------------------


def test_changing_the_password_keeps_me_signed_in_and_ends_old_sessions(client, session, world):
    sign_in(client)
    old_token = client.cookies["uroster_session"]
    data = {"current_password": VOLUNTEER_PASSWORD, "new_password": "saffron-glacier-otter"}

    response = post(client, "/app/settings/password", data, page="/app/settings")

    assert response.status_code == 303, response.text
    for token in (old_token, world["volunteer"].token):
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert client.cookies["uroster_session"] != old_token
    assert client.get("/app/settings").status_code == 200
    client.cookies.clear()
    assert sign_in(client, password="saffron-glacier-otter").status_code == 303


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"current_password": "wrong", "new_password": "saffron-glacier-otter"},
         "current_password", "Your current password is not correct."),
        ({"current_password": VOLUNTEER_PASSWORD, "new_password": "wangli13800000001"},
         "new_password", "This password is too easy to guess."),
        ({"current_password": VOLUNTEER_PASSWORD, "new_password": "short"},
         "new_password", "The password needs at least 12 characters."),
    ],
)  # fmt: skip
def test_a_refused_password_change_says_why(client, world, data, field, message):
    as_caller(client, world, "volunteer")
    response = post(client, "/app/settings/password?lang=en", data, page="/app/settings")
    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}' in response.text
    assert client.get("/api/v1/auth/me", headers=world["volunteer"].headers).status_code == 200


def test_the_language_choice_is_remembered(client, world):
    as_caller(client, world, "volunteer")
    saved = client.get("/app/settings", params={"lang": "en", "done": "language"})
    assert "The language was saved." in saved.text
    assert '<html lang="en">' in client.get("/app").text


def test_withdrawing_says_what_happens_and_needs_the_final_tick(client, session, world):
    from app.volunteers.models import Volunteer

    duty = assign(session, add_shift(session, world.station_a, day_after_next_monday(1, 9)),
                  world["volunteer"].volunteer_id)  # fmt: skip
    as_caller(client, world, "volunteer")
    page = client.get("/app/settings", params={"lang": "en"})
    assert "Erased: your name, phone number" in page.text
    assert "Kept: your verified service hours" in page.text

    unticked = post(client, "/app/withdraw?lang=en", {}, page="/app/settings")
    assert unticked.status_code == 422 and "Tick the box to confirm" in unticked.text
    volunteer = session.get(Volunteer, world["volunteer"].volunteer_id)
    session.refresh(volunteer)
    assert volunteer.status == "active"

    done = post(client, "/app/withdraw", {"confirm": "yes"}, page="/app/settings")

    assert done.status_code == 303 and done.headers["location"] == "/app/login?done=withdrawn"
    session.refresh(volunteer)
    session.refresh(duty)
    assert volunteer.status == "withdrawn" and volunteer.phone is None
    assert duty.status == AssignmentStatus.cancelled
    assert client.get("/app", follow_redirects=False).status_code == 303
    assert sign_in(client).status_code == 400


def test_the_consoles_admin_page_explains_a_weak_password_in_chinese_too(client, world):
    from tests.api.test_console import csrf as console_csrf
    from tests.api.test_console import sign_in as console_sign_in

    console_sign_in(client, "admin@example.org", "admin-pass")
    form = client.get("/console/admin/coordinators/new")
    response = client.post(
        "/console/admin/coordinators/new",
        data={"email": "new@example.org", "name": "Li Na", "password": "password1234",
              "csrf_token": console_csrf(form.text)},
    )  # fmt: skip
    assert response.status_code == 422
    assert "该密码太容易被猜到。 这是一个非常常见的密码。" in response.text
    assert "common password" not in response.text


def test_no_english_message_leaks_into_the_chinese_pages(client, session, world):
    """Every page in Chinese, with a duty, an open seat and a refused form: none of the
    app's English messages shows (station names and the like are data, not messages)."""
    from html import unescape
    from pathlib import Path

    from babel.messages.pofile import read_po

    catalogue = Path(__file__).parents[2] / "app/web/translations/zh/LC_MESSAGES/app.po"
    with catalogue.open("rb") as po:
        english = [m.id for m in read_po(po) if m.id and len(m.id) > 8]
    duty = assign(session, add_shift(session, world.station_a, day_after_next_monday(1, 9)),
                  world["volunteer"].volunteer_id)  # fmt: skip
    add_shift(session, world.station_a, day_after_next_monday(2, 9))
    pages = [client.get(path) for path in ("/app/login", "/app/register")]
    as_caller(client, world, "volunteer")
    pages += [client.get(path) for path in [*PAGES, f"/app/duties/{duty.id}/calendar"]]
    pages.append(post(client, f"/app/duties/{duty.id}/cancel", {"reason": " "}))
    pages.append(post(client, "/app/availability", {"max_shifts_per_week": "x"}))
    for page in pages:
        assert '<html lang="zh-CN">' in page.text
        text = unescape(re.sub(r"<[^>]+>", " ", page.text))
        leaked = [message for message in english if message in text]
        assert leaked == [], (page.url, leaked)
