"""Accounts across real server processes: the first admin when several start at once, a
weak bootstrap password, and failure counts shared by every process on one database."""

import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

from app.accounts.models import Account, Role
from tests.servers import UROSTER, migrate, server_env, start_server

ADMIN = {"username": "root@example.org", "password": "cedar-pebble-orbit"}
BOOTSTRAP = {
    "bootstrap_admin_email": ADMIN["username"],
    "bootstrap_admin_password": ADMIN["password"],
}


def admins(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(Account.role == Role.admin)
            return connection.scalar(query.select_from(Account))
    finally:
        engine.dispose()


def wait_for_log(log_path: Path, text: str, count: int, process, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_path.read_text().count(text) >= count:
            return
        assert process.popen.poll() is None, f"the server exited:\n{log_path.read_text()}"
        time.sleep(0.1)
    raise AssertionError(f"{count} x {text!r} not logged:\n{log_path.read_text()}")


def test_processes_on_a_new_database_make_one_admin_and_share_failure_counts(
    database_url, tmp_path
):
    """`uroster serve --workers 2` with the bootstrap settings on an empty database, then
    a second server on the same database (another machine, say)."""
    migrate(database_url)
    log = tmp_path / "workers.log"
    workers, workers_url = start_server(
        database_url, log, args=["--workers", "2"], log_level="INFO", **BOOTSTRAP
    )
    try:
        wait_for_log(log, "Application startup complete", 2, workers)
        other, other_url = start_server(database_url, tmp_path / "other.log", **BOOTSTRAP)
        try:
            # uvicorn's parent checks its workers every 0.5 s and stops when one failed.
            time.sleep(1)
            assert workers.popen.poll() is None, log.read_text()
            assert "Traceback" not in log.read_text()
            assert admins(database_url) == 1

            urls = [f"{base_url}/api/v1/auth/token" for base_url in (workers_url, other_url)]
            wrong = {"username": ADMIN["username"], "password": "not-the-password"}
            # Five failures at each server: ten for the account, wherever they were counted.
            codes = [httpx.post(urls[i % 2], data=wrong).status_code for i in range(10)]
            assert codes == [401] * 10
            for url in urls:
                limited = httpx.post(url, data=ADMIN)
                assert limited.status_code == 429, limited.text
                assert 0 < int(limited.headers["Retry-After"]) <= 900
        finally:
            other.stop()
    finally:
        workers.stop()


def test_a_weak_bootstrap_password_stops_the_server(tmp_path):
    log = tmp_path / "serve.log"
    env = server_env(
        f"sqlite:///{tmp_path / 'weak.db'}",
        0,
        bootstrap_admin_email="root@example.org",
        bootstrap_admin_password="password1234",
    )
    with open(log, "wb") as out:
        result = subprocess.run(
            [str(UROSTER), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, timeout=60
        )
    assert result.returncode != 0
    text = log.read_text()
    assert "UROSTER_BOOTSTRAP_ADMIN_PASSWORD is too easy to guess" in text, text
    assert "The server does not start with it" in text
