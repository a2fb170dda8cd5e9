"""Signed webhooks on both databases: admins register receivers over the API, events
recorded by `tell` (and by a roster published over the API) become deliveries in the
same transaction, and the deliveries reach a real HTTP receiver started here, signed,
retried with backoff and given up after the limit. Time is an argument of delivery."""

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.notifications import rounds
from app.notifications import service as notifications
from app.notifications.models import EventKind
from app.settings import get_settings
from app.volunteers.models import Volunteer
from app.webhooks import delivery as webhook_delivery
from app.webhooks.models import WebhookDelivery
from tests.api.conftest import ROLES, assert_problem
from tests.api.test_notifications import district, duty_starts, publish, solved_draft

__all__ = ["district"]  # a fixture of the e-mail tests, used here too

README = Path(__file__).resolve().parents[2] / "README.md"
ALL_EVENTS = [
    "roster.published",
    "duty.changed",
    "duty.cancelled",
    "duty.reminder",
    "seat.offered",
    "seat.taken",
    "invitation.created",
]
SECRET = "correct-horse-battery-staple-42"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """What an office's gateway got. It answers the next `statuses` in turn, then 200;
    while `hang` is set it does not answer (until the test ends)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    hang: bool = False
    released: threading.Event = field(default_factory=threading.Event)

    def accepted(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.hang:
                state.released.wait(10)
                return
            status = state.statuses.pop(0) if state.statuses else 200
            state.requests.append(Received(self.path, dict(self.headers), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/uroster"
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()


def readme_verifier():
    """The verification snippet of the README, as a receiver would copy it."""
    text = README.read_text()
    section = text[text.index("## Notifications") :]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)
    return namespace["signed_by_uroster"]


def register(client, world, url: str, events=None, secret: str | None = SECRET) -> dict:
    body: dict = {"url": url, "events": events or ALL_EVENTS}
    if secret is not None:
        body["secret"] = secret
    response = client.post("/api/v1/webhooks", headers=world["admin"].headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(client, world, webhook_id: int, **params) -> dict:
    response = client.get(
        f"/api/v1/webhooks/{webhook_id}/deliveries", headers=world["admin"].headers, params=params
    )
    assert response.status_code == 200, response.text
    return response.json()


def tell_duty_changed(session, volunteer_ids, ref: str = "shift-7-at-1") -> None:
    payloads = {vid: {"shift_id": 7, "cause": "repair"} for vid in volunteer_ids}
    notifications.tell(session, kind=EventKind.duty_changed, event_ref=ref, payloads=payloads)
    session.commit()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def add_webhook(world, session) -> None:
    """A webhook for the role matrix (tests/api/test_role_matrix.py)."""
    from app.webhooks.models import Webhook

    webhook = Webhook(url="http://127.0.0.1:9/hook", events=ALL_EVENTS, secret=SECRET)
    session.add(webhook)
    session.commit()
    world.webhook_id = webhook.id


# --- who may use the API ---------------------------------------------------------


@pytest.fixture
def kiosk_headers(client, world) -> dict:
    response = client.post(
        f"/api/v1/stations/{world.station_a.id}/kiosks",
        headers=world["coordinator"].headers,
        json={"name": "Front desk"},
    )
    assert response.status_code == 201, response.text
    return {"X-Kiosk-Key": response.json()["key"]}


@pytest.mark.parametrize("role", [*ROLES, "kiosk"])
def test_only_admins_use_webhooks(client, world, receiver, kiosk_headers, role):
    webhook = register(client, world, receiver.url)
    headers = kiosk_headers if role == "kiosk" else world[role].headers
    calls = [
        ("post", "/api/v1/webhooks", {"url": receiver.url, "events": ["duty.changed"]}, 201),
        ("get", "/api/v1/webhooks", None, 200),
        ("get", f"/api/v1/webhooks/{webhook['id']}/deliveries", None, 200),
        ("delete", f"/api/v1/webhooks/{webhook['id']}", None, 204),
    ]
    for method, path, body, admin_status in calls:
        response = client.request(method, path, headers=headers, json=body)
        if role == "admin":
            assert response.status_code == admin_status, (path, response.text)
        elif role in ("anonymous", "kiosk"):
            assert_problem(response, 401)
        else:
            body = assert_problem(response, 403)
            assert receiver.url not in json.dumps(body)
    listed = client.get("/api/v1/webhooks", headers=world["admin"].headers).json()
    [left] = listed["items"]  # the admin made one and deleted the first; others changed nothing
    assert (left["id"] == webhook["id"]) == (role != "admin")


# --- registering ------------------------------------------------------------------


def test_the_secret_is_shown_once_and_generated_when_absent(client, session, world, receiver):
    given = register(client, world, receiver.url, events=["duty.changed"])
    made = register(client, world, "https://sms-gateway.example.org/hook", secret=None)

    assert given["secret"] == SECRET
    assert len(made["secret"]) >= 32 and made["secret"] != SECRET
    assert given["events"] == ["duty.changed"] and made["events"] == ALL_EVENTS
    assert made["url"] == "https://sms-gateway.example.org/hook"
    listed = client.get("/api/v1/webhooks", headers=world["admin"].headers).json()
    assert listed["total"] == 2
    assert [item["id"] for item in listed["items"]] == [given["id"], made["id"]]
    assert all("secret" not in item for item in listed["items"])
    assert SECRET not in json.dumps(listed) and made["secret"] not in json.dumps(listed)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/sms",
        "http://192.168.0.10:8080/",
        "http://[::1]:9000/hook",
        "http://[fd00::20]/hook",
        "https://8.8.8.8/hook",
        "https://gateway.example.org/hook",
    ],
)
def test_https_anywhere_and_plain_http_inside_the_office_are_accepted(client, world, url):
    assert register(client, world, url)["url"].startswith(url.rstrip("/"))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://8.8.8.8/hook"}, "url"),  # plain http over the internet
        ({"url": "http://gateway.invalid/hook"}, "url"),  # a name that does not resolve
        ({"url": "http://[::ffff:8.8.8.8]/hook"}, "url"),  # 8.8.8.8 in IPv6 clothing
        ({"url": "http://100.64.0.1/hook"}, "url"),  # a carrier's shared space, not ours
        ({"url": "ftp://10.0.0.1/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://x.example.org/" + "a" * 2000}, "url"),
        ({"events": []}, "events"),
        ({"events": ["roster.deleted"]}, "events"),
        ({"events": ["duty.changed", "duty.changed"]}, "events"),
        ({"secret": "short"}, "secret"),
        ({"secret": "has a space in the middle of it"}, "secret"),
        ({"secret": "x" * 201}, "secret"),
    ],
)
def test_bad_registrations_are_refused_with_the_field_named(client, session, world, body, field):
    request = {"url": "http://127.0.0.1:9000/hook", "events": ["duty.changed"], **body}
    response = client.post("/api/v1/webhooks", headers=world["admin"].headers, json=request)
    problem = assert_problem(response, 422)
    assert any(field in error["loc"] for error in problem["errors"]), problem
    assert client.get("/api/v1/webhooks", headers=world["admin"].headers).json()["total"] == 0


# --- fan-out and delivery -----------------------------------------------------------


def test_a_published_roster_reaches_the_webhook_signed_for_every_volunteer_on_duty(
    client, session, run_jobs, district, receiver
):
    webhook = register(client, district, receiver.url, events=["roster.published"])
    other = register(client, district, receiver.url + "/other", events=["duty.reminder"])
    roster_id = solved_draft(client, run_jobs, district)
    on_duty = duty_starts(session, roster_id)
    volunteers = {
        v.email: v for v in session.scalars(select(Volunteer).where(Volunteer.email.in_(on_duty)))
    }
    without_mail = next(iter(volunteers.values()))
    without_mail.email = None  # webhooks do not depend on e-mail
    session.commit()
    publish(client, district, roster_id)

    result = webhook_delivery.deliver_due(session, utcnow())

    assert (result.sent, result.failed) == (len(on_duty), 0)
    verify = readme_verifier()
    seen = {}
    for request in receiver.requests:
        assert request.path == "/uroster"  # the other webhook does not take this event
        assert request.headers["Content-Type"] == "application/json; charset=utf-8"
        assert request.headers["X-URoster-Event"] == "roster.published"
        assert verify(SECRET, request.body, request.headers["X-URoster-Signature"])
        body = json.loads(request.body)
        assert set(body) == {"id", "event", "occurred_at", "data"}
        assert body["id"] == request.headers["X-URoster-Delivery"]
        assert body["event"] == "roster.published"
        data = body["data"]
        assert data["roster_id"] == roster_id and data["week"]
        seen[data["volunteer_id"]] = data
        assert "name" not in data and "phone" not in data  # the office did not ask for them
    expected = {v.id: len(on_duty[address]) for address, v in volunteers.items()}
    assert {vid: len(data["duties"]) for vid, data in seen.items()} == expected
    assert without_mail.id in seen
    assert len({r.headers["X-URoster-Delivery"] for r in receiver.requests}) == len(on_duty)
    listed = deliveries(client, district, webhook["id"])
    assert listed["total"] == len(on_duty)
    assert {item["status"] for item in listed["items"]} == {"delivered"}
    assert all(item["attempts"] == 1 and item["delivered_at"] for item in listed["items"])
    assert deliveries(client, district, other["id"])["total"] == 0


def test_name_and_phone_are_in_the_body_only_where_the_office_configures_them(
    client, session, world, receiver, monkeypatch
):
    register(client, world, receiver.url)
    volunteer_id = world["volunteer"].volunteer_id
    tell_duty_changed(session, [volunteer_id], ref="plain")
    monkeypatch.setattr(get_settings(), "webhook_personal_fields", "name,phone")
    tell_duty_changed(session, [volunteer_id], ref="for-sms")

    webhook_delivery.deliver_due(session, utcnow())

    plain, for_sms = (json.loads(r.body)["data"] for r in receiver.requests)
    assert plain == {"shift_id": 7, "cause": "repair", "volunteer_id": volunteer_id}
    volunteer = session.get_one(Volunteer, volunteer_id)
    assert for_sms == {**plain, "name": volunteer.name, "phone": volunteer.phone}


def test_the_body_is_frozen_when_the_event_happens(client, session, world, receiver, monkeypatch):
    monkeypatch.setattr(get_settings(), "webhook_personal_fields", "name")
    register(client, world, receiver.url, events=["duty.changed"])
    volunteer = session.get_one(Volunteer, world["volunteer"].volunteer_id)
    tell_duty_changed(session, [volunteer.id])
    [recorded] = session.scalars(select(WebhookDelivery)).all()
    frozen = recorded.body
    volunteer.name = "Wang Lihua"  # corrected after the event
    session.commit()

    webhook_delivery.deliver_due(session, utcnow() + timedelta(hours=1))

    [request] = receiver.requests
    assert request.body == frozen.encode()
    body = json.loads(request.body)
    assert body["data"]["name"] == "Wang Li"  # as it was when the duty changed
    assert body["occurred_at"] == recorded.created_at.isoformat()
    session.refresh(recorded)
    assert recorded.body == ""  # delivered: the name is not kept


def test_nothing_is_sent_about_a_volunteer_who_has_withdrawn_and_nothing_kept(
    client, session, world, receiver, monkeypatch
):
    from app.volunteers import service as volunteer_service

    monkeypatch.setattr(get_settings(), "webhook_personal_fields", "name,phone")
    webhook = register(client, world, receiver.url)
    volunteer = session.get_one(Volunteer, world["volunteer"].volunteer_id)
    tell_duty_changed(session, [volunteer.id])
    volunteer_service.withdraw(session, volunteer)
    session.commit()

    assert webhook_delivery.deliver_due(session, utcnow()).sent == 0

    assert receiver.requests == []
    [item] = deliveries(client, world, webhook["id"])["items"]
    assert item["status"] == "dead"
    assert item["last_error"] == "Not sent: the volunteer has withdrawn."
    [row] = session.scalars(select(WebhookDelivery)).all()
    assert row.body == "" and "Wang Li" not in str(item)


def test_a_rolled_back_change_records_no_delivery(client, session, world, receiver):
    register(client, world, receiver.url)
    savepoint = session.begin_nested()
    notifications.tell(
        session,
        kind=EventKind.duty_cancelled,
        event_ref="shift-9",
        payloads={world["volunteer"].volunteer_id: {"shift_id": 9}},
    )
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    savepoint.rollback()

    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert webhook_delivery.deliver_due(session, utcnow()).sent == 0
    assert receiver.requests == []


def test_one_delivery_per_webhook_and_volunteer_and_none_for_withdrawn_volunteers(
    client, session, world, receiver
):
    first = register(client, world, receiver.url + "/a", events=["duty.changed"])
    second = register(client, world, receiver.url + "/b", events=["duty.changed", "seat.taken"])
    register(client, world, receiver.url + "/c", events=["seat.taken"])
    withdrawn = session.get_one(Volunteer, world["other_volunteer"].volunteer_id)
    withdrawn.status = "withdrawn"
    tell_duty_changed(session, [world["volunteer"].volunteer_id, withdrawn.id])

    assert webhook_delivery.deliver_due(session, utcnow()).sent == 2
    assert sorted(r.path for r in receiver.requests) == ["/uroster/a", "/uroster/b"]
    assert len({r.headers["X-URoster-Delivery"] for r in receiver.requests}) == 1
    assert deliveries(client, world, first["id"])["total"] == 1
    assert deliveries(client, world, second["id"])["total"] == 1
    with pytest.raises(Exception, match="(?i)unique|duplicate"):  # the same event again
        tell_duty_changed(session, [world["volunteer"].volunteer_id])
    session.rollback()


def test_a_receiver_failing_twice_then_succeeding_gets_one_accepted_delivery(
    client, session, world, receiver
):
    webhook = register(client, world, receiver.url)
    tell_duty_changed(session, [world["volunteer"].volunteer_id])
    receiver.statuses = [500, 502]
    now = utcnow()

    assert webhook_delivery.deliver_due(session, now).failed == 1
    [item] = deliveries(client, world, webhook["id"])["items"]
    assert item["status"] == "failed" and item["attempts"] == 1
    assert item["last_error"] == "HTTP 500 Internal Server Error"
    # The first retry within 30 s, then backing off.
    first_retry = now + timedelta(seconds=30)
    assert webhook_delivery.next_attempt_due(session) == first_retry
    assert notifications.next_attempt_due(session) == first_retry  # the PG task's timer
    assert webhook_delivery.deliver_due(session, first_retry - timedelta(seconds=1)).failed == 0
    assert webhook_delivery.deliver_due(session, first_retry).failed == 1
    second_retry = first_retry + timedelta(seconds=60)
    assert webhook_delivery.deliver_due(session, second_retry - timedelta(seconds=1)).sent == 0
    assert webhook_delivery.deliver_due(session, second_retry).sent == 1
    assert webhook_delivery.deliver_due(session, second_retry + timedelta(days=1)).sent == 0

    assert [r.status for r in receiver.requests] == [500, 502, 200]
    assert len({r.body for r in receiver.requests}) == 1  # the same bytes every time
    assert len({r.headers["X-URoster-Delivery"] for r in receiver.requests}) == 1
    assert len(receiver.accepted()) == 1
    [item] = deliveries(client, world, webhook["id"])["items"]
    assert item["status"] == "delivered" and item["attempts"] == 3
    assert item["delivered_at"] is not None
    assert item["last_error"] == "HTTP 502 Bad Gateway"  # what the retries were about


def test_a_wrong_signature_is_detected(client, session, world, receiver):
    register(client, world, receiver.url)
    tell_duty_changed(session, [world["volunteer"].volunteer_id])
    webhook_delivery.deliver_due(session, utcnow())
    [request] = receiver.requests
    signature = request.headers["X-URoster-Signature"]
    verify = readme_verifier()

    assert signature.startswith("sha256=") and len(signature) == len("sha256=") + 64
    assert verify(SECRET, request.body, signature)
    assert not verify("another-secret-of-some-length", request.body, signature)
    tampered = request.body.replace(b'"cause":"repair"', b'"cause":"swap"')
    assert tampered != request.body
    assert not verify(SECRET, tampered, signature)
    assert not verify(SECRET, request.body, "sha256=" + "0" * 64)


def test_a_delivery_is_dead_after_the_attempt_limit(client, session, world, receiver, monkeypatch):
    monkeypatch.setattr(get_settings(), "notification_max_attempts", 3)
    webhook = register(client, world, receiver.url)
    tell_duty_changed(session, [world["volunteer"].volunteer_id])
    receiver.statuses = [503] * 10
    now = utcnow()

    for at in (now, now + timedelta(seconds=30), now + timedelta(seconds=90)):
        assert webhook_delivery.deliver_due(session, at).failed == 1
    assert webhook_delivery.deliver_due(session, now + timedelta(days=1)).failed == 0

    assert len(receiver.requests) == 3
    [item] = deliveries(client, world, webhook["id"], status="dead")["items"]
    assert item["status"] == "dead" and item["attempts"] == 3
    assert item["last_error"] == "HTTP 503 Service Unavailable"
    assert item["delivered_at"] is None and item["next_attempt_at"] is None
    assert deliveries(client, world, webhook["id"], status="failed")["total"] == 0
    assert webhook_delivery.next_attempt_due(session) is None


def test_a_receiver_that_does_not_answer_in_time_has_failed_the_attempt(
    client, session, world, receiver, monkeypatch
):
    monkeypatch.setattr(get_settings(), "webhook_timeout_seconds", 0.2)
    webhook = register(client, world, receiver.url)
    tell_duty_changed(session, [world["volunteer"].volunteer_id])
    receiver.hang = True
    now = utcnow()

    assert webhook_delivery.deliver_due(session, now).failed == 1

    [item] = deliveries(client, world, webhook["id"])["items"]
    assert item["status"] == "failed" and item["last_error"].startswith("ReadTimeout")
    receiver.hang = False
    assert webhook_delivery.deliver_due(session, now + timedelta(seconds=30)).sent == 1


def test_a_receiver_that_is_down_is_tried_once_a_round_and_others_still_get_theirs(
    client, session, world, receiver
):
    down = register(client, world, f"http://127.0.0.1:{free_port()}/nobody-listens")
    up = register(client, world, receiver.url)
    tell_duty_changed(
        session, [world["volunteer"].volunteer_id, world["other_volunteer"].volunteer_id]
    )
    now = utcnow()

    result = webhook_delivery.deliver_due(session, now)

    assert (result.sent, result.failed) == (2, 1)
    statuses = {i["status"] for i in deliveries(client, world, up["id"])["items"]}
    assert statuses == {"delivered"}
    waiting = deliveries(client, world, down["id"])["items"]
    assert sorted(i["status"] for i in waiting) == ["failed", "pending"]
    [failed] = [i for i in waiting if i["status"] == "failed"]
    assert failed["last_error"].startswith("ConnectError")


def test_a_delivery_claimed_by_a_worker_that_died_goes_again_once_the_claim_runs_out(
    client, session, world, receiver
):
    register(client, world, receiver.url)
    tell_duty_changed(
        session, [world["volunteer"].volunteer_id, world["other_volunteer"].volunteer_id]
    )
    now = utcnow()
    orphan = webhook_delivery._claim_next(session, now, set())  # claimed, then the worker died
    assert orphan is not None
    session.commit()
    claim = timedelta(seconds=get_settings().notification_claim_seconds)

    assert webhook_delivery.deliver_due(session, now).sent == 1  # the other one
    assert webhook_delivery.deliver_due(session, now + claim - timedelta(seconds=1)).sent == 0
    assert webhook_delivery.deliver_due(session, now + claim + timedelta(seconds=1)).sent == 1
    assert len(receiver.requests) == 2
    assert orphan.idempotency_key in {r.headers["X-URoster-Delivery"] for r in receiver.requests}


def test_a_deleted_webhook_hears_nothing_more_and_its_waiting_deliveries_are_given_up(
    client, session, world, receiver
):
    webhook = register(client, world, receiver.url)
    tell_duty_changed(session, [world["volunteer"].volunteer_id], ref="before")
    headers = world["admin"].headers

    assert client.delete(f"/api/v1/webhooks/{webhook['id']}", headers=headers).status_code == 204
    tell_duty_changed(session, [world["volunteer"].volunteer_id], ref="after")

    assert webhook_delivery.deliver_due(session, utcnow()).sent == 0
    assert receiver.requests == []
    [given_up] = session.scalars(select(WebhookDelivery)).all()  # none recorded after
    assert given_up.dead and given_up.last_error == "Not sent: the webhook was deleted."
    assert given_up.body == ""
    assert client.get("/api/v1/webhooks", headers=headers).json()["total"] == 0
    assert_problem(client.delete(f"/api/v1/webhooks/{webhook['id']}", headers=headers), 404)
    gone = client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", headers=headers)
    assert_problem(gone, 404)
    assert_problem(client.delete("/api/v1/webhooks/999999", headers=headers), 404)
    assert_problem(client.delete("/api/v1/webhooks/99999999999", headers=headers), 422)


def test_deliveries_are_listed_newest_first_a_page_at_a_time(client, session, world, receiver):
    webhook = register(client, world, receiver.url)
    for ref in ("one", "two", "three"):
        tell_duty_changed(session, [world["volunteer"].volunteer_id], ref=ref)
    receiver.statuses = [500]
    webhook_delivery.deliver_due(session, utcnow())  # the first fails, the round moves on

    page = deliveries(client, world, webhook["id"], limit=2)
    rest = deliveries(client, world, webhook["id"], limit=2, offset=2)

    assert page["total"] == rest["total"] == 3
    items = page["items"] + rest["items"]
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    assert [i["status"] for i in items] == ["pending", "pending", "failed"]
    assert all(i["event"] == "duty.changed" for i in items)
    assert deliveries(client, world, webhook["id"], status="pending")["total"] == 2
    bad = client.get(
        f"/api/v1/webhooks/{webhook['id']}/deliveries",
        headers=world["admin"].headers,
        params={"status": "lost"},
    )
    assert_problem(bad, 422)


def test_a_webhook_timeout_as_long_as_the_claim_is_refused_at_start(monkeypatch):
    from pydantic import ValidationError

    from app.settings import Settings

    monkeypatch.setenv("UROSTER_NOTIFICATION_CLAIM_SECONDS", "60")
    monkeypatch.setenv("UROSTER_WEBHOOK_TIMEOUT_SECONDS", "60")
    with pytest.raises(ValidationError, match="longer than UROSTER_WEBHOOK_TIMEOUT_SECONDS"):
        Settings()
    monkeypatch.setenv("UROSTER_WEBHOOK_TIMEOUT_SECONDS", "59")
    assert Settings().webhook_timeout_seconds == 59


def test_the_workers_round_delivers_webhooks_and_the_digest(
    client, session, world, receiver, monkeypatch
):
    """The round the workers run (rounds.run_round: the SQLite loop,
    the procrastinate task) sends webhook deliveries and the day's digest too, whether
    or not SMTP is set."""
    from contextlib import nullcontext

    from app.digests.models import DigestRun

    monkeypatch.setattr(get_settings(), "smtp_host", None)
    monkeypatch.setattr(get_settings(), "digest_time", "00:00")
    monkeypatch.setattr(get_settings(), "digest_apprise_urls", "json://127.0.0.1:9/bot")
    register(client, world, receiver.url)
    tell_duty_changed(session, [world["volunteer"].volunteer_id])

    rounds.run_round(utcnow(), lambda: nullcontext(session))

    [request] = receiver.requests
    assert request.headers["X-URoster-Event"] == "duty.changed"
    # Nothing to report on this quiet day, but the day's digest has been taken.
    assert session.scalar(select(func.count()).select_from(DigestRun)) == 1


def test_a_webhook_delivery_alone_wakes_the_workers_after_the_commit(
    client, session, world, receiver, monkeypatch
):
    """The volunteer has no e-mail address: only the webhook hears, and the commit still
    makes the in-process loop go round now instead of at its next poll."""
    import threading

    from app.rosters import jobs

    runner = type("Runner", (), {"wake": threading.Event()})()
    monkeypatch.setattr(jobs, "_thread_runner", runner)
    register(client, world, receiver.url)
    assert session.get_one(Volunteer, world["volunteer"].volunteer_id).email is None

    notifications.tell(
        session,
        kind=EventKind.reminder,
        event_ref="assignment-3:120",
        payloads={world["volunteer"].volunteer_id: {"shift_id": 3}},
    )
    assert not runner.wake.is_set()  # not before the commit
    session.commit()

    assert runner.wake.is_set()
