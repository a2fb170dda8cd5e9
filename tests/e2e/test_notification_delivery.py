"""Notification delivery through real processes on both databases: a published roster's
mails are sent by the workers without being asked (the in-process loop of `uroster
serve` on SQLite, `uroster worker` on PostgreSQL), and a worker killed with SIGKILL in
the middle of the batch and started again loses no message and repeats none but the one
it was sending, under the same Message-ID, once that worker's claim on it has run out.

The SMTP server is aiosmtpd in this process. It holds its answer to one message of the
batch until the worker has been killed: the worst moment, when the server has the
message but the worker has not yet marked it sent."""

import asyncio
import email
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from tests.benchmarks.roster_district import ADMIN, load
from tests.e2e.test_roster_jobs import wait_for
from tests.servers import free_port, migrate, start_server, start_worker, station_today

HELD_MESSAGE = 10  # the worker is killed while this message of the batch is in flight


@dataclass
class CountingInbox:
    """Keeps the Message-ID of every mail accepted. Each answer takes a little while
    (a batch lasts seconds, so the kill lands in its middle); the answer to the
    `HELD_MESSAGE`th mail waits until `release` is set."""

    message_ids: list[str] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.02)
        self.message_ids.append(email.message_from_bytes(envelope.content)["Message-ID"])
        if len(self.message_ids) == HELD_MESSAGE:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return "250 Message accepted for delivery"


def outbox_counts(database_url: str) -> tuple[int, int, int]:
    """(messages, sent, dead) in the outbox, read straight from the database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT count(*), count(sent_at), "
                    "coalesce(sum(CASE WHEN dead THEN 1 ELSE 0 END), 0) FROM outbox"
                )
            ).one()
            return int(row[0]), int(row[1]), int(row[2])
    finally:
        engine.dispose()


def give_everyone_an_address(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE volunteer SET email = 'v' || CAST(id AS VARCHAR) || '@example.org'")
            )
    finally:
        engine.dispose()


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_the_message_in_flight(
    database_url, tmp_path
):
    postgres = database_url.startswith("postgresql")
    inbox = CountingInbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    settings = {
        "bootstrap_admin_email": ADMIN["username"],
        "bootstrap_admin_password": ADMIN["password"],
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp_port),
        "mail_from": "U-Roster <roster@station.example>",
        # The killed worker's claim on the mail it was sending runs out after 2 s.
        "smtp_timeout_seconds": "1",
        "webhook_timeout_seconds": "1",  # a claim outlasts every kind of send
        "notification_claim_seconds": "2",
    }
    migrate(database_url)
    server, base_url = start_server(database_url, tmp_path / "server.log", **settings)
    worker = start_worker(database_url, tmp_path / "worker-1.log", **settings) if postgres else None
    processes = [p for p in (server, worker) if p]
    try:
        today = station_today()
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=2)
        loaded = load(base_url, stations=4, volunteers=80, seed=3, monday=monday)
        give_everyone_an_address(database_url)
        api = httpx.Client(base_url=f"{base_url}/api/v1", headers=loaded.headers, timeout=30)
        created = api.post(
            "/rosters",
            json={"district_id": loaded.district_id, "week": loaded.week, "time_limit_seconds": 5},
        )
        assert created.status_code == 202, created.text
        draft = wait_for(api, created.json()["id"], {"draft", "failed"}, timeout=60)
        assert draft["status"] == "draft", draft

        # Nobody asks for delivery: the commit of the publish nudges the workers.
        published = api.post(f"/rosters/{draft['id']}/publish")
        assert published.status_code == 200, published.text
        messages, _, _ = outbox_counts(database_url)
        assert messages > 2 * HELD_MESSAGE  # one per volunteer with duties; killed mid-batch
        assert inbox.held.wait(timeout=30), "delivery did not start by itself"

        if postgres:
            worker.kill_hard()
        else:
            server.kill_hard()
        inbox.release.set()  # the 250 goes to a dead connection: the row is not marked sent
        _, sent_before_restart, _ = outbox_counts(database_url)
        assert sent_before_restart == HELD_MESSAGE - 1  # the killed batch's committed part
        if postgres:
            processes.append(start_worker(database_url, tmp_path / "worker-2.log", **settings))
        else:
            server, base_url = start_server(database_url, tmp_path / "server-2.log", **settings)
            processes.append(server)

        deadline = time.monotonic() + 60
        while outbox_counts(database_url)[1] < messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert outbox_counts(database_url) == (messages, messages, 0)  # all sent, none dead

        received = Counter(inbox.message_ids)
        assert len(received) == messages  # nothing lost
        in_flight = inbox.message_ids[HELD_MESSAGE - 1]
        assert {mid: n for mid, n in received.items() if n > 1} == {in_flight: 2}
        assert len(inbox.message_ids) == messages + 1
    finally:
        inbox.release.set()
        for process in processes:
            process.stop()
        smtp.stop()
