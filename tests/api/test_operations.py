import logging

from alembic import command
from sqlalchemy import select
from typer.testing import CliRunner

from app.accounts.models import Account, Role
from app.cli import cli
from app.migrate import alembic_config
from tests.api.conftest import assert_problem


def test_schema_matches_the_models(engine):
    """`alembic check`: the migrations produce exactly what the models declare."""
    with engine.connect() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.check(config)


def test_unexpected_error_is_a_500_problem_with_request_id(app, client, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR, logger="uroster"):
        response = client.get("/boom", headers={"X-Request-ID": "req-123"})
    body = assert_problem(response, 500)
    assert body["request_id"] == "req-123" == response.headers["x-request-id"]
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert any("req-123" in record.getMessage() for record in caplog.records)


def test_http_errors_are_problems(client, world):
    assert_problem(client.put("/api/v1/districts"), 405)
    assert_problem(client.get("/api/v1/stations/999999", headers=world["admin"].headers), 404)
    malformed = client.post(
        "/api/v1/volunteers", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(malformed, 422)


def test_every_response_has_a_request_id(client):
    assert len(client.get("/healthz").headers["x-request-id"]) == 32


def test_metrics_count_requests_by_route_template(client, world):
    client.get(f"/api/v1/stations/{world.station_a.id}", headers=world["admin"].headers)
    text = client.get("/metrics").text
    assert "# TYPE uroster_http_requests_total counter" in text
    assert (
        'uroster_http_requests_total{method="GET",route="/api/v1/stations/{station_id}",'
        'status="200"} 1.0'
    ) in text


def test_openapi_and_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/volunteers/import" in paths and "/api/v1/shifts/generate" in paths


def test_bootstrap_admin_created_once(monkeypatch, tmp_path):
    from app import db, main, settings

    url = f"sqlite:///{tmp_path / 'boot.db'}"
    monkeypatch.setenv("UROSTER_DATABASE_URL", url)
    monkeypatch.setenv("UROSTER_BOOTSTRAP_ADMIN_EMAIL", "first@example.org")
    monkeypatch.setenv("UROSTER_BOOTSTRAP_ADMIN_PASSWORD", "cedar-pebble-orbit")
    for cached in (settings.get_settings, db.get_engine, db.get_sessionmaker):
        cached.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        main.bootstrap_admin()
        main.bootstrap_admin()
        with db.get_sessionmaker()() as session:
            admins = session.scalars(select(Account).where(Account.role == Role.admin)).all()
            assert [a.email for a in admins] == ["first@example.org"]
        created = runner.invoke(
            cli, ["create-admin", "--email", "two@example.org", "--password", "amber-kite-harbour"]
        )
        assert created.exit_code == 0, created.output
        duplicate = runner.invoke(
            cli, ["create-admin", "--email", "two@example.org", "--password", "amber-kite-harbour"]
        )
        assert duplicate.exit_code == 1
        short = runner.invoke(
            cli, ["create-admin", "--email", "x@example.org", "--password", "short"]
        )
        assert short.exit_code != 0
    finally:
        db.get_engine().dispose()
        for cached in (settings.get_settings, db.get_engine, db.get_sessionmaker):
            cached.cache_clear()
