"""Fifty volunteers race for two seats against a real server: exactly two get one."""

import time

from tests.benchmarks.signup_race import run

VOLUNTEERS, SEATS = 50, 2


def test_concurrent_sign_ups_never_over_book(database_url, tmp_path):
    started = time.monotonic()

    burst, stored = run(database_url, VOLUNTEERS, SEATS, tmp_path / "server.log")

    log = (tmp_path / "server.log").read_text()
    assert burst.errors == [], log
    assert dict(burst.codes) == {201: SEATS, 409: VOLUNTEERS - SEATS}, log
    assert dict(burst.reasons) == {"full": VOLUNTEERS - SEATS}
    assert stored == SEATS
    assert "database is locked" not in log
    assert time.monotonic() - started < 30
