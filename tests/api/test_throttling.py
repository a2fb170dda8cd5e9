"""Failed sign-ins, password changes and invitation codes, and registrations, are
counted in the database per account and per client address (app.accounts.throttle).

The TestClient's `client` sets the address the app sees (request.client.host), as
uvicorn does from the socket or from X-Forwarded-For of a trusted proxy.
"""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import ThrottleEvent
from app.settings import Settings, get_settings
from tests.api.conftest import STRONG_PASSWORD, VOLUNTEER_PASSWORD, assert_problem
from tests.api.test_invitations import imported_volunteer, invite

TOKEN = "/api/v1/auth/token"


def from_address(app, ip: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(ip, 50000))


def sign_in(client: TestClient, username: str, password: str):
    return client.post(TOKEN, data={"username": username, "password": password})


def age_events(session, seconds: float) -> None:
    """Moves every counted event `seconds` into the past, as if that time had passed."""
    for event in session.scalars(select(ThrottleEvent)):
        event.created_at -= timedelta(seconds=seconds)
    session.commit()


def test_defaults_fit_an_office():
    settings = Settings()
    assert (settings.auth_account_failures, settings.auth_account_window_seconds) == (10, 900)
    assert (settings.auth_ip_failures, settings.auth_ip_window_seconds) == (100, 900)
    assert (settings.registrations_per_ip, settings.registration_window_seconds) == (100, 3600)
    assert (settings.auth_rate_per_minute, settings.auth_rate_burst) == (300, 100)


def test_the_older_flood_guard_settings_still_apply(monkeypatch):
    monkeypatch.setenv("UROSTER_AUTH_RATE_PER_MINUTE", "7")
    monkeypatch.setenv("UROSTER_AUTH_RATE_BURST", "3")
    assert (Settings().auth_rate_per_minute, Settings().auth_rate_burst) == (7, 3)


def test_guesses_at_one_account_from_30_addresses_stop_at_the_account_limit(app, world):
    codes = [
        sign_in(from_address(app, f"198.51.100.{i}"), "ca@example.org", f"guess-{i}").status_code
        for i in range(30)
    ]
    assert codes == [401] * 10 + [429] * 20
    # The right password from a new address is refused as well until the window passes.
    limited = sign_in(from_address(app, "203.0.113.9"), "ca@example.org", "coord-pass")
    body = assert_problem(limited, 429)
    assert 890 <= int(limited.headers["Retry-After"]) <= 900
    assert body["retry_after"] == int(limited.headers["Retry-After"])
    # Other accounts are not affected.
    assert (
        sign_in(from_address(app, "198.51.100.1"), "cb@example.org", "coord-pass").status_code
        == 200
    )


def test_retry_after_counts_down_to_when_the_oldest_failure_leaves_the_window(app, session, world):
    client = from_address(app, "198.51.100.7")
    for _ in range(10):
        assert sign_in(client, "ca@example.org", "wrong-password").status_code == 401
    age_events(session, 600)
    limited = sign_in(client, "ca@example.org", "coord-pass")
    assert_problem(limited, 429)
    assert 290 <= int(limited.headers["Retry-After"]) <= 300

    age_events(session, 301)
    assert sign_in(client, "ca@example.org", "coord-pass").status_code == 200


def test_successful_sign_ins_do_not_count(app, world):
    client = from_address(app, "198.51.100.7")
    for _ in range(15):
        assert sign_in(client, "ca@example.org", "coord-pass").status_code == 200
    assert sign_in(client, "ca@example.org", "wrong-password").status_code == 401


def test_twenty_failures_behind_one_nat_do_not_lock_out_colleagues(app, world):
    office = from_address(app, "192.0.2.10")
    for i in range(20):
        assert sign_in(office, f"typo{i}@example.org", "wrong-password").status_code == 401
    assert sign_in(office, "cb@example.org", "coord-pass").status_code == 200
    assert sign_in(office, "13800000001", VOLUNTEER_PASSWORD).status_code == 200


def test_the_address_limit_stops_everyone_behind_it(app, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "auth_ip_failures", 5)
    office = from_address(app, "192.0.2.10")
    for i in range(5):
        assert sign_in(office, f"typo{i}@example.org", "wrong-password").status_code == 401
    assert_problem(sign_in(office, "cb@example.org", "coord-pass"), 429)
    assert (
        sign_in(from_address(app, "192.0.2.11"), "cb@example.org", "coord-pass").status_code == 200
    )


def test_unknown_usernames_count_like_accounts_in_any_spelling(app, world):
    client = from_address(app, "198.51.100.7")
    for username in ("nobody@example.org", "13800000001"):
        spellings = [username, username.upper(), f" {username} "]
        if username[0].isdigit():
            spellings = [username, "+86 138 0000 0001", "+8613800000001"]
        answers = [sign_in(client, spellings[i % 3], "wrong-password") for i in range(11)]
        assert [a.status_code for a in answers] == [401] * 10 + [429]
        assert answers[-1].json()["detail"].startswith("Too many attempts")
    # The volunteer behind 13800000001 waits too, whatever the spelling.
    assert_problem(sign_in(client, "+86 138-0000-0001", VOLUNTEER_PASSWORD), 429)


def test_old_events_are_deleted_as_new_ones_come(app, session, world):
    client = from_address(app, "198.51.100.7")
    for _ in range(3):
        sign_in(client, "ca@example.org", "wrong-password")
    assert session.scalar(select(func.count()).select_from(ThrottleEvent)) == 6  # account, ip
    age_events(session, 3601)  # older than the longest window (registrations, 1 h)
    sign_in(client, "cb@example.org", "wrong-password")
    assert session.scalar(select(func.count()).select_from(ThrottleEvent)) == 2


def test_keys_are_stored_as_digests(app, session, world):
    sign_in(from_address(app, "198.51.100.7"), "ca@example.org", "wrong-password")
    stored = " ".join(session.scalars(select(ThrottleEvent.key_digest)))
    assert "ca@example.org" not in stored and "198.51.100.7" not in stored


def test_wrong_current_passwords_are_throttled(app, world):
    client = from_address(app, "198.51.100.7")
    headers = world["coordinator"].headers

    def change(current: str):
        body = {"current_password": current, "new_password": STRONG_PASSWORD}
        return client.post("/api/v1/auth/password", headers=headers, json=body)

    assert [change("wrong-password").status_code for _ in range(10)] == [422] * 10
    limited = change("coord-pass")
    assert_problem(limited, 429)
    assert "Retry-After" in limited.headers
    # The failures count for the address as well, and the old password still works.
    assert sign_in(client, "ca@example.org", "coord-pass").status_code == 200


def register(client: TestClient, phone: str, **extra):
    body = {
        "name": "Zhao Min",
        "phone": phone,
        "password": STRONG_PASSWORD,
        "accept_privacy_notice": True,
    }
    return client.post("/api/v1/volunteers", json=body | extra)


def test_registrations_per_address_are_limited(app, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "registrations_per_ip", 3)
    client = from_address(app, "198.51.100.7")
    assert register(client, "13900000101").status_code == 201
    assert register(client, "13900000102").status_code == 201
    assert_problem(register(client, "13900000101"), 409)  # a refused attempt counts too
    limited = register(client, "13900000103")
    assert_problem(limited, 429)
    assert 3590 <= int(limited.headers["Retry-After"]) <= 3600
    assert register(from_address(app, "198.51.100.8"), "13900000103").status_code == 201


@pytest.fixture
def invitation(client, world) -> str:
    volunteer = imported_volunteer(client, world)
    return invite(client, world, volunteer["id"]).json()["code"]


def test_wrong_invitation_codes_are_throttled_per_address(app, world, invitation, monkeypatch):
    monkeypatch.setattr(get_settings(), "auth_ip_failures", 3)
    client = from_address(app, "198.51.100.7")
    for guess in ("AAAA-BBBB-CCCC", "AAAA-BBBB-CCCD", "AAAA-BBBB-CCCE"):
        wrong = register(client, "13900000077", invitation_code=guess)
        assert assert_problem(wrong, 422)["errors"][0]["loc"] == ["body", "invitation_code"]
    assert_problem(register(client, "13900000077", invitation_code=invitation), 429)
    claimed = register(from_address(app, "198.51.100.8"), "13900000077", invitation_code=invitation)
    assert claimed.status_code == 201, claimed.text
