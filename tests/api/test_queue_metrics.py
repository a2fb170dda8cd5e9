"""The queue's figures in /metrics and /readyz, read from the database (both databases):
roster jobs, notification and webhook deliveries in known states, scraped as an admin
and parsed with prometheus_client's own parser."""

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.db import utcnow
from app.notifications.models import OutboxMessage
from app.rosters.models import Roster
from app.settings import get_settings
from app.webhooks.models import Webhook, WebhookDelivery
from tests.api.conftest import ALL_ROLES, assert_problem

BOUNDS = ["1.0", "5.0", "10.0", "30.0", "60.0", "120.0", "300.0", "600.0", "1800.0", "3600.0"]


def scrape(client, headers=None) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def buckets(samples, name: str, **labels: str) -> list[float]:
    return [value(samples, f"{name}_bucket", **labels, le=b) for b in [*BOUNDS, "+Inf"]]


def roster(session, world, week: int, *, kind="solve", job_status, **times) -> Roster:
    district = world.district_a if week % 2 else world.district_b
    row = Roster(
        district_id=district.id, week=f"2026-W{week:02d}", status="draft",
        time_limit_seconds=30, job_kind=kind, job_status=job_status, **times,
    )  # fmt: skip
    session.add(row)
    return row


@pytest.fixture
def queue(session, world):
    """Roster jobs, messages and webhook deliveries in every state; returns `now`."""
    now = utcnow()

    def ago(seconds: float):
        return now - timedelta(seconds=seconds)

    # Finished solves: waited 12 s and ran 45 s; waited 3 s and ran 200 s; failed after
    # waiting 700 s and running 2 s; and one that finished two days ago (outside the
    # histograms' day, still a done job).
    roster(session, world, 1, job_status="done", created_at=ago(117), started_at=ago(105),
           finished_at=ago(60))  # fmt: skip
    roster(session, world, 2, job_status="done", created_at=ago(403), started_at=ago(400),
           finished_at=ago(200))  # fmt: skip
    roster(session, world, 3, job_status="failed", created_at=ago(1002), started_at=ago(302),
           finished_at=ago(300))  # fmt: skip
    roster(session, world, 4, job_status="done", created_at=ago(2 * 86400 + 50),
           started_at=ago(2 * 86400 + 40), finished_at=ago(2 * 86400))  # fmt: skip
    # A repair of a roster made 10 days ago ran 31 s (its wait is not known).
    roster(session, world, 5, kind="repair", job_status="done", created_at=ago(10 * 86400),
           started_at=ago(51), finished_at=ago(20))  # fmt: skip
    # Waiting: two solves (requested 120 s and 30 s ago) and a repair queued 40 s ago
    # on a roster made 20 days ago; one solve running.
    roster(session, world, 6, job_status="queued", created_at=ago(120), heartbeat_at=ago(120))
    roster(session, world, 7, job_status="queued", created_at=ago(30), heartbeat_at=ago(30))
    roster(session, world, 8, kind="repair", job_status="queued", created_at=ago(20 * 86400),
           heartbeat_at=ago(40))  # fmt: skip
    roster(session, world, 9, job_status="running", created_at=ago(9), started_at=ago(5))
    # A roster without a job (published long ago, never repaired) counts nowhere.
    roster(session, world, 10, job_status=None, created_at=ago(86400))

    volunteer_id = world["volunteer"].volunteer_id
    messages = {"sent": 3, "given_up": 1, "failed": 2, "pending": 1}
    webhook = Webhook(url="http://127.0.0.1:9/hook", events=["duty.changed"], secret="s" * 20)
    session.add(webhook)
    session.flush()
    for status, count in messages.items():
        for n in range(count):
            state = {
                "sent": {"sent_at": ago(60), "attempts": 1, "next_attempt_at": None},
                "given_up": {"dead": True, "attempts": 10, "next_attempt_at": None},
                "failed": {"attempts": 2, "next_attempt_at": ago(-30) if n else ago(5)},
                "pending": {"attempts": 0, "next_attempt_at": ago(1)},
            }[status]
            session.add(
                OutboxMessage(
                    event_kind="duty_changed",
                    volunteer_id=volunteer_id,
                    channel="email",
                    idempotency_key=f"{status}-{n}",
                    payload={},
                    language="zh",
                    **{"dead": False} | state,
                )  # fmt: skip
            )
            delivered = state.pop("sent_at", None)
            session.add(
                WebhookDelivery(
                    webhook_id=webhook.id,
                    volunteer_id=volunteer_id,
                    event="duty.changed",
                    idempotency_key=f"{status}-{n}",
                    body="{}",
                    delivered_at=delivered,
                    **{"dead": False} | state,
                )  # fmt: skip
            )
    session.commit()
    return now


def test_metrics_read_the_queue_from_the_database(client, world, queue):
    samples = scrape(client, world["admin"].headers)
    elapsed = (utcnow() - queue).total_seconds()

    jobs = {
        (kind, status): value(samples, "uroster_roster_jobs", kind=kind, status=status)
        for kind in ("solve", "repair")
        for status in ("queued", "running", "done", "failed")
    }
    assert jobs == {
        ("solve", "queued"): 2, ("solve", "running"): 1, ("solve", "done"): 3,
        ("solve", "failed"): 1, ("repair", "queued"): 1, ("repair", "running"): 0,
        ("repair", "done"): 1, ("repair", "failed"): 0,
    }  # fmt: skip
    oldest = "uroster_roster_job_oldest_wait_seconds"
    assert 120 <= value(samples, oldest, kind="solve") <= 120 + elapsed
    assert 40 <= value(samples, oldest, kind="repair") <= 40 + elapsed

    wait = "uroster_roster_job_wait_seconds"
    assert buckets(samples, wait, kind="solve", outcome="done") == [0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]
    assert value(samples, f"{wait}_gcount", kind="solve", outcome="done") == 2
    assert value(samples, f"{wait}_gsum", kind="solve", outcome="done") == pytest.approx(
        15, abs=0.01
    )
    assert buckets(samples, wait, kind="solve", outcome="failed") == [0] * 8 + [1, 1, 1]
    assert value(samples, f"{wait}_gsum", kind="solve", outcome="failed") == pytest.approx(
        700, abs=0.01
    )
    # A repair's request time is not kept: no wait figures for repairs.
    assert not any(name.startswith(wait) and ("kind", "repair") in labels
                   for name, labels in samples)  # fmt: skip

    solve = "uroster_roster_job_solve_seconds"
    assert buckets(samples, solve, kind="solve", outcome="done") == [
        0,
        0,
        0,
        0,
        1,
        1,
        2,
        2,
        2,
        2,
        2,
    ]
    assert value(samples, f"{solve}_gsum", kind="solve", outcome="done") == pytest.approx(
        245, abs=0.01
    )
    assert buckets(samples, solve, kind="solve", outcome="failed") == [0] + [1] * 10
    assert buckets(samples, solve, kind="repair", outcome="done") == [0] * 4 + [1] * 7
    assert value(samples, f"{solve}_gsum", kind="repair", outcome="done") == pytest.approx(
        31, abs=0.01
    )
    assert buckets(samples, solve, kind="repair", outcome="failed") == [0] * 11
    assert value(samples, f"{solve}_gcount", kind="repair", outcome="failed") == 0

    assert value(samples, "uroster_notification_deliveries_total", channel="email",
                 outcome="sent") == 3  # fmt: skip
    assert value(samples, "uroster_notification_deliveries_total", channel="email",
                 outcome="given_up") == 1  # fmt: skip
    waiting = "uroster_notification_messages_waiting"
    assert value(samples, waiting, channel="email", status="failed") == 2
    assert value(samples, waiting, channel="email", status="pending") == 1
    assert value(samples, "uroster_webhook_deliveries_total", outcome="sent") == 3
    assert value(samples, "uroster_webhook_deliveries_total", outcome="given_up") == 1
    assert value(samples, "uroster_webhook_deliveries_waiting", status="failed") == 2
    assert value(samples, "uroster_webhook_deliveries_waiting", status="pending") == 1
    # The API tests' app runs no worker; PostgreSQL's table has no worker's heartbeat.
    assert value(samples, "uroster_workers_alive") == 0


def test_an_empty_queue_has_every_series_at_zero(client, world):
    samples = scrape(client, world["admin"].headers)
    for kind in ("solve", "repair"):
        assert value(samples, "uroster_roster_job_oldest_wait_seconds", kind=kind) == 0
        for status in ("queued", "running", "done", "failed"):
            assert value(samples, "uroster_roster_jobs", kind=kind, status=status) == 0
        for outcome in ("done", "failed"):
            solve = buckets(samples, "uroster_roster_job_solve_seconds", kind=kind, outcome=outcome)
            assert solve == [0] * 11
    for outcome in ("sent", "given_up"):
        assert value(samples, "uroster_webhook_deliveries_total", outcome=outcome) == 0
    assert value(samples, "uroster_workers_alive") == 0


def test_the_queue_figures_are_for_admins_only(client, team_world, queue):
    for role in ALL_ROLES:
        response = client.get("/metrics", headers=team_world[role].headers)
        if role == "admin":
            assert "uroster_roster_jobs" in response.text
        else:
            body = assert_problem(response, 401 if role == "anonymous" else 403)
            assert "uroster_" not in str(body)


def test_public_metrics_show_the_queue_figures(client, world, queue, monkeypatch):
    monkeypatch.setattr(get_settings(), "metrics_public", True)
    samples = scrape(client)
    assert value(samples, "uroster_roster_jobs", kind="solve", status="queued") == 2


def test_readyz_is_degraded_while_work_waits_without_a_worker(client, world, queue):
    response = client.get("/readyz")
    assert response.status_code == 200  # the API serves: a load balancer keeps it
    body = response.json()
    assert body["status"] == "degraded"
    assert body["queue"]["waiting"] == 3
    assert body["queue"]["workers_alive"] == 0
    # Due: the pending message and the failed one whose retry time has come, and the
    # same two webhook deliveries (the other failed ones wait 30 s for their retry).
    assert body["queue"]["notifications_due"] == 4
    assert 120 <= body["queue"]["oldest_wait_seconds"] < 180
    assert body["reasons"] == [
        "3 roster job(s) wait and no worker is alive (start `uroster worker`)",
        "4 notification(s) are due and no worker is alive to deliver them",
    ]


def test_readyz_is_ok_with_nothing_waiting(client, world):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and "reasons" not in body
    assert body["queue"] == {
        "waiting": 0, "oldest_wait_seconds": 0.0, "notifications_due": 0, "workers_alive": 0
    }  # fmt: skip
