"""Every new password: at least 12 characters and not guessable (zxcvbn score 3+, with
the person's own email, name and phone counted as guessable); older accounts keep
signing in with the passwords they have."""

import pytest
from typer.testing import CliRunner

from app.accounts import passwords
from app.cli import cli
from tests.api.conftest import STRONG_PASSWORD, assert_problem

REGISTER = {
    "name": "Wang Li",
    "phone": "13912345678",
    "email": "wang.li@example.org",
    "accept_privacy_notice": True,
}


def password_error(response, field: str = "password") -> str:
    body = assert_problem(response, 422)
    messages = [e["msg"] for e in body["errors"] if e["loc"] == ["body", field]]
    assert messages, body
    return messages[0]


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Short-1!", "at least 12 characters"),
        ("password1234", "very common password"),
        ("qwertyuiop123", "too easy to guess"),
        # Strong for zxcvbn alone, weak once it knows the person's name and phone.
        ("WangLi13912345678", "too easy to guess"),
        ("x" * 201, "at most 200 characters"),
    ],
)
def test_registration_refuses_a_weak_password_next_to_the_field(client, password, says):
    response = client.post("/api/v1/volunteers", json=REGISTER | {"password": password})
    assert says in password_error(response)


def test_the_own_inputs_are_what_makes_a_password_weak():
    assert passwords.weakness("WangLi13912345678") is None
    assert passwords.weakness("WangLi13912345678", ["Wang Li", "+8613912345678"]) is not None
    assert passwords.weakness("lin@example.org1", ["lin@example.org"]) is not None


def test_a_long_password_is_scored_quickly_on_its_first_72_characters():
    # zxcvbn needs seconds for 200 random characters; the rule scores a prefix.
    assert passwords.weakness("k7#Qv9!mZ2@xL4$w" * 12 + "Ab") is None
    assert passwords.weakness("a" * 150) is not None


def test_a_strong_password_registers_and_signs_in(client):
    response = client.post("/api/v1/volunteers", json=REGISTER | {"password": STRONG_PASSWORD})
    assert response.status_code == 201, response.text
    token = client.post(
        "/api/v1/auth/token", data={"username": "13912345678", "password": STRONG_PASSWORD}
    )
    assert token.status_code == 200


def test_coordinator_creation_refuses_a_password_made_of_their_email(client, world):
    response = client.post(
        "/api/v1/coordinators",
        headers=world["admin"].headers,
        json={"email": "lin@example.org", "password": "lin@example.org1", "name": "Lin"},
    )
    assert "too easy to guess" in password_error(response)


def test_password_change_refuses_a_weak_new_password(client, world):
    response = client.post(
        "/api/v1/auth/password",
        headers=world["coordinator"].headers,
        json={"current_password": "coord-pass", "new_password": "password1234"},
    )
    assert "very common" in password_error(response, "new_password")
    # Nothing changed: the old password and the token still work.
    assert client.get("/api/v1/auth/me", headers=world["coordinator"].headers).status_code == 200


def test_password_change_refuses_the_volunteers_own_phone(client, world):
    response = client.post(
        "/api/v1/auth/password",
        headers=world["volunteer"].headers,
        json={"current_password": "plum-lantern-harbour", "new_password": "13800000001wl"},
    )
    assert "too easy to guess" in password_error(response, "new_password")


def test_an_account_with_an_older_short_password_still_signs_in(client, world):
    # The world's coordinator was created with "coord-pass" (10 characters).
    response = client.post(
        "/api/v1/auth/token", data={"username": "ca@example.org", "password": "coord-pass"}
    )
    assert response.status_code == 200, response.text


def test_create_admin_refuses_a_weak_password():
    result = CliRunner().invoke(
        cli, ["create-admin", "--email", "root@example.org", "--password", "password1234"]
    )
    assert result.exit_code != 0
    assert "very common password" in result.output


def test_bootstrap_refuses_a_weak_admin_password(monkeypatch, caplog):
    from app import main, settings

    monkeypatch.setenv("UROSTER_BOOTSTRAP_ADMIN_EMAIL", "root@example.org")
    monkeypatch.setenv("UROSTER_BOOTSTRAP_ADMIN_PASSWORD", "change-me")
    settings.get_settings.cache_clear()
    try:
        with pytest.raises(main.StartupRefused), caplog.at_level("ERROR", logger="uroster"):
            main.bootstrap_admin()
    finally:
        settings.get_settings.cache_clear()
    assert "UROSTER_BOOTSTRAP_ADMIN_PASSWORD must have at least 12 characters" in caplog.text
