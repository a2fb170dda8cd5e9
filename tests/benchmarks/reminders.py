"""Benchmark: 10,000 reminders due at once, delivered by a real worker that is killed.

    python -m tests.benchmarks.reminders [--database-url URL] [--reminders 10000]

Migrates the database (default: a fresh SQLite file; a PostgreSQL URL should name an
empty database) and loads, with bulk SQL, one station, `--reminders` volunteers with
e-mail addresses and a published roster that gives each a duty starting in 90 minutes
(given a week ago): each duty's 2-hour reminder is due now, 10,000 at once. Starts
aiosmtpd in this process, then `uroster worker` (SQLite: the in-process loop;
PostgreSQL: procrastinate), which schedules and delivers them. When half the mails
have arrived (in the middle of a claimed batch) the worker is killed with SIGKILL and
started again. Prints the time and rate, mails received, distinct Message-IDs,
duplicates (at most the mail in flight at the kill, each listed), lost ones (must be
0), and the CPU time used (the machine's load changes the times a lot).

Quiet hours are switched off (UROSTER_QUIET_HOURS=""), so that the figures do not
depend on the time of day; the claim period is 8 s (SMTP and webhook timeouts 5 s), so
that the rest of the batch the killed worker had claimed goes out 8 s later rather
than after the default 5 minutes.
"""

import argparse
import os
import resource
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, insert, select

from app.db import make_engine
from app.notifications.service import CLAIM_BATCH
from tests.servers import free_port, migrate, start_worker

STATION_TIMEZONE = "Asia/Shanghai"
SEATS_PER_SHIFT = 100
SETTINGS = {
    "mail_from": "U-Roster <roster@station.example>",
    "quiet_hours": "",
    "reminder_lead_minutes": "1440,120",
    "smtp_timeout_seconds": "5",
    "webhook_timeout_seconds": "5",
    "notification_claim_seconds": "8",
    "log_level": "WARNING",
}


@dataclass
class CountingInbox:
    """An aiosmtpd handler that keeps the Message-ID of every mail it accepts."""

    message_ids: list[str] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.perf_counter() of each
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.content)
        with self.lock:
            self.message_ids.append(headers["Message-ID"])
            self.arrived.append(time.perf_counter())
        return "250 Message accepted for delivery"

    def received(self) -> int:
        with self.lock:
            return len(self.message_ids)


def seed(database_url: str, reminders: int) -> None:
    """One district, station and published roster; a duty per volunteer, starting in
    90 minutes, given a week ago: the 2-hour reminders are all due now."""
    from sqlalchemy.orm import Session

    from app import models  # noqa: F401  (every table registered)
    from app.districts.models import District
    from app.rosters.models import Assignment, Roster, RosterStatus
    from app.shifts.models import Shift
    from app.stations.models import Station
    from app.volunteers.models import Volunteer, VolunteerStatus

    now = datetime.now(UTC)
    starts_at = (now + timedelta(minutes=90)).replace(microsecond=0)
    week_ago = now - timedelta(days=7)
    year, week, _ = starts_at.astimezone(ZoneInfo(STATION_TIMEZONE)).isocalendar()
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            district = District(code="REM", name="Reminder district")
            session.add(district)
            session.flush()
            station = Station(
                district_id=district.id, code="REM-1", name="Reminder U-station",
                kind="community", address="1 Reminder Rd", lat=22.54, lon=114.11,
                timezone=STATION_TIMEZONE,
            )  # fmt: skip
            roster = Roster(
                district_id=district.id, week=f"{year}-W{week:02d}",
                status=RosterStatus.published, time_limit_seconds=1, published_at=week_ago,
            )  # fmt: skip
            session.add_all([station, roster])
            session.flush()
            shifts = []
            for _ in range(-(-reminders // SEATS_PER_SHIFT)):
                shift = Shift(
                    station_id=station.id, starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=4), min_volunteers=1,
                    max_volunteers=SEATS_PER_SHIFT, skill_requirements=[], priority=3,
                )  # fmt: skip
                session.add(shift)
                shifts.append(shift)
            session.flush()
            session.execute(
                insert(Volunteer),
                [
                    {
                        "district_id": district.id,
                        "name": f"Volunteer {i}",
                        "email": f"v{i}@example.org",
                        "status": VolunteerStatus.active,
                        "availability_mode": "any_time",
                    }  # fmt: skip
                    for i in range(reminders)
                ],
            )
            volunteer_ids = session.scalars(
                select(Volunteer.id).where(Volunteer.district_id == district.id)
            ).all()
            session.execute(
                insert(Assignment),
                [
                    {
                        "roster_id": roster.id,
                        "volunteer_id": volunteer_id,
                        "shift_id": shifts[i // SEATS_PER_SHIFT].id,
                        "created_at": week_ago,
                    }  # fmt: skip
                    for i, volunteer_id in enumerate(volunteer_ids)
                ],
            )
    finally:
        engine.dispose()


def outbox_counts(engine: Engine) -> tuple[int, int, int]:
    """(messages, sent, dead) in the outbox."""
    from app.notifications.models import OutboxMessage

    with engine.connect() as connection:
        row = connection.execute(
            select(
                func.count(),
                func.count(OutboxMessage.sent_at),
                func.count().filter(OutboxMessage.dead),
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2])


@dataclass
class Result:
    """Times in seconds from the first worker's start."""

    seconds: float
    first_mail: float
    killed_at: float
    received_at_kill: int
    first_after_restart: float
    message_ids: list[str]
    outbox: tuple[int, int, int]
    worker_cpu: float  # CPU seconds of the two worker processes
    inbox_cpu: float  # CPU seconds of this process meanwhile (aiosmtpd, mostly)


def run(database_url: str, reminders: int, scratch: Path, timeout: float) -> Result:
    migrate(database_url)
    seed(database_url, reminders)
    inbox = CountingInbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    settings = SETTINGS | {"smtp_host": "127.0.0.1", "smtp_port": str(port)}
    engine = make_engine(database_url)
    children_cpu = _children_cpu()
    own_cpu = time.process_time()
    started = time.perf_counter()
    worker = start_worker(database_url, scratch / "worker-1.log", **settings)
    try:
        # Halfway, and in the middle of a claimed batch: the worst moment.
        while inbox.received() < reminders // 2 + CLAIM_BATCH // 2:
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"half the mails not sent after {timeout} s; {scratch}")
            time.sleep(0.01)
        worker.kill_hard()  # SIGKILL, mid-batch
        killed_at = time.perf_counter() - started
        received_at_kill = inbox.received()
        worker = start_worker(database_url, scratch / "worker-2.log", **settings)
        while outbox_counts(engine)[1] < reminders:
            if time.perf_counter() - started > timeout:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        time.sleep(0.5)  # a late duplicate would show up now
        outbox = outbox_counts(engine)
    finally:
        worker.stop()
        smtp.stop()
        engine.dispose()
    worker_cpu = _children_cpu() - children_cpu
    inbox_cpu = time.process_time() - own_cpu
    with inbox.lock:
        message_ids = list(inbox.message_ids)
        arrived = [moment - started for moment in inbox.arrived]
    return Result(
        seconds=seconds, first_mail=arrived[0], killed_at=killed_at,
        received_at_kill=received_at_kill, first_after_restart=arrived[received_at_kill],
        message_ids=message_ids, outbox=outbox, worker_cpu=worker_cpu, inbox_cpu=inbox_cpu,
    )  # fmt: skip


def _children_cpu() -> float:
    """CPU seconds (user + system) of the child processes ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="an empty database; default SQLite")
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="uroster-reminders-bench-"))
    url = args.database_url or f"sqlite:///{scratch / 'bench.db'}"
    result = run(url, args.reminders, scratch, args.timeout)
    received = Counter(result.message_ids)
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    messages, sent, dead = result.outbox
    print(
        f"{url.split(':')[0]}: {args.reminders} reminders due at once; first mail after "
        f"{result.first_mail:.1f} s; worker killed (SIGKILL) after {result.killed_at:.1f} s "
        f"with {result.received_at_kill} mails received, restarted, next mail after "
        f"{result.first_after_restart:.1f} s; all sent after {result.seconds:.1f} s = "
        f"{args.reminders / result.seconds:.0f} mails/s"
    )
    print(
        f"mails received {len(result.message_ids)}, distinct Message-IDs {len(received)}, "
        f"duplicates {sum(n - 1 for n in duplicates.values())} {duplicates or ''}, "
        f"lost {args.reminders - len(received)}; outbox: {messages} messages, {sent} sent, "
        f"{dead} dead (logs in {scratch})"
    )
    print(
        f"CPU: workers {result.worker_cpu:.1f} s ({1000 * result.worker_cpu / args.reminders:.2f}"
        f" ms a mail), this process (aiosmtpd) {result.inbox_cpu:.1f} s; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
