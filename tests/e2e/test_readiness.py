"""/readyz and the workers-alive metric with real processes, on both databases.

PostgreSQL: a roster job waits and no `uroster worker` runs -> degraded; a worker
starts -> ok once its heartbeat is in; it stops -> degraded again. SQLite: the
server's in-process worker is the worker, alive as long as the server."""

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from app import models  # noqa: F401  (every table mapped before the first insert)
from app.db import make_engine, utcnow
from app.districts.models import District
from app.rosters.models import Roster
from tests.servers import migrate, start_server, start_worker


def ready(base_url: str) -> dict:
    response = httpx.get(f"{base_url}/readyz", timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def workers_alive_metric(base_url: str) -> float:
    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    (family,) = (
        f for f in text_string_to_metric_families(text) if f.name == "uroster_workers_alive"
    )
    return family.samples[0].value


def wait_for_status(base_url: str, status: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = ready(base_url)
        if body["status"] == status:
            return body
        time.sleep(0.2)
    raise AssertionError(f"/readyz still {body} after {timeout} s")


def queue_a_roster_job(database_url: str) -> None:
    """A queued solve, as a coordinator's request leaves it, never sent to procrastinate:
    no worker would take it before the reaper sends it again (after 60 s)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            district = District(code="R", name="Readiness")
            session.add(district)
            session.flush()
            session.add(
                Roster(
                    district_id=district.id,
                    week="2026-W10",
                    status="queued",
                    time_limit_seconds=5,
                    job_kind="solve",
                    job_status="queued",
                    heartbeat_at=utcnow(),
                )  # fmt: skip
            )
    finally:
        engine.dispose()


def test_readyz_tells_whether_a_worker_takes_the_queue(database_url, tmp_path):
    migrate(database_url)
    postgres = database_url.startswith("postgresql")
    if postgres:
        queue_a_roster_job(database_url)
    server, base_url = start_server(database_url, tmp_path / "server.log", metrics_public="1")
    processes = [server]
    try:
        if not postgres:
            # The server's own runner thread works the queue: ok, one worker alive.
            body = ready(base_url)
            assert body["status"] == "ok", body
            assert body["queue"]["workers_alive"] == 1
            assert workers_alive_metric(base_url) == 1
            return

        body = ready(base_url)
        assert body["status"] == "degraded", body
        assert body["queue"]["waiting"] == 1 and body["queue"]["workers_alive"] == 0
        assert body["reasons"] == [
            "1 roster job(s) wait and no worker is alive (start `uroster worker`)"
        ]
        assert workers_alive_metric(base_url) == 0

        worker = start_worker(database_url, tmp_path / "worker.log")
        processes.append(worker)
        body = wait_for_status(base_url, "ok", timeout=30)
        assert body["queue"] == {
            "waiting": 1, "oldest_wait_seconds": body["queue"]["oldest_wait_seconds"],
            "notifications_due": 0, "workers_alive": 1,
        }  # fmt: skip
        assert "reasons" not in body
        assert workers_alive_metric(base_url) == 1

        # A worker that stops (SIGTERM) takes its heartbeat row with it.
        worker.stop()
        body = wait_for_status(base_url, "degraded", timeout=15)
        assert body["queue"]["workers_alive"] == 0
    finally:
        for process in processes:
            process.stop()
