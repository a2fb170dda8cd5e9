from tests.api.conftest import assert_problem


def test_health_and_ready(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_unknown_path_is_a_problem(client):
    assert_problem(client.get("/api/v1/nope"), 404)


def test_sign_in_and_read_districts(client, world):
    response = client.post(
        "/api/v1/auth/token", data={"username": "ca@example.org", "password": "coord-pass"}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert response.json()["role"] == "coordinator"
    listing = client.get("/api/v1/districts", headers={"Authorization": f"Bearer {token}"})
    assert listing.json()["total"] == 2
