"""The request body limit against a real `uroster serve` process, over real HTTP:
a chunked upload without Content-Length is cut off once it passes the limit."""

import time
from pathlib import Path

import httpx

from tests.servers import migrate, running_server

LIMIT = 256 * 1024


def test_a_chunked_body_over_the_limit_is_cut_off(tmp_path: Path):
    database_url = f"sqlite:///{tmp_path / 'limit.db'}"
    migrate(database_url)
    sent = 0

    def endless_json():
        nonlocal sent
        yield b'{"name": "'
        # Far more than the limit: the server must answer long before the end.
        for _ in range(2000):
            sent += 16 * 1024
            yield b"x" * (16 * 1024)

    log = tmp_path / "server.log"
    with running_server(database_url, log, max_body_bytes=str(LIMIT)) as base_url:
        started = time.monotonic()
        response = httpx.post(
            f"{base_url}/api/v1/volunteers",
            content=endless_json(),
            headers={"content-type": "application/json"},
            timeout=30,
        )
        elapsed = time.monotonic() - started
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"].endswith("limit of 262,144 bytes.")
        assert response.headers["connection"] == "close"
        # The client stopped sending when the server answered, far short of 32 MB.
        assert sent < 32 * 1024 * 1024, sent
        assert elapsed < 20

        # A declared length over the limit is refused the same way; the server serves on.
        declared = httpx.post(
            f"{base_url}/api/v1/volunteers",
            content=b" " * (LIMIT + 1),
            headers={"content-type": "application/json"},
        )
        assert declared.status_code == 413
        assert httpx.get(f"{base_url}/healthz").status_code == 200
    assert "Traceback" not in log.read_text()
