"""On SQLite, a request that reads does not wait for the write lock; one that writes does.

A real `uroster serve` on a SQLite file, while another connection holds the write lock
(BEGIN IMMEDIATE and an uncommitted change): the reads answer at once from the last
committed state (a DEFERRED transaction on WAL), a sign-up waits for the lock (BEGIN
IMMEDIATE, which is what keeps racing sign-ups from over-booking) and is stored once
the lock is free.
"""

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.benchmarks.signup_race import seed
from tests.servers import migrate, running_server

# Far below the busy timeout (30 s) a read waiting for the lock would sit out.
PROMPT_SECONDS = 2.0


def test_reads_answer_while_a_writer_holds_the_lock_and_writes_wait(tmp_path):
    path = tmp_path / "reads.db"
    url = f"sqlite:///{path}"
    migrate(url)
    race = seed(url, volunteers=1, seats=1)
    headers = {"Authorization": f"Bearer {race.tokens[0]}"}
    with (
        running_server(url, tmp_path / "server.log") as base_url,
        httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=10) as api,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        api.get("/volunteers/me").raise_for_status()  # connected and warm
        writer = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE district SET name = 'Renamed, not committed'")

            started = time.monotonic()
            duties = api.get("/volunteers/me/assignments")
            open_seats = api.get("/shifts/open")
            read_seconds = time.monotonic() - started

            signup = pool.submit(api.post, f"/shifts/{race.shift_id}/signup")
            time.sleep(1.0)
            waited = not signup.done()
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        signed_up = signup.result()
        log = (tmp_path / "server.log").read_text()

        assert duties.status_code == 200, log
        assert duties.json()["items"] == []
        assert open_seats.status_code == 200, log
        assert [s["id"] for s in open_seats.json()["items"]] == [race.shift_id]
        assert read_seconds < PROMPT_SECONDS, f"two reads took {read_seconds:.2f} s"
        assert waited, "the sign-up did not wait for the write lock"
        assert signed_up.status_code == 201, signed_up.text
        after = api.get("/volunteers/me/assignments").json()["items"]
        assert [a["shift_id"] for a in after] == [race.shift_id]
