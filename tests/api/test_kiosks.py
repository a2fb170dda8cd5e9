"""Station kiosks: device keys, the duty board, check-in and check-out, rate limits.

The kiosk and hours services read the clock through their module's `utcnow`; the
`clock` fixture pins it to a Wednesday noon in Shanghai so that every time window
is exact. Shifts, rosters and assignments are written through the session (the
roster endpoints are not under test here); everything else goes through the API.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.hours import service as hours_service
from app.kiosks import service as kiosk_service
from app.kiosks.masking import mask_name
from app.kiosks.models import Kiosk
from app.ratelimit import RateLimited, RateLimiter
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.settings import get_settings
from tests.api.conftest import assert_problem
from tests.api.test_duties import LOCAL, add_shift, assign

TODAY = datetime(2026, 12, 2, tzinfo=LOCAL)  # a Wednesday


def local(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return TODAY.replace(hour=hour, minute=minute) + timedelta(days=days)


class Clock:
    def __init__(self) -> None:
        self.now = local(12)

    def set(self, hour: int, minute: int = 0, days: int = 0) -> None:
        self.now = local(hour, minute, days)


def pin_clock(monkeypatch) -> Clock:
    clock = Clock()
    for module in (kiosk_service, hours_service):
        monkeypatch.setattr(module, "utcnow", lambda: clock.now.astimezone(UTC))
    return clock


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return pin_clock(monkeypatch)


def new_kiosk(client, world, station=None, caller: str = "coordinator") -> tuple[int, dict]:
    station = station or world.station_a
    response = client.post(
        f"/api/v1/stations/{station.id}/kiosks",
        headers=world[caller].headers,
        json={"name": "Front desk"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"X-Kiosk-Key": body["key"]}


def board(client, kiosk: dict, **params) -> dict:
    response = client.get("/api/v1/kiosk/duty", headers=kiosk, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def kiosk_post(client, kiosk: dict, action: str, assignment_id: int, at: datetime | None = None):
    body: dict = {"assignment_id": assignment_id}
    if at is not None:
        body["at"] = at.isoformat()
    return client.post(f"/api/v1/kiosk/{action}", headers=kiosk, json=body)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def duty(session, world, start: datetime, hours: float = 4, who: str = "volunteer", **extra):
    """A shift at station A (published unless said otherwise) and an assignment on it."""
    station = extra.pop("station", world.station_a)
    shift = add_shift(session, station, start, hours)
    return assign(session, shift, world[who].volunteer_id, **extra)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -- keys ----------------------------------------------------------------------------


def test_a_kiosk_key_is_shown_once_and_stored_only_as_its_digest(client, session, world):
    kiosk_id, headers = new_kiosk(client, world)
    key = headers["X-Kiosk-Key"]
    assert len(key) >= 43  # 32 random bytes, URL-safe base64: 256 bits

    listed = client.get(
        f"/api/v1/stations/{world.station_a.id}/kiosks", headers=world["coordinator"].headers
    ).json()
    assert listed["total"] == 1
    assert "key" not in listed["items"][0] and key not in json.dumps(listed)
    row = session.get(Kiosk, kiosk_id)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(v) for v in vars(row).values()}
    assert new_kiosk(client, world)[1]["X-Kiosk-Key"] != key


def test_a_revoked_key_is_refused_at_once(client, session, world, clock):
    kiosk_id, kiosk = new_kiosk(client, world)
    board(client, kiosk)
    path = f"/api/v1/stations/{world.station_a.id}/kiosks/{kiosk_id}"

    assert client.delete(path, headers=world["coordinator"].headers).status_code == 204

    assert_problem(client.get("/api/v1/kiosk/duty", headers=kiosk), 401)
    assert_problem(kiosk_post(client, kiosk, "check-in", 1), 401)
    assert client.delete(path, headers=world["coordinator"].headers).status_code == 204
    listed = client.get(
        f"/api/v1/stations/{world.station_a.id}/kiosks", headers=world["coordinator"].headers
    ).json()
    assert listed["items"][0]["revoked_at"] is not None


def test_kiosk_keys_are_managed_inside_the_coordinators_districts(client, session, world):
    station_a, station_b = world.station_a.id, world.station_b.id
    coordinator = world["coordinator"].headers
    body = {"name": "Tablet"}
    assert_problem(
        client.post(f"/api/v1/stations/{station_b}/kiosks", headers=coordinator, json=body), 404
    )
    assert_problem(
        client.post("/api/v1/stations/999999/kiosks", headers=coordinator, json=body), 404
    )
    kiosk_b, _ = new_kiosk(client, world, world.station_b, caller="other_coordinator")
    # Kiosk B exists, but not at station A.
    assert_problem(
        client.delete(f"/api/v1/stations/{station_a}/kiosks/{kiosk_b}", headers=coordinator), 404
    )
    for bad in ({"name": ""}, {"name": "x" * 101}, {}):
        assert_problem(
            client.post(f"/api/v1/stations/{station_a}/kiosks", headers=coordinator, json=bad),
            422,
        )
    assert session.scalar(select(Kiosk).where(Kiosk.station_id == station_a)) is None


def test_people_tokens_are_not_kiosk_keys_and_kiosk_keys_are_not_tokens(client, world):
    _, kiosk = new_kiosk(client, world)
    for caller in ("volunteer", "coordinator", "admin"):
        body = assert_problem(client.get("/api/v1/kiosk/duty", headers=world[caller].headers), 401)
        assert "X-Kiosk-Key" in body["detail"]
    bearer_key = {"Authorization": f"Bearer {kiosk['X-Kiosk-Key']}"}
    assert_problem(client.get("/api/v1/kiosk/duty", headers=bearer_key), 401)
    assert_problem(client.get("/api/v1/kiosk/duty", headers={"X-Kiosk-Key": "x" * 500}), 401)
    for path in ("/api/v1/volunteers/me", "/api/v1/auth/me", "/api/v1/volunteers/me/hours"):
        assert_problem(client.get(path, headers=kiosk), 401)
    assert_problem(
        client.get(
            "/api/v1/reports/hours",
            headers=kiosk,
            params={"district_id": world.district_a.id, "from": "2026-12-01", "to": "2026-12-31"},
        ),
        401,
    )


# -- the board -----------------------------------------------------------------------


def test_the_board_shows_on_duty_and_next_of_the_local_day_with_masked_names(
    client, session, world, clock
):
    _, kiosk = new_kiosk(client, world)
    now_wang = duty(session, world, local(10))
    now_zhang = duty(session, world, local(10), who="other_volunteer")
    later = duty(session, world, local(15), hours=3)
    # Not on today's board: tomorrow, ended this morning, cancelled, draft, station B.
    duty(session, world, local(10, days=1))
    duty(session, world, local(6), hours=2, who="other_volunteer")
    duty(session, world, local(11), status=AssignmentStatus.cancelled, who="other_volunteer")
    duty(session, world, local(16), roster_status=RosterStatus.draft, who="other_volunteer")
    duty(session, world, local(10), station=world.station_b)

    body = board(client, kiosk)

    assert body["station"] == {
        "id": world.station_a.id,
        "name": "Luohu U-station",
        "timezone": "Asia/Shanghai",
    }
    assert [e["assignment_id"] for e in body["on_duty"]] == [now_wang.id, now_zhang.id]
    assert [e["assignment_id"] for e in body["next"]] == [later.id]
    wang, zhang = body["on_duty"]
    assert (wang["volunteer_name"], zhang["volunteer_name"]) == ("W*** Li", "张*明")
    assert wang.keys() == {
        "assignment_id", "volunteer_name", "starts_at", "ends_at", "status", "checked_in",
        "checked_out", "check_in_at", "check_out_at", "check_in_opens_at",
    }  # fmt: skip
    assert parse(wang["starts_at"]) == local(10) and parse(wang["ends_at"]) == local(14)
    assert (wang["checked_in"], wang["checked_out"]) == (False, False)
    assert parse(wang["check_in_opens_at"]) == local(9, 30)
    # No personal data anywhere in the answer, not even in a field the page ignores.
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("13800000001", "13800000002", "+86", "Wang Li", "张小明", "@", "lat", "home"):
        assert secret not in text


def test_the_board_at_a_given_time_and_only_on_the_current_day(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    morning = duty(session, world, local(8), hours=2)
    noon = duty(session, world, local(12), hours=2, who="other_volunteer")

    early = board(client, kiosk, at=local(7).isoformat())
    assert [e["assignment_id"] for e in early["next"]] == [morning.id, noon.id]
    assert early["on_duty"] == []
    at_nine = board(client, kiosk, at=local(9).isoformat())
    assert [e["assignment_id"] for e in at_nine["on_duty"]] == [morning.id]

    for other_day in (local(12, days=1), local(23, 59, days=-1)):
        body = assert_problem(
            client.get("/api/v1/kiosk/duty", headers=kiosk, params={"at": other_day.isoformat()}),
            422,
        )
        assert body["errors"][0]["loc"] == ["query", "at"]
    assert_problem(client.get("/api/v1/kiosk/duty", headers=kiosk, params={"at": "noon"}), 422)


def test_a_kiosk_sees_only_its_own_station(client, session, world, clock):
    _, kiosk_b = new_kiosk(client, world, world.station_b, caller="other_coordinator")
    at_a = duty(session, world, local(11))

    body = board(client, kiosk_b)

    assert body["station"]["id"] == world.station_b.id
    assert body["on_duty"] == [] and body["next"] == []
    assert_problem(kiosk_post(client, kiosk_b, "check-in", at_a.id), 404)


# -- check-in and check-out ----------------------------------------------------------


def test_check_in_opens_30_minutes_before_the_start_and_closes_at_the_end(
    client, session, world, clock
):
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(13), hours=2)

    clock.set(12, 29)
    body = assert_problem(kiosk_post(client, kiosk, "check-in", assignment.id), 409)
    assert body["reason"] == "too_early" and "12:30" in body["detail"]

    clock.set(12, 30)
    checked = ok(kiosk_post(client, kiosk, "check-in", assignment.id))
    assert checked["checked_in"] is True and parse(checked["check_in_at"]) == local(12, 30)
    assert checked["status"] == "checked_in"

    late = duty(session, world, local(9), hours=2, who="other_volunteer")
    clock.set(11, 1)
    body = assert_problem(kiosk_post(client, kiosk, "check-in", late.id), 409)
    assert body["reason"] == "shift_over"
    assert session.get(Assignment, late.id).check_in_at is None


def test_check_in_and_check_out_are_idempotent(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(11))

    first = ok(kiosk_post(client, kiosk, "check-in", assignment.id))
    clock.set(12, 5)
    again = ok(kiosk_post(client, kiosk, "check-in", assignment.id, at=local(11, 50)))
    assert again == first

    clock.set(14, 30)
    out = ok(kiosk_post(client, kiosk, "check-out", assignment.id))
    clock.set(14, 45)
    assert ok(kiosk_post(client, kiosk, "check-out", assignment.id)) == out
    assert ok(kiosk_post(client, kiosk, "check-in", assignment.id)) == out
    stored = session.get(Assignment, assignment.id)
    session.refresh(stored)
    assert stored.check_in_at == local(12) and stored.check_out_at == local(14, 30)
    assert stored.status == AssignmentStatus.completed


def test_check_out_needs_a_check_in_and_credits_the_hours_of_the_shift(
    client, session, world, clock
):
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(10), hours=4)
    clock.set(10, 5)
    body = assert_problem(kiosk_post(client, kiosk, "check-out", assignment.id), 409)
    assert body["reason"] == "not_checked_in"

    ok(kiosk_post(client, kiosk, "check-in", assignment.id))
    clock.set(13, 35)
    out = ok(kiosk_post(client, kiosk, "check-out", assignment.id))

    assert out["checked_out"] is True and out["status"] == "completed"
    assert out["hours"] == 3.5
    hours = ok(client.get("/api/v1/volunteers/me/hours", headers=world["volunteer"].headers))
    assert hours["total_hours"] == 3.5
    [entry] = hours["entries"]
    assert entry["assignment_id"] == assignment.id and entry["station_id"] == world.station_a.id
    assert parse(entry["check_in_at"]) == local(10, 5)
    assert parse(entry["check_out_at"]) == local(13, 35)
    assert entry["hours"] == 3.5 and entry["corrected"] is False


def test_hours_count_the_presence_within_the_shift(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(13), hours=2)
    clock.set(12, 40)
    ok(kiosk_post(client, kiosk, "check-in", assignment.id))
    clock.set(18)
    assert ok(kiosk_post(client, kiosk, "check-out", assignment.id))["hours"] == 2.0


def test_an_ended_shift_still_checked_in_stays_on_duty_to_check_out(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(9), hours=2)
    clock.set(9)
    ok(kiosk_post(client, kiosk, "check-in", assignment.id))
    clock.set(11, 20)

    body = board(client, kiosk)

    assert [e["assignment_id"] for e in body["on_duty"]] == [assignment.id]
    ok(kiosk_post(client, kiosk, "check-out", assignment.id))
    assert board(client, kiosk)["on_duty"] == []


def test_late_records_from_earlier_the_same_day_are_accepted(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    assignment = duty(session, world, local(9), hours=4)
    clock.set(15)

    checked = ok(kiosk_post(client, kiosk, "check-in", assignment.id, at=local(8, 55)))
    out = ok(kiosk_post(client, kiosk, "check-out", assignment.id, at=local(12, 50)))

    assert parse(checked["check_in_at"]) == local(8, 55)
    assert parse(out["check_out_at"]) == local(12, 50)
    assert out["hours"] == round(3 + 50 / 60, 2)


def test_records_from_another_day_from_the_future_or_out_of_order_are_refused(
    client, session, world, clock
):
    _, kiosk = new_kiosk(client, world)
    overnight = duty(session, world, local(22, days=-1), hours=10)  # 22:00 to 08:00 today
    assignment = duty(session, world, local(11), who="other_volunteer")

    body = assert_problem(
        kiosk_post(client, kiosk, "check-in", overnight.id, at=local(22, 5, days=-1)), 422
    )
    assert body["errors"][0]["loc"] == ["body", "at"]
    assert_problem(kiosk_post(client, kiosk, "check-in", assignment.id, at=local(12, 5)), 422)
    assert session.get(Assignment, assignment.id).check_in_at is None

    # Within a minute ahead (a tablet clock running fast) counts as now.
    ahead = ok(
        kiosk_post(
            client, kiosk, "check-in", assignment.id, at=local(12, 0) + timedelta(seconds=30)
        )
    )
    assert parse(ahead["check_in_at"]) == local(12)
    body = assert_problem(
        kiosk_post(client, kiosk, "check-out", assignment.id, at=local(11, 50)), 409
    )
    assert body["reason"] == "before_check_in"
    assert_problem(
        client.post("/api/v1/kiosk/check-in", headers=kiosk, json={"assignment_id": "x"}), 422
    )
    assert_problem(
        client.post(
            "/api/v1/kiosk/check-in",
            headers=kiosk,
            json={"assignment_id": assignment.id, "at": "2026-12-02T11:00:00"},  # no offset
        ),
        422,
    )


def test_an_overnight_shift_checks_out_the_next_morning(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    overnight = duty(session, world, local(22, days=-1), hours=10)
    clock.set(21, 45, days=-1)
    ok(kiosk_post(client, kiosk, "check-in", overnight.id))
    clock.set(8, 2)

    assert [e["assignment_id"] for e in board(client, kiosk)["on_duty"]] == [overnight.id]
    assert ok(kiosk_post(client, kiosk, "check-out", overnight.id))["hours"] == 10.0


def test_a_kiosk_acts_only_on_published_live_duties_of_its_station(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    draft = duty(session, world, local(11), roster_status=RosterStatus.draft)
    cancelled = duty(session, world, local(11), status=AssignmentStatus.cancelled)
    elsewhere = duty(session, world, local(11), station=world.station_b, who="other_volunteer")

    assert_problem(kiosk_post(client, kiosk, "check-in", draft.id), 404)
    assert_problem(kiosk_post(client, kiosk, "check-in", elsewhere.id), 404)
    assert_problem(kiosk_post(client, kiosk, "check-in", 2**31 - 1), 404)
    assert assert_problem(kiosk_post(client, kiosk, "check-in", cancelled.id), 409)["reason"] == (
        "cancelled"
    )
    for assignment in (draft, cancelled, elsewhere):
        assert session.get(Assignment, assignment.id).check_in_at is None


def test_a_tomorrows_duty_cannot_be_checked_in_today(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    tomorrow = duty(session, world, local(10, days=1))
    assert assert_problem(kiosk_post(client, kiosk, "check-in", tomorrow.id), 409)["reason"] == (
        "too_early"
    )


# -- no-shows ------------------------------------------------------------------------


def test_duties_that_end_without_a_check_in_become_no_shows_when_read(
    client, session, world, clock
):
    _, kiosk = new_kiosk(client, world)
    missed = duty(session, world, local(8), hours=2)
    running = duty(session, world, local(11), who="other_volunteer")
    draft = duty(session, world, local(8), hours=2, roster_status=RosterStatus.draft,
                 who="other_volunteer")  # fmt: skip

    board(client, kiosk)

    for assignment, status in ((missed, "no_show"), (running, "scheduled"), (draft, "scheduled")):
        session.refresh(session.get(Assignment, assignment.id))
        assert session.get(Assignment, assignment.id).status == status
    # A check-in queued offline during the shift still counts when it arrives.
    late = ok(kiosk_post(client, kiosk, "check-in", missed.id, at=local(8, 10)))
    assert late["status"] == "checked_in"


def test_the_board_that_sweeps_a_no_show_shows_it_as_one(client, session, world, clock):
    # A GET may not write in its transaction: the sweep is stored after the read
    # (app.db.write_after_read), while the board already tells it by the rule.
    _, kiosk = new_kiosk(client, world)
    missed = duty(session, world, local(8), hours=2)
    before = session.get(Assignment, missed.id).status

    at_nine = board(client, kiosk, at=local(9).isoformat())

    assert before == AssignmentStatus.scheduled
    assert [(e["assignment_id"], e["status"]) for e in at_nine["on_duty"]] == [
        (missed.id, "no_show")
    ]
    session.refresh(session.get(Assignment, missed.id))
    assert session.get(Assignment, missed.id).status == AssignmentStatus.no_show


def test_a_duty_published_after_its_shift_started_is_no_no_show(client, session, world, clock):
    _, kiosk = new_kiosk(client, world)
    republished = duty(session, world, local(8), hours=2)
    roster = session.get(Roster, republished.roster_id)
    roster.published_at = local(8, 30)
    session.commit()

    board(client, kiosk)

    session.refresh(session.get(Assignment, republished.id))
    assert session.get(Assignment, republished.id).status == AssignmentStatus.scheduled


def test_my_hours_sweeps_my_ended_duties(client, session, world, clock):
    missed = duty(session, world, local(8), hours=2)
    body = ok(client.get("/api/v1/volunteers/me/hours", headers=world["volunteer"].headers))
    assert body == {"total_hours": 0.0, "entries": []}
    session.refresh(session.get(Assignment, missed.id))
    assert session.get(Assignment, missed.id).status == AssignmentStatus.no_show


# -- rate limits ---------------------------------------------------------------------


def test_kiosk_endpoints_answer_429_with_retry_after(client, world, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "kiosk_rate_burst", 3)
    monkeypatch.setattr(settings, "kiosk_rate_per_minute", 6.0)
    _, kiosk = new_kiosk(client, world)
    codes = [client.get("/api/v1/kiosk/duty", headers=kiosk).status_code for _ in range(3)]
    assert codes == [200, 200, 200]

    limited = client.get("/api/v1/kiosk/duty", headers={"X-Kiosk-Key": "guess"})

    body = assert_problem(limited, 429)
    assert limited.headers["Retry-After"] == "10"  # one token per 10 s
    assert body["retry_after"] == 10
    assert_problem(kiosk_post(client, kiosk, "check-in", 1), 429)


def test_sign_in_answers_429_with_retry_after(client, world, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "auth_rate_burst", 2)
    monkeypatch.setattr(settings, "auth_rate_per_minute", 2.0)
    data = {"username": "ca@example.org", "password": "wrong"}
    assert [client.post("/api/v1/auth/token", data=data).status_code for _ in range(2)] == [401] * 2

    limited = client.post("/api/v1/auth/token", data=data | {"password": "coord-pass"})

    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) == 30


def test_a_token_bucket_refills_at_its_rate_and_keys_are_separate():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for _ in range(2):
        limiter.take("auth", "10.0.0.1", per_minute=60, burst=2)
    with pytest.raises(RateLimited) as raised:
        limiter.take("auth", "10.0.0.1", per_minute=60, burst=2)
    assert raised.value.headers == {"Retry-After": "1"}
    limiter.take("auth", "10.0.0.2", per_minute=60, burst=2)
    limiter.take("kiosk", "10.0.0.1", per_minute=60, burst=2)
    now[0] = 1.0
    limiter.take("auth", "10.0.0.1", per_minute=60, burst=2)


# -- masking -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张小明", "张*明"),
        ("张明", "张*"),
        ("欧阳小明", "欧**明"),
        ("明", "*"),
        ("Wang Li", "W*** Li"),
        ("  Wang   Li ", "W*** Li"),
        ("Mary Ann Smith", "M*** A*** Smith"),
        ("Madonna", "M***"),
        ("", "*"),
    ],
)
def test_names_are_masked_for_kiosks(name, masked):
    assert mask_name(name) == masked
