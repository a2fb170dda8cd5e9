"""Imported volunteers claim their record: the coordinator hands out a one-time code,
the volunteer registers with it and signs in to the record the office built."""

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import Account
from app.db import utcnow
from app.volunteers.models import Volunteer
from tests.api.conftest import assert_problem
from tests.api.test_import import upload

CSV = (
    "name,phone,skills,district_code,availability\n"
    "Chen Jie,13900000077,lang:yue,A,Sat 08:00-12:00\n"
)


def imported_volunteer(client, world) -> dict:
    assert upload(client, world["coordinator"].headers, CSV).json()["created"] == 1
    listed = client.get(
        "/api/v1/volunteers", headers=world["coordinator"].headers, params={"skill": "lang:yue"}
    )
    return listed.json()["items"][0]


def invite(client, world, volunteer_id: int, headers=None):
    return client.post(
        f"/api/v1/volunteers/{volunteer_id}/invitation",
        headers=headers or world["coordinator"].headers,
    )


def claim(client, code: str, **extra):
    body = {
        "name": "Chen Jie",
        "phone": "+86 139 0000 0077",
        "password": "copper-heron-meadow",
        "accept_privacy_notice": True,
        "invitation_code": code,
    }
    return client.post("/api/v1/volunteers", json=body | extra)


def test_an_imported_volunteer_claims_the_record(client, world):
    chen = imported_volunteer(client, world)
    response = invite(client, world, chen["id"])
    assert response.status_code == 201, response.text
    invitation = response.json()
    assert invitation["volunteer_id"] == chen["id"]
    code = invitation["code"]
    assert len(code) == 14 and code.count("-") == 2
    # typed loosely: lower case, spaces instead of dashes
    claimed = claim(client, code.lower().replace("-", " "), email="chen@example.org")
    assert claimed.status_code == 201, claimed.text
    body = claimed.json()
    assert body["id"] == chen["id"] and body["skills"] == ["lang:yue"]
    assert body["email"] == "chen@example.org" and body["district_id"] == world.district_a.id
    token = client.post(
        "/api/v1/auth/token", data={"username": "13900000077", "password": "copper-heron-meadow"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/volunteers/me", headers=headers).json()["id"] == chen["id"]
    weekly = client.get("/api/v1/volunteers/me/availability", headers=headers).json()["weekly"]
    assert [(w["weekday"], w["start"]) for w in weekly] == [(6, "08:00")]
    # the code is spent, and the record now has an account
    assert_problem(claim(client, code, phone="13900000078"), 422)
    assert_problem(invite(client, world, chen["id"]), 409)


def test_a_new_code_replaces_the_old_one(client, world):
    chen = imported_volunteer(client, world)
    old = invite(client, world, chen["id"]).json()["code"]
    new = invite(client, world, chen["id"]).json()["code"]
    assert_problem(claim(client, old), 422)
    assert claim(client, new).status_code == 201


def test_wrong_or_expired_codes_store_nothing(client, session, world):
    chen = imported_volunteer(client, world)
    code = invite(client, world, chen["id"]).json()["code"]
    accounts = session.scalar(select(func.count()).select_from(Account))
    body = assert_problem(claim(client, "AAAA-BBBB-CCCC"), 422)
    assert body["errors"][0]["loc"] == ["body", "invitation_code"]
    session.get(Volunteer, chen["id"]).invitation_expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert_problem(claim(client, code), 422)
    assert session.scalar(select(func.count()).select_from(Account)) == accounts
    assert session.get(Volunteer, chen["id"]).account_id is None


def test_claiming_with_someone_elses_phone_is_409(client, session, world):
    chen = imported_volunteer(client, world)
    code = invite(client, world, chen["id"]).json()["code"]
    assert_problem(claim(client, code, phone="13800000001"), 409)  # Wang Li's
    assert session.get(Volunteer, chen["id"]).account_id is None
    assert claim(client, code).status_code == 201  # the code still works


def test_registered_and_withdrawn_volunteers_get_no_code(client, world):
    assert_problem(invite(client, world, world["volunteer"].volunteer_id), 409)
    headers = world["other_volunteer"].headers
    assert client.delete("/api/v1/volunteers/me", headers=headers).status_code == 204
    assert_problem(invite(client, world, world["other_volunteer"].volunteer_id), 409)


def test_codes_reach_only_the_coordinators_own_district(client, world):
    chen = imported_volunteer(client, world)
    assert_problem(invite(client, world, chen["id"], world["other_coordinator"].headers), 404)
    assert_problem(invite(client, world, chen["id"], world["volunteer"].headers), 403)
