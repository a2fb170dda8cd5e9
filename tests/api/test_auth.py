from datetime import timedelta

from sqlalchemy import update

from app.accounts.models import AccessToken
from app.db import utcnow
from tests.api.conftest import assert_problem

TOKEN = "/api/v1/auth/token"


def sign_in(client, username, password):
    return client.post(TOKEN, data={"username": username, "password": password})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_volunteer_signs_in_by_phone_in_any_format(client, world):
    for username in ("13800000001", "+86 138 0000 0001", "+8613800000001"):
        response = sign_in(client, username, "plum-lantern-harbour")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer" and body["role"] == "volunteer"
        me = client.get("/api/v1/volunteers/me", headers=bearer(body["access_token"]))
        assert me.json()["id"] == world["volunteer"].volunteer_id


def test_email_sign_in_ignores_case(client, world):
    assert sign_in(client, "CA@Example.org", "coord-pass").status_code == 200


def test_wrong_password_and_unknown_user_are_the_same_401(client, world):
    wrong = assert_problem(sign_in(client, "ca@example.org", "nope"), 401)
    unknown = assert_problem(sign_in(client, "nobody@example.org", "nope"), 401)
    assert wrong["detail"] == unknown["detail"]
    assert_problem(sign_in(client, "not a phone", "nope"), 401)


def test_missing_form_fields_is_422(client):
    assert_problem(client.post(TOKEN, data={"username": "x"}), 422)


def test_garbage_token_is_401(client, world):
    body = assert_problem(client.get("/api/v1/auth/me", headers=bearer("garbage")), 401)
    assert "Bearer" in client.get("/api/v1/auth/me").headers["www-authenticate"]
    assert body["status"] == 401


def test_expired_token_is_401(client, session, world):
    caller = world["coordinator"]
    assert client.get("/api/v1/auth/me", headers=caller.headers).status_code == 200
    session.execute(
        update(AccessToken)
        .where(AccessToken.account_id == caller.account.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    assert_problem(client.get("/api/v1/auth/me", headers=caller.headers), 401)


def test_token_lifetime_follows_the_setting(client, session, world):
    body = sign_in(client, "ca@example.org", "coord-pass").json()
    assert body["expires_in"] == 12 * 3600
    token = session.query(AccessToken).order_by(AccessToken.id.desc()).first()
    lifetime = token.expires_at - token.created_at
    assert timedelta(hours=11, minutes=59) < lifetime <= timedelta(hours=12)


def test_logout_revokes_only_that_token(client, world):
    first = sign_in(client, "ca@example.org", "coord-pass").json()["access_token"]
    second = sign_in(client, "ca@example.org", "coord-pass").json()["access_token"]
    assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert_problem(client.get("/api/v1/auth/me", headers=bearer(first)), 401)
    assert client.get("/api/v1/auth/me", headers=bearer(second)).status_code == 200


def test_password_change_revokes_every_token(client, world):
    old = world["coordinator"].headers
    response = client.post(
        "/api/v1/auth/password",
        headers=old,
        json={"current_password": "coord-pass", "new_password": "quiet-bamboo-ferry"},
    )
    assert response.status_code == 204
    assert_problem(client.get("/api/v1/auth/me", headers=old), 401)
    assert_problem(sign_in(client, "ca@example.org", "coord-pass"), 401)
    assert sign_in(client, "ca@example.org", "quiet-bamboo-ferry").status_code == 200


def test_withdrawal_revokes_tokens_and_sign_in(client, world):
    caller = world["volunteer"]
    assert client.delete("/api/v1/volunteers/me", headers=caller.headers).status_code == 204
    assert_problem(client.get("/api/v1/volunteers/me", headers=caller.headers), 401)
    assert_problem(sign_in(client, "13800000001", "plum-lantern-harbour"), 401)


def test_admin_creates_coordinator_who_acts_in_own_district(client, world):
    response = client.post(
        "/api/v1/coordinators",
        headers=world["admin"].headers,
        json={
            "email": "Lin@Example.org",
            "password": "copper-heron-meadow",
            "name": "Lin",
            "district_ids": [world.district_b.id],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["role"] == "coordinator" and created["district_ids"] == [world.district_b.id]
    assert "password" not in str(created).lower()
    token = sign_in(client, "lin@example.org", "copper-heron-meadow").json()["access_token"]
    own = client.patch(
        f"/api/v1/stations/{world.station_b.id}", headers=bearer(token), json={"name": "B2"}
    )
    assert own.status_code == 200
    foreign = client.patch(
        f"/api/v1/stations/{world.station_a.id}", headers=bearer(token), json={"name": "X"}
    )
    assert_problem(foreign, 404)


def test_coordinator_email_taken_is_409(client, world):
    response = client.post(
        "/api/v1/coordinators",
        headers=world["admin"].headers,
        json={"email": "ca@example.org", "password": "copper-heron-meadow", "name": "Dup"},
    )
    assert_problem(response, 409)


def test_coordinator_with_unknown_district_is_422(client, world):
    response = client.post(
        "/api/v1/coordinators",
        headers=world["admin"].headers,
        json={
            "email": "x@example.org",
            "password": "copper-heron-meadow",
            "name": "X",
            "district_ids": [999],
        },
    )
    assert_problem(response, 422)
