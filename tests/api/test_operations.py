import logging
import re

import anyio
import pytest
from alembic import command
from sqlalchemy import select
from typer.testing import CliRunner

from app.accounts.models import Account, Role
from app.cli import cli
from app.main import create_app
from app.migrate import alembic_config
from app.settings import get_settings
from tests.api.conftest import assert_problem, on_session


def test_schema_matches_the_models(engine):
    """`alembic check`: the migrations produce exactly what the models declare."""
    with engine.connect() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.check(config)


@pytest.fixture
def app(session):
    """An app of this module's own: its tests add failing routes, which the API tests'
    shared app must not keep."""
    return on_session(create_app(run_jobs=False), session)


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
    def station_reads() -> float:
        """The counter of answered station reads (absent: none yet; the app is shared)."""
        text = client.get("/metrics", headers=world["admin"].headers).text
        assert "# TYPE uroster_http_requests_total counter" in text
        found = re.search(
            r'uroster_http_requests_total\{method="GET",route="/api/v1/stations/\{station_id\}",'
            r'status="200"\} ([0-9.]+)',
            text,
        )
        return float(found.group(1)) if found else 0.0

    before = station_reads()
    client.get(f"/api/v1/stations/{world.station_a.id}", headers=world["admin"].headers)
    assert station_reads() == before + 1


def test_metrics_are_for_admins_only(client, world):
    assert_problem(client.get("/metrics"), 401)
    for role in ("volunteer", "coordinator"):
        assert_problem(client.get("/metrics", headers=world[role].headers), 403)
    assert client.get("/metrics", headers=world["admin"].headers).status_code == 200


def test_metrics_can_be_made_public(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "metrics_public", True)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")


def test_openapi_and_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/volunteers/import" in paths and "/api/v1/shifts/generate" in paths


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_everything_from_the_app(client, page):
    """Offices run on intranets: no CDN, no font service, no validator badge."""
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    assets = re.findall(r'(?:src|href|spec-url)="([^"]+)"', html)
    assets += re.findall(r"\burl: *'([^']+)'", html)
    assert any(a.endswith(".js") for a in assets) and "/openapi.json" in assets, assets
    if page == "/docs":
        assert any(a.endswith(".css") for a in assets) and '"validatorUrl": null' in html
    for asset in assets:
        assert asset.startswith("/"), asset
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert fetched.headers["x-content-type-options"] == "nosniff"
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_security_headers_on_every_response(app, client, world):
    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("boom")

    admin = world["admin"].headers
    api = [
        client.get("/api/v1/districts", headers=admin),  # 200
        client.get("/api/v1/districts"),  # 401
        client.get("/api/v1/stations/999999", headers=admin),  # 404
        client.get("/api/v1/nowhere"),  # 404, no route
        client.put("/api/v1/districts", headers=admin),  # 405
        client.post("/api/v1/districts", json={}, headers=admin),  # 422
        client.get("/api/v1/boom"),  # 500
        client.post("/api/v1/auth/token", data={"username": "x", "password": "y"}),  # 401
    ]
    assert [r.status_code for r in api] == [200, 401, 404, 404, 405, 422, 500, 401]
    for response in api:
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert response.headers["x-content-type-options"] == "nosniff"
    for response in (client.get("/healthz"), client.get("/docs"), client.get("/kiosk")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers.get("cache-control") != "no-store"


def test_a_handler_keeps_its_own_cache_control(client, world):
    volunteer = world["volunteer"].headers
    feed = client.post("/api/v1/volunteers/me/calendar-feed", headers=volunteer).json()["url"]
    for response in (
        client.get("/api/v1/volunteers/me/calendar.ics", headers=volunteer),
        client.get(feed),
    ):
        assert response.status_code == 200
        assert response.headers.get_list("cache-control") == ["private, no-store"]
        assert response.headers["x-content-type-options"] == "nosniff"


LIMIT = 1024 * 1024


def test_a_body_over_the_limit_is_413(client):
    """Unauthenticated, and refused before it is parsed."""
    response = client.post(
        "/api/v1/volunteers",
        content=b"[" + b"1," * (20 * LIMIT) + b"1]",
        headers={"content-type": "application/json"},
    )
    body = assert_problem(response, 413)
    assert body["type"].endswith("/payload-too-large")
    assert "1,048,576 bytes" in body["detail"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-request-id"]


def test_a_body_at_the_limit_is_read(client):
    at_limit = b'{"name": "' + b"x" * (LIMIT - 12) + b'"}'
    assert len(at_limit) == LIMIT
    response = client.post(
        "/api/v1/volunteers", content=at_limit, headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)  # parsed: the fields are missing or wrong


def test_a_streamed_body_without_length_is_counted(client):
    def chunks():
        for _ in range(40):
            yield b" " * (64 * 1024)

    response = client.post(
        "/api/v1/volunteers", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_the_limit_is_a_setting(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_body_bytes", 100)
    response = client.post("/api/v1/districts", content=b"{" + b" " * 100 + b"}")
    assert "100 bytes" in assert_problem(response, 413)["detail"]


def _asgi_post(app, path: str, headers: list[tuple[bytes, bytes]], chunk: bytes):
    """POSTs an endless body straight through the ASGI interface: (status, chunks read)."""
    reads = 0
    sent = []

    async def receive():
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    anyio.run(app, scope, receive, send)
    return sent[0]["status"], reads


def test_a_declared_length_over_the_limit_is_refused_unread(app):
    headers = [(b"content-type", b"application/json"), (b"content-length", b"41943040")]
    assert _asgi_post(app, "/api/v1/volunteers", headers, b" " * 1024) == (413, 0)


def test_an_endless_body_is_cut_off_at_the_limit(app):
    status, reads = _asgi_post(
        app, "/api/v1/volunteers", [(b"content-type", b"application/json")], b" " * 65536
    )
    assert (status, reads) == (413, LIMIT // 65536 + 1)


def test_the_csv_import_has_its_own_larger_limit(client, world):
    coordinator = world["coordinator"].headers

    def upload(size: int):
        data = b"bogus\n" + b"x" * (size - 6)
        files = {"file": ("volunteers.csv", data, "text/csv")}
        return client.post("/api/v1/volunteers/import", files=files, headers=coordinator)

    # Past the general limit, the importer reads the file (and finds its header wrong).
    assert "header" in assert_problem(upload(2 * LIMIT), 400)["detail"]
    # Over its own limit, the importer refuses it; far over, the middleware does.
    assert "5,242,880 bytes" in assert_problem(upload(5 * LIMIT + 1), 413)["detail"]
    assert "5,308,416 bytes" in assert_problem(upload(6 * LIMIT), 413)["detail"]


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


def test_a_database_out_of_reach_is_a_503_to_retry(monkeypatch):
    """PostgreSQL refusing connections (down, or its max_connections reached by too
    many API processes): a 503 problem with Retry-After, never a 500. A real server
    address where nothing listens; the app's own engine, not the tests' session."""
    from fastapi.testclient import TestClient

    from app import db

    def forget() -> None:
        get_settings.cache_clear()
        db.get_engine.cache_clear()
        db.get_sessionmaker.cache_clear()

    monkeypatch.setenv("UROSTER_DATABASE_URL", "postgresql+psycopg://uroster@127.0.0.1:9/none")
    forget()
    try:
        with TestClient(create_app(run_jobs=False)) as client:
            assert_problem(client.get("/readyz"), 503)
            for path in ("/api/v1/auth/me", "/api/v1/volunteers/me/assignments"):
                response = client.get(path, headers={"Authorization": "Bearer not-checked"})
                body = assert_problem(response, 503)
                assert "try again" in body["detail"]
                assert response.headers["retry-after"] == "5"
    finally:
        monkeypatch.undo()
        forget()
