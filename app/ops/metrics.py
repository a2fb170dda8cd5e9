"""Prometheus metrics: requests (counted by a pure ASGI middleware that also gives each
request its id), and the work queue's figures, read from the database per scrape."""

import time
import uuid
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops import figures

REQUEST_ID_HEADER = "x-request-id"


class Metrics:
    def __init__(self) -> None:
        # A registry per app, so that several apps in one process (tests) do not clash.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "uroster_http_requests_total",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "uroster_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            registry=self.registry,
        )


class RequestContextMiddleware:
    """Gives each request an id (echoed in X-Request-ID) and records its metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 64 else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status_code)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


class DatabaseCollector:
    """The queue's figures for one scrape, read from the database at scrape time.

    Jobs are queued by any API process and run by separate workers, so no process
    could count them in memory: every process reads the same rows and reports the same
    figures. Made per scrape with the request's session (one transaction: the figures
    agree with each other), and not registered on the registry, whose other metrics
    live as long as the app.
    """

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now

    def collect(self) -> Iterator[Metric]:
        groups = figures.roster_jobs(self.session, self.now)
        jobs = GaugeMetricFamily(
            "uroster_roster_jobs",
            "Roster jobs by kind (solve, repair) and job status now: queued (waiting for a "
            "worker; the queue depth), running, done, failed (a roster counts once, in its "
            "latest job).",
            labels=["kind", "status"],
        )
        oldest = GaugeMetricFamily(
            "uroster_roster_job_oldest_wait_seconds",
            "How long the queued roster job that waits longest has waited (0: none waits).",
            labels=["kind"],
        )
        wait = GaugeHistogramMetricFamily(
            "uroster_roster_job_wait_seconds",
            "Seconds from a solve's request to the start of the run that finished it, of "
            f"jobs finished in the last {RECENT_HOURS} hours, by kind and outcome.",
            labels=["kind", "outcome"],
        )
        solve = GaugeHistogramMetricFamily(
            "uroster_roster_job_solve_seconds",
            "Seconds a roster job ran (claimed to stored), of jobs finished in the last "
            f"{RECENT_HOURS} hours, by kind and outcome.",
            labels=["kind", "outcome"],
        )
        for (kind, status), group in sorted(groups.items()):
            jobs.add_metric([kind, status], group.jobs)
            if status == "queued":
                oldest.add_metric(
                    [kind], figures.oldest_wait_seconds(group.oldest_queued_at, self.now)
                )
            if status in figures.JOB_OUTCOMES:
                for family, histogram in ((wait, group.wait), (solve, group.solve)):
                    if family is wait and kind != "solve":
                        continue  # a repair's request time is not kept
                    family.add_metric(
                        [kind, status], _buckets(histogram), gsum_value=histogram.total
                    )
        yield from (jobs, oldest, wait, solve)

        messages = figures.notification_messages(self.session)
        delivered = CounterMetricFamily(
            "uroster_notification_deliveries",
            "Notification messages (the outbox) that reached their end, by channel and "
            "outcome: sent, or given_up after the last attempt.",
            labels=["channel", "outcome"],
        )
        waiting = GaugeMetricFamily(
            "uroster_notification_messages_waiting",
            "Notification messages not yet delivered, by channel and status: pending (not "
            "tried yet) or failed (tried, to be tried again).",
            labels=["channel", "status"],
        )
        for (channel, status), count in sorted(messages.items()):
            if status in FINAL_STATUSES:
                delivered.add_metric([channel, status], count)
            else:
                waiting.add_metric([channel, status], count)
        yield from (delivered, waiting)

        hooks = figures.webhook_deliveries(self.session)
        hooks_delivered = CounterMetricFamily(
            "uroster_webhook_deliveries",
            "Webhook deliveries that reached their end, by outcome: sent (answered 2xx), "
            "or given_up after the last attempt.",
            labels=["outcome"],
        )
        hooks_waiting = GaugeMetricFamily(
            "uroster_webhook_deliveries_waiting",
            "Webhook deliveries not yet made, by status: pending (not tried yet) or failed "
            "(tried, to be tried again).",
            labels=["status"],
        )
        for status, count in sorted(hooks.items()):
            if status in FINAL_STATUSES:
                hooks_delivered.add_metric([status], count)
            else:
                hooks_waiting.add_metric([status], count)
        yield from (hooks_delivered, hooks_waiting)

        yield GaugeMetricFamily(
            "uroster_workers_alive",
            "Worker processes alive now (PostgreSQL: `uroster worker` processes with a "
            f"heartbeat in the last {figures.WORKER_STALE_SECONDS:.0f} s; SQLite: 1 while "
            "this server's in-process worker runs).",
            value=figures.workers_alive(self.session, self.now),
        )


FINAL_STATUSES = ("sent", "given_up")
RECENT_HOURS = round(figures.RECENT_JOBS.total_seconds() / 3600)


def _buckets(histogram: figures.SecondsHistogram) -> list[tuple[str, float]]:
    bounds = [floatToGoString(b) for b in figures.JOB_SECONDS_BUCKETS]
    return [*zip(bounds, histogram.buckets, strict=True), ("+Inf", histogram.count)]
