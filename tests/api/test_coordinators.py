"""Admins list coordinators and offboard them: a deactivated coordinator's tokens stop
working at once and sign-in is refused until they are activated again."""

from tests.api.conftest import assert_problem

TOKEN = "/api/v1/auth/token"


def coordinator_url(account_id: int) -> str:
    return f"/api/v1/coordinators/{account_id}"


def test_admin_lists_coordinators_page_by_page(client, world):
    admin = world["admin"].headers
    body = client.get("/api/v1/coordinators", headers=admin).json()
    assert body["total"] == 2
    assert body["items"] == [
        {
            "id": world["coordinator"].account.id,
            "email": "ca@example.org",
            "name": "Coord A",
            "district_ids": [world.district_a.id],
            "active": True,
        },
        {
            "id": world["other_coordinator"].account.id,
            "email": "cb@example.org",
            "name": "Coord B",
            "district_ids": [world.district_b.id],
            "active": True,
        },
    ]
    second = client.get("/api/v1/coordinators?limit=1&offset=1", headers=admin).json()
    assert second == {"items": body["items"][1:], "total": 2}


def test_deactivation_revokes_every_token_and_blocks_sign_in(client, world):
    coordinator = world["coordinator"]
    second_token = client.post(
        TOKEN, data={"username": "ca@example.org", "password": "coord-pass"}
    ).json()["access_token"]

    response = client.patch(
        coordinator_url(coordinator.account.id),
        headers=world["admin"].headers,
        json={"active": False},
    )

    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    assert_problem(client.get("/api/v1/auth/me", headers=coordinator.headers), 401)
    gone = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second_token}"})
    assert_problem(gone, 401)
    sign_in = {"username": "ca@example.org", "password": "coord-pass"}
    assert_problem(client.post(TOKEN, data=sign_in), 401)
    listed = client.get("/api/v1/coordinators", headers=world["admin"].headers).json()
    assert [c["active"] for c in listed["items"]] == [False, True]

    again = client.patch(
        coordinator_url(coordinator.account.id),
        headers=world["admin"].headers,
        json={"active": True},
    )
    assert again.status_code == 200 and again.json()["active"] is True
    token = client.post(TOKEN, data=sign_in).json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    # Reactivation does not bring the revoked tokens back.
    assert_problem(client.get("/api/v1/auth/me", headers=coordinator.headers), 401)


def test_moving_a_coordinator_changes_which_districts_they_reach(client, world):
    coordinator = world["coordinator"]
    response = client.patch(
        coordinator_url(coordinator.account.id),
        headers=world["admin"].headers,
        json={"name": "  Coord A-B ", "district_ids": [world.district_b.id]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["district_ids"] == [world.district_b.id]
    assert response.json()["name"] == "Coord A-B"
    lost = client.patch(
        f"/api/v1/stations/{world.station_a.id}", headers=coordinator.headers, json={"name": "X"}
    )
    assert_problem(lost, 404)
    gained = client.patch(
        f"/api/v1/stations/{world.station_b.id}", headers=coordinator.headers, json={"name": "Y"}
    )
    assert gained.status_code == 200


def test_unknown_and_non_coordinator_ids_are_404(client, world):
    admin = world["admin"].headers
    for account_id in (999_999, world["admin"].account.id, world["volunteer"].account.id):
        body = {"active": False}
        assert_problem(client.patch(coordinator_url(account_id), headers=admin, json=body), 404)
    # The volunteer was not touched.
    assert client.get("/api/v1/auth/me", headers=world["volunteer"].headers).status_code == 200


def test_bad_updates_are_422(client, world):
    url = coordinator_url(world["coordinator"].account.id)
    admin = world["admin"].headers
    unknown = assert_problem(client.patch(url, headers=admin, json={"district_ids": [999]}), 422)
    assert unknown["errors"][0]["loc"] == ["body", "district_ids"]
    for body, field in (
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"active": None}, "active"),
        ({"active": "no"}, "active"),
        ({"district_ids": None}, "district_ids"),
    ):
        problem = assert_problem(client.patch(url, headers=admin, json=body), 422)
        assert problem["errors"][0]["loc"] == ["body", field], body
    # Nothing changed.
    listed = client.get("/api/v1/coordinators", headers=admin).json()["items"][0]
    assert listed["name"] == "Coord A" and listed["active"] is True
