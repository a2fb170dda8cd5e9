"""Organisations over the API on both databases: the admin creates them and their
administrators, who sign in by e-mail and change their own organisation's name and
contact, and nothing of another organisation."""

from sqlalchemy import select

from app.accounts.models import Account
from tests.api.conftest import STRONG_PASSWORD, assert_problem

ORGS = "/api/v1/organisations"


def test_the_admin_creates_an_organisation_and_its_administrator(client, session, world):
    admin = world["admin"].headers
    body = {
        "code": "SZ-RED",
        "name": "深圳红十字志愿者",
        "contact_name": "Li Na",
        "contact_phone": "13800000123",
        "district_ids": [world.district_a.id, world.district_b.id],
    }
    response = client.post(ORGS, headers=admin, json=body)
    assert response.status_code == 201, response.text
    organisation = response.json()
    assert organisation["contact_phone"] == "+8613800000123"  # normalised as phones are
    assert organisation["district_ids"] == sorted([world.district_a.id, world.district_b.id])
    assert_problem(client.post(ORGS, headers=admin, json=body), 409)  # the code is taken
    unknown = client.post(ORGS, headers=admin, json=body | {"code": "X", "district_ids": [999]})
    assert_problem(unknown, 422)

    path = f"{ORGS}/{organisation['id']}"
    new_admin = {"email": "Boss@Red.example", "name": "Zhou Boss", "password": STRONG_PASSWORD}
    created = client.post(f"{path}/admins", headers=admin, json=new_admin)
    assert created.status_code == 201, created.text
    assert created.json() | {"id": 0} == {
        "id": 0, "role": "org_admin", "email": "boss@red.example", "name": "Zhou Boss",
        "organisation_id": organisation["id"],
    }  # fmt: skip
    assert_problem(client.post(f"{path}/admins", headers=admin, json=new_admin), 409)
    weak = new_admin | {"email": "b2@red.example", "password": "password123"}
    assert_problem(client.post(f"{path}/admins", headers=admin, json=weak), 422)
    assert_problem(client.post(f"{ORGS}/999999/admins", headers=admin, json=new_admin), 404)

    # The organisation's admin signs in by e-mail, like a coordinator.
    token = client.post(
        "/api/v1/auth/token", data={"username": "boss@red.example", "password": STRONG_PASSWORD}
    )
    assert token.status_code == 200, token.text
    assert token.json()["role"] == "org_admin"
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get(path, headers=headers).json()["code"] == "SZ-RED"
    renamed = client.patch(
        path, headers=headers, json={"name": "Red Cross SZ", "contact_name": None}
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["contact_name"]) == ("Red Cross SZ", None)
    # How far it reaches is the admin's to say.
    assert_problem(client.patch(path, headers=headers, json={"district_ids": []}), 403)
    narrowed = client.patch(path, headers=admin, json={"district_ids": [world.district_a.id]})
    assert narrowed.json()["district_ids"] == [world.district_a.id]
    assert_problem(client.patch(path, headers=admin, json={"name": None}), 422)
    # Administrators of organisations are no coordinators: no volunteers, no stations' admin.
    assert_problem(client.get("/api/v1/volunteers", headers=headers), 403)
    vid = world["volunteer"].volunteer_id
    assert_problem(client.get(f"/api/v1/volunteers/{vid}", headers=headers), 403)
    assert_problem(client.post(ORGS, headers=headers, json=body | {"code": "Y"}), 403)
    stored = session.scalar(select(Account).where(Account.email == "boss@red.example"))
    assert stored is not None and stored.organisation_id == organisation["id"]


def test_organisations_are_listed_to_the_signed_in(client, team_world):
    w = team_world
    for role in ("volunteer", "coordinator", "org_admin", "lead", "admin"):
        response = client.get(ORGS, headers=w[role].headers)
        assert response.status_code == 200, response.text
        assert [o["code"] for o in response.json()["items"]] == ["ORG-A", "ORG-B"]
    # A contact is a person: volunteers and other organisations' admins do not see it.
    for role, shown in (("volunteer", False), ("lead", False), ("coordinator", True),
                        ("org_admin", True), ("admin", True)):  # fmt: skip
        items = client.get(ORGS, headers=w[role].headers).json()["items"]
        assert [o["contact_phone"] is not None for o in items] == [
            shown,
            shown and role != "org_admin",
        ]
    page = client.get(ORGS, headers=w["volunteer"].headers, params={"limit": 1, "offset": 1})
    assert page.json()["total"] == 2 and [o["code"] for o in page.json()["items"]] == ["ORG-B"]
    assert_problem(client.get(ORGS), 401)


def test_one_organisation_is_for_the_admin_and_its_own_administrators(client, team_world):
    w = team_world
    a, b = f"{ORGS}/{w.org_a.id}", f"{ORGS}/{w.org_b.id}"
    assert client.get(a, headers=w["org_admin"].headers).status_code == 200
    assert client.get(b, headers=w["admin"].headers).status_code == 200
    # Another organisation's: as if it did not exist.
    assert_problem(client.get(b, headers=w["org_admin"].headers), 404)
    assert_problem(client.patch(b, headers=w["org_admin"].headers, json={"name": "Mine"}), 404)
    for role in ("volunteer", "lead", "coordinator", "other_coordinator"):
        assert_problem(client.get(a, headers=w[role].headers), 403)
        assert_problem(client.patch(a, headers=w[role].headers, json={"name": "X"}), 403)
    assert_problem(client.get(f"{ORGS}/999999", headers=w["admin"].headers), 404)
