"""Roster jobs through real processes: the embedded worker thread on SQLite, `uroster
worker` (procrastinate) on PostgreSQL, and a worker killed with SIGKILL mid-solve."""

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.benchmarks.roster_district import ADMIN, load
from tests.servers import UROSTER, migrate, start_server, start_worker

SETTINGS = {
    "bootstrap_admin_email": ADMIN["username"],
    "bootstrap_admin_password": ADMIN["password"],
    "job_stale_seconds": "2",
}


def wait_for(api: httpx.Client, roster_id: int, statuses: set[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(f"/rosters/{roster_id}").json()
        if body["status"] in statuses:
            return body
        time.sleep(0.02)
    raise AssertionError(f"roster {roster_id} still {body['status']} after {timeout} s: {body}")


def test_a_job_killed_mid_solve_is_run_again(database_url, tmp_path):
    postgres = database_url.startswith("postgresql")
    migrate(database_url)
    server, base_url = start_server(database_url, tmp_path / "server.log", **SETTINGS)
    worker = start_worker(database_url, tmp_path / "worker-1.log", **SETTINGS) if postgres else None
    processes = [p for p in (server, worker) if p]
    try:
        loaded = load(base_url, stations=8, volunteers=160, seed=1)
        api = httpx.Client(base_url=f"{base_url}/api/v1", headers=loaded.headers, timeout=30)
        request = {"district_id": loaded.district_id, "week": loaded.week, "time_limit_seconds": 10}

        # A normal run: queued, then a draft whose figures match its assignments.
        first = api.post("/rosters", json=request)
        assert first.status_code == 202, first.text
        draft = wait_for(api, first.json()["id"], {"draft", "failed"}, timeout=60)
        assert draft["status"] == "draft", draft
        assignments = api.get(f"/rosters/{draft['id']}/assignments").json()
        assert draft["stats"]["seats_filled"] == len(assignments) > 0

        # Kill the process running the solve as soon as it starts.
        second = api.post("/rosters", json=request).json()
        wait_for(api, second["id"], {"solving"}, timeout=30)
        if postgres:
            worker.kill_hard()
        else:
            server.kill_hard()
            server, base_url = start_server(database_url, tmp_path / "server-2.log", **SETTINGS)
            processes.append(server)
            api = httpx.Client(base_url=f"{base_url}/api/v1", headers=loaded.headers, timeout=30)
        orphan = api.get(f"/rosters/{second['id']}").json()
        assert orphan["status"] in ("solving", "queued"), orphan  # killed before it finished
        if postgres:
            processes.append(start_worker(database_url, tmp_path / "worker-2.log", **SETTINGS))

        # No heartbeat for 2 s: the job is queued again and finished by the new process.
        done = wait_for(api, second["id"], {"draft", "failed"}, timeout=90)
        assert done["status"] == "draft", done
        assert done["attempts"] == 2
        assert done["stats"]["coverage"] == draft["stats"]["coverage"]
    finally:
        for process in processes:
            process.stop()


def test_rosters_requested_at_once_are_all_queued(database_url, tmp_path):
    """A city office at the start of the week: ten POST /rosters at once to one server,
    each 202 and its job handed to the queue (procrastinate's table on PostgreSQL, where
    request threads once shared and closed one connection pool: some answered 500)."""
    migrate(database_url)
    server, base_url = start_server(database_url, tmp_path / "server.log", **SETTINGS)
    try:
        loaded = load(base_url, stations=8, volunteers=160, seed=1)
        weeks = [f"2027-W{n:02d}" for n in range(10, 20)]

        def request(week: str) -> httpx.Response:
            body = {"district_id": loaded.district_id, "week": week, "time_limit_seconds": 5}
            return httpx.post(
                f"{base_url}/api/v1/rosters", json=body, headers=loaded.headers, timeout=60
            )

        with ThreadPoolExecutor(len(weeks)) as pool:
            answers = list(pool.map(request, weeks))
        assert [a.status_code for a in answers] == [202] * len(weeks), [a.text for a in answers]
        if database_url.startswith("postgresql"):
            engine = create_engine(database_url)
            with engine.connect() as connection:
                queued = connection.scalars(
                    text(
                        "SELECT (args->>'roster_id')::int FROM procrastinate_jobs "
                        "WHERE task_name = 'solve_roster'"
                    )
                ).all()
            engine.dispose()
            assert sorted(queued) == sorted(a.json()["id"] for a in answers)
    finally:
        server.stop()


# PostgreSQL only: on SQLite one in-process loop takes all work.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_takes_only_its_queues(database_url, tmp_path):
    """`uroster worker --queue notifications` leaves roster jobs to the roster workers
    (`--queue rosters`), as compose.yaml runs them; an unknown queue is refused."""
    refused = subprocess.run(
        [str(UROSTER), "worker", "--queue", "posters"], capture_output=True, text=True
    )
    assert refused.returncode != 0 and "unknown queue posters" in refused.stderr
    migrate(database_url)
    server, base_url = start_server(database_url, tmp_path / "server.log", **SETTINGS)
    notifier = start_worker(database_url, tmp_path / "notifier.log", ["--queue", "notifications"])
    processes = [server, notifier]
    try:
        loaded = load(base_url, stations=8, volunteers=160, seed=1)
        api = httpx.Client(base_url=f"{base_url}/api/v1", headers=loaded.headers, timeout=30)
        request = {"district_id": loaded.district_id, "week": loaded.week, "time_limit_seconds": 5}
        queued = api.post("/rosters", json=request).json()
        time.sleep(3)
        assert api.get(f"/rosters/{queued['id']}").json()["status"] == "queued"
        processes.append(
            start_worker(database_url, tmp_path / "worker.log", ["--queue", "rosters"])
        )
        assert wait_for(api, queued["id"], {"draft", "failed"}, timeout=60)["status"] == "draft"
    finally:
        for process in processes:
            process.stop()
