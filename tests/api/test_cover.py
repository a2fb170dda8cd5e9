"""Short-notice cover on both databases: a seat that opens less than 72 h before its
shift is offered, three by three and nearest first, to the volunteers who could take
it; the first to sign up gets it and the others hear that it has gone. Time is an
argument of run_waves (no sleeping); mails go to a real SMTP server (aiosmtpd)."""

import re
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import Account
from app.cover import service as cover_service
from app.cover.models import CoverOffer, SeatCover
from app.db import make_engine, utcnow
from app.duties import service as duty_service
from app.errors import Conflict
from app.migrate import upgrade
from app.notifications import rounds
from app.notifications.models import NotificationPreference, OutboxMessage
from app.notifications.service import deliver_due
from app.rosters.models import Assignment, Roster
from app.settings import get_settings
from app.shifts.models import Shift
from app.stations.models import Station
from app.volunteers.models import Volunteer
from tests.api.conftest import (
    Caller,
    World,
    assert_problem,
    register_volunteer,
    two_districts,
)
from tests.api.test_console import sign_in
from tests.api.test_duties import add_shift, another_volunteer, assign, cancel, roster_for, week_of
from tests.api.test_notifications import Inbox, text_of
from tests.api.test_notifications import inbox as inbox  # the fixture: an SMTP server
from tests.databases import fresh_postgres_database

NEAR = ["Near One", "Near Two", "Near Three", "Near Four", "Near Five", "Near Six", "Near Seven"]


@pytest.fixture
def mailbox(inbox: Inbox) -> Inbox:
    """What the test's SMTP server (aiosmtpd) has been given."""
    return inbox


def soon(hours: float) -> datetime:
    return utcnow().replace(second=0, microsecond=0) + timedelta(hours=hours)


def near_volunteers(session: Session, world: World, station: Station) -> list[Caller]:
    """Seven volunteers of the station's district with e-mail addresses, living 200 m,
    400 m… 1.4 km from it, nearest first (each well inside the 15-minute limit)."""
    callers = []
    for i, name in enumerate(NEAR, start=1):
        caller = another_volunteer(
            session, world, name, f"1390000020{i}",
            home={"lat": station.lat + 0.0018 * i, "lon": station.lon},
        )  # fmt: skip
        session.get_one(Volunteer, caller.volunteer_id).email = f"near{i}@example.org"
        callers.append(caller)
    session.commit()
    return callers


def held_seat(
    session: Session, world: World, starts_at: datetime
) -> tuple[Shift, Caller, Assignment]:
    """A one-seat shift at station A in a published roster, held by a volunteer who lives
    at the station (the nearest of all, but the one who will give the seat up)."""
    shift = add_shift(session, world.station_a, starts_at, max_volunteers=1)
    holder = another_volunteer(
        session, world, "Holder Hu", "13900000300",
        home={"lat": world.station_a.lat, "lon": world.station_a.lon},
    )  # fmt: skip
    return shift, holder, assign(session, shift, holder.volunteer_id)


def cover_of(session: Session, shift_id: int) -> SeatCover | None:
    session.expire_all()
    return session.scalar(select(SeatCover).where(SeatCover.shift_id == shift_id))


def offers(session: Session, cover: SeatCover) -> dict[int, dict[str, str]]:
    """Wave → {volunteer's name: the offer's state}."""
    waves: dict[int, dict[str, str]] = {}
    for offer, name in session.execute(
        select(CoverOffer, Volunteer.name)
        .join(Volunteer, Volunteer.id == CoverOffer.volunteer_id)
        .where(CoverOffer.cover_id == cover.id, CoverOffer.round == cover.round)
    ):
        waves.setdefault(offer.wave, {})[name] = offer.state
    return waves


def told(session: Session, kind: str) -> set[str]:
    """The names of those the outbox holds a `kind` message for."""
    return set(
        session.scalars(
            select(Volunteer.name)
            .join(OutboxMessage, OutboxMessage.volunteer_id == Volunteer.id)
            .where(OutboxMessage.event_kind == kind)
        )
    )


def sign_up(client, caller: Caller, shift_id: int):
    return client.post(f"/api/v1/shifts/{shift_id}/signup", headers=caller.headers)


def test_a_cancellation_a_day_ahead_is_offered_in_waves_until_one_takes_it(
    client, session, world, mailbox
):
    shift, holder, duty = held_seat(session, world, soon(24))
    near = near_volunteers(session, world, world.station_a)
    session.add(NotificationPreference(volunteer_id=near[4].volunteer_id, language="en"))
    session.commit()
    first, second = set(NEAR[:3]), set(NEAR[3:6])
    cancelled_at = utcnow()

    assert cancel(client, holder, duty.id).status_code == 200

    cover = cover_of(session, shift.id)
    assert cover is not None and (cover.state, cover.waves) == ("open", 1)
    assert offers(session, cover) == {1: dict.fromkeys(first, "offered")}
    assert told(session, "seat_offered") == first  # recorded with the cancellation
    assert cover_service.run_waves(session, cancelled_at + timedelta(minutes=19)) == 0
    assert cover_service.run_waves(session, cancelled_at + timedelta(minutes=21)) == 3
    cover = cover_of(session, shift.id)
    assert cover is not None and cover.waves == 2
    assert offers(session, cover)[2] == dict.fromkeys(second, "offered")

    assert deliver_due(session, utcnow()).sent == 6
    offered = mailbox.by_address()
    assert set(offered) == {f"near{i}@example.org" for i in range(1, 7)}
    [english] = offered["near5@example.org"]
    assert english["Subject"].startswith("Seat open at short notice: ")
    assert "Luohu U-station" in english["Subject"]
    assert f"/app/open#seat-{shift.id}" in text_of(english)
    [chinese] = offered["near1@example.org"]
    assert chinese["Subject"].startswith("急需补位：")
    assert "报名" in text_of(chinese)

    assert sign_up(client, near[4], shift.id).status_code == 201  # Near Five, second wave

    cover = cover_of(session, shift.id)
    assert cover is not None and (cover.state, cover.next_wave_at) == ("filled", None)
    assert offers(session, cover) == {
        1: dict.fromkeys(first, "gone"),
        2: dict.fromkeys(second - {"Near Five"}, "gone") | {"Near Five": "taken"},
    }
    assert told(session, "seat_taken") == (first | second) - {"Near Five"}
    assert cover_service.run_waves(session, cancelled_at + timedelta(hours=2)) == 0
    assert told(session, "seat_offered") == first | second  # no third wave
    mailbox.mails.clear()
    assert deliver_due(session, utcnow()).sent == 5
    gone = mailbox.by_address()
    assert "near5@example.org" not in gone
    [news] = gone["near1@example.org"]
    assert news["Subject"].startswith("岗位已补上：")
    assert "已由其他志愿者补上" in text_of(news)


@pytest.mark.parametrize(("hours", "covered"), [(71, True), (73, False)])
def test_only_a_seat_opening_within_72_hours_is_covered(client, session, world, hours, covered):
    shift, holder, duty = held_seat(session, world, soon(hours))
    near_volunteers(session, world, world.station_a)

    assert cancel(client, holder, duty.id).status_code == 200

    assert (cover_of(session, shift.id) is not None) is covered
    assert told(session, "seat_offered") == (set(NEAR[:3]) if covered else set())


def test_waves_stop_when_the_shift_starts(client, session, world, mailbox):
    shift, holder, duty = held_seat(session, world, soon(3))
    near_volunteers(session, world, world.station_a)
    assert cancel(client, holder, duty.id).status_code == 200
    starts = shift.starts_at

    assert cover_service.run_waves(session, starts + timedelta(seconds=1)) == 0

    cover = cover_of(session, shift.id)
    assert cover is not None and cover.state == "started" and cover.next_wave_at is None
    assert offers(session, cover) == {1: dict.fromkeys(NEAR[:3], "expired")}
    assert told(session, "seat_taken") == set()  # nobody is told anything once it began
    assert cover_service.run_waves(session, starts + timedelta(hours=1)) == 0
    # The offers waiting in the outbox are no use now: not sent, marked with why.
    assert deliver_due(session, starts + timedelta(seconds=1)).sent == 0
    assert mailbox.mails == []
    reasons = set(
        session.scalars(select(OutboxMessage.last_error).where(OutboxMessage.dead.is_(True)))
    )
    assert reasons == {"Not sent: the shift had started when it could be delivered."}


def test_a_seat_filled_by_a_coordinator_ends_the_cover_and_tells_those_offered(
    client, session, world
):
    shift, holder, duty = held_seat(session, world, soon(30))
    near = near_volunteers(session, world, world.station_a)
    roster = roster_for(session, world.district_a.id, week_of(shift.starts_at))
    assert cancel(client, world["coordinator"], duty.id).status_code == 200
    added = client.post(
        f"/api/v1/rosters/{roster.id}/assignments",
        headers=world["coordinator"].headers,
        json={"shift_id": shift.id, "volunteer_id": near[6].volunteer_id},
    )
    assert added.status_code == 201, added.text

    assert cover_service.run_waves(session, utcnow()) == 0

    cover = cover_of(session, shift.id)
    assert cover is not None and cover.state == "filled"
    assert told(session, "seat_taken") == set(NEAR[:3])


def test_a_cancelled_shift_withdraws_its_cover_and_says_so(client, session, world, mailbox):
    shift, holder, duty = held_seat(session, world, soon(30))
    near_volunteers(session, world, world.station_a)
    assert cancel(client, holder, duty.id).status_code == 200
    deleted = client.delete(f"/api/v1/shifts/{shift.id}", headers=world["coordinator"].headers)
    assert deleted.status_code == 204

    cover_service.run_waves(session, utcnow())

    cover = cover_of(session, shift.id)
    assert cover is not None and cover.state == "withdrawn"
    assert deliver_due(session, utcnow()).sent == 6  # three offers, three "it is off"
    news = [m for m in mailbox.mails if m["Subject"].startswith("班次已取消：")]
    assert len(news) == 3 and all("班次已取消" in text_of(m) for m in news)


def test_a_removal_by_a_coordinator_reopens_the_seat_and_it_is_not_offered_back(
    client, session, world
):
    shift, holder, duty = held_seat(session, world, soon(30))
    near_volunteers(session, world, world.station_a)
    roster = roster_for(session, world.district_a.id, week_of(shift.starts_at))
    removed = client.delete(
        f"/api/v1/rosters/{roster.id}/assignments/{duty.id}",
        headers=world["coordinator"].headers,
    )
    assert removed.status_code == 204

    cover = cover_of(session, shift.id)
    assert cover is not None and cover.state == "open"
    # Holder Hu lives at the station, nearest of all, but gave the seat up.
    assert offers(session, cover) == {1: dict.fromkeys(NEAR[:3], "offered")}
    later = utcnow() + timedelta(minutes=21)
    assert cover_service.run_waves(session, later) == 3
    assert cover_service.run_waves(session, later + timedelta(minutes=21)) == 3  # 7th, Wang, 张
    assert cover_service.run_waves(session, later + timedelta(minutes=42)) == 0  # nobody left
    cover = cover_of(session, shift.id)
    assert cover is not None and cover.state == "open" and cover.waves == 3
    assert "Holder Hu" not in told(session, "seat_offered")


def test_an_ad_hoc_shift_in_a_published_week_is_offered_at_once(client, session, world):
    near_volunteers(session, world, world.station_a)
    starts = soon(20)
    roster_for(session, world.district_a.id, week_of(starts))
    session.commit()

    response = client.post(
        "/api/v1/shifts",
        headers=world["coordinator"].headers,
        json={
            "station_id": world.station_a.id, "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(), "min_volunteers": 2,
            "max_volunteers": 2, "skill_requirements": [], "priority": 4,
        },
    )  # fmt: skip

    assert response.status_code == 201, response.text
    shift = session.get_one(Shift, response.json()["id"])
    cover = cover_of(session, shift.id)
    assert cover is not None
    assert offers(session, cover) == {1: dict.fromkeys(NEAR[:6], "offered")}  # 3 per seat


def test_publishing_with_a_seat_open_inside_72_hours_covers_it(client, session, world):
    near_volunteers(session, world, world.station_a)
    shift = add_shift(session, world.station_a, soon(40), publish=False)
    draft = roster_for(session, world.district_a.id, week_of(shift.starts_at), "draft")
    session.commit()

    published = client.post(
        f"/api/v1/rosters/{draft.id}/publish", headers=world["coordinator"].headers
    )

    assert published.status_code == 200, published.text
    cover = cover_of(session, shift.id)
    # Open with the publish; its first wave is the workers' next round (ranking the
    # candidates of many open seats would hold up the publish).
    assert cover is not None and offers(session, cover) == {}
    cover_service.run_waves(session, utcnow())
    session.expire_all()
    assert offers(session, cover) == {1: dict.fromkeys(NEAR[:3], "offered")}


def test_only_volunteers_who_fit_are_offered_or_can_take_it(client, session, world):
    shift, holder, duty = held_seat(session, world, soon(24))
    near = near_volunteers(session, world, world.station_a)
    # Near One gives no weekly windows: never available. Wang Li of district A has no
    # home (last), and B's volunteer lives at station A but is of another district.
    session.get_one(Volunteer, near[0].volunteer_id).availability_mode = "windows"
    register_volunteer(
        session, "Outsider", "13900000400", world.district_b.id,
        home={"lat": world.station_a.lat, "lon": world.station_a.lon},
    )  # fmt: skip
    session.commit()
    assert cancel(client, holder, duty.id).status_code == 200

    cover = cover_of(session, shift.id)
    assert cover is not None
    assert offers(session, cover) == {1: dict.fromkeys(NEAR[1:4], "offered")}
    assert "Outsider" not in told(session, "seat_offered")
    refused = assert_problem(sign_up(client, near[0], shift.id), 409)
    assert refused["reason"] == "availability"
    assert sign_up(client, world["anonymous"], shift.id).status_code == 401
    # A volunteer who fits but was not offered it yet may take the open seat too.
    assert sign_up(client, near[5], shift.id).status_code == 201
    cover = cover_of(session, shift.id)
    assert cover is not None and cover.state == "filled"
    assert told(session, "seat_taken") == set(NEAR[1:4])


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("admin", 200), ("other_coordinator", 404), ("volunteer", 403),
     ("other_volunteer", 403), ("anonymous", 401)],
)  # fmt: skip
def test_coordinators_of_the_district_see_each_open_seats_offers(
    client, session, world, role, status
):
    shift, holder, duty = held_seat(session, world, soon(24))
    near_volunteers(session, world, world.station_a)
    roster = roster_for(session, world.district_a.id, week_of(shift.starts_at))
    assert cancel(client, holder, duty.id).status_code == 200

    response = client.get(f"/api/v1/rosters/{roster.id}/unfilled", headers=world[role].headers)

    assert response.status_code == status, response.text
    if status != 200:
        assert "Near One" not in response.text
        return
    [seat] = [s for s in response.json() if s["shift_id"] == shift.id]
    cover = seat["cover"]
    assert cover["state"] == "open" and cover["waves"] == 1 and cover["round"] == 1
    assert [(o["name"], o["wave"], o["state"]) for o in cover["offers"]] == [
        (name, 1, "offered") for name in NEAR[:3]
    ]
    assert datetime.fromisoformat(cover["next_wave_at"]) > datetime.fromisoformat(
        cover["opened_at"]
    )


def test_the_open_seat_panel_shows_the_offers_and_the_next_wave(client, session, world):
    shift, holder, duty = held_seat(session, world, soon(24))
    near = near_volunteers(session, world, world.station_a)
    roster = roster_for(session, world.district_a.id, week_of(shift.starts_at))
    roster.stats = {"objective": 0, "best_bound": 0, "solver_status": "OPTIMAL", "solve_seconds": 1}
    session.commit()
    assert cancel(client, holder, duty.id).status_code == 200
    assert sign_in(client).status_code == 303
    path = f"/console/rosters/{roster.id}?shift={shift.id}"

    page = client.get(path + "&lang=en").text

    assert "Short-notice cover" in page
    assert "Open: wave 1 of offers sent; the next goes out at" in page
    for name in NEAR[:3]:
        assert name in page
    assert page.count("No answer yet") == 3
    assert sign_up(client, near[1], shift.id).status_code == 201
    page = client.get(path + "&lang=zh").text
    assert "临时补位" in page and "已接下岗位" in page and page.count("已告知岗位已补上") == 2


# -- two at once -----------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def own_engine(request, tmp_path: Path):
    """A database of this test's own: the racing sessions must see committed rows."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.db'}"
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    with fresh_postgres_database() as url:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def committed_cancellation(engine: Engine) -> tuple[int, dict[int, str]]:
    """Committed for real: a one-seat shift a day ahead whose holder has just cancelled,
    offered to Racer One and Racer Two. (the shift's id, {account id: racer's name})"""
    with Session(engine, expire_on_commit=False) as session:
        district_a, _, station, _ = two_districts(session)
        session.flush()
        holder, first, second = (
            register_volunteer(session, name, phone, district_a.id, email=f"{phone}@example.org",
                               home={"lat": station.lat + lat, "lon": station.lon})
            for name, phone, lat in [("Holder", "13900000501", 0.0),
                                     ("Racer One", "13900000502", 0.001),
                                     ("Racer Two", "13900000503", 0.002)]
        )  # fmt: skip
        shift = Shift(
            station_id=station.id, starts_at=soon(24), ends_at=soon(28), min_volunteers=1,
            max_volunteers=1, skill_requirements=[], priority=3,
        )  # fmt: skip
        session.add(shift)
        session.flush()
        roster = Roster(
            district_id=district_a.id, week=week_of(shift.starts_at), status="published",
            time_limit_seconds=1,
        )  # fmt: skip
        session.add(roster)
        session.flush()
        duty = Assignment(roster_id=roster.id, shift_id=shift.id, volunteer_id=holder.id)
        session.add(duty)
        session.commit()
        shift_id = shift.id
        duty_service.cancel(session, session.get_one(Account, holder.account_id), duty.id, "ill")
        session.commit()
        cover = cover_of(session, shift_id)
        assert cover is not None
        assert offers(session, cover) == {1: {"Racer One": "offered", "Racer Two": "offered"}}
        return shift_id, {first.account_id: "Racer One", second.account_id: "Racer Two"}


def test_the_workers_delivery_round_runs_the_waves(own_engine: Engine):
    """rounds.run_round, the round the workers run, ends the cover of a shift that
    has begun (in its own session, on the database the service is configured with)."""

    shift_id, _ = committed_cancellation(own_engine)
    with Session(own_engine) as session:
        starts = session.get_one(Shift, shift_id).starts_at

    rounds.run_round(starts + timedelta(seconds=1), sessionmaker(own_engine))

    with Session(own_engine) as session:
        cover = cover_of(session, shift_id)
        assert cover is not None and cover.state == "started"
        assert offers(session, cover) == {1: {"Racer One": "expired", "Racer Two": "expired"}}


def test_two_offered_volunteers_taking_it_at_once_one_wins(own_engine: Engine):
    shift_id, racers = committed_cancellation(own_engine)
    barrier = threading.Barrier(2)
    won: list[str] = []
    refused: list[str | None] = []
    failures: list[BaseException] = []

    def take(account_id: int) -> None:
        try:
            with Session(own_engine) as racing:
                account = racing.get_one(Account, account_id)
                racing.commit()  # (on SQLite, BEGIN IMMEDIATE would hold the other back)
                barrier.wait()
                try:
                    duty_service.sign_up(racing, account, shift_id)
                    racing.commit()
                    won.append(racers[account_id])
                except Conflict as conflict:
                    racing.rollback()
                    refused.append(conflict.extra.get("reason"))
        except BaseException as error:  # noqa: BLE001 - reported by the assertions below
            failures.append(error)

    threads = [threading.Thread(target=take, args=(a,)) for a in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(won) == 1 and refused == ["full"]
    [winner] = won
    [loser] = set(racers.values()) - {winner}
    with Session(own_engine) as session:
        cover = cover_of(session, shift_id)
        assert cover is not None and cover.state == "filled"
        assert offers(session, cover) == {1: {winner: "taken", loser: "gone"}}
        assert told(session, "seat_taken") == {loser}


def test_the_circle_widens_past_those_who_do_not_fit(client, session, world, monkeypatch):
    """One offer at a time: the nearest five are never available, so the first circle
    checked (four volunteers) holds nobody and the next, wider one is searched."""
    monkeypatch.setattr(get_settings(), "cover_wave_size", 1)
    shift, holder, duty = held_seat(session, world, soon(24))
    near = near_volunteers(session, world, world.station_a)
    for caller in near[:5]:
        session.get_one(Volunteer, caller.volunteer_id).availability_mode = "windows"
    session.commit()

    assert cancel(client, holder, duty.id).status_code == 200

    cover = cover_of(session, shift.id)
    assert cover is not None and offers(session, cover) == {1: {"Near Six": "offered"}}
    assert cover_service.run_waves(session, utcnow() + timedelta(minutes=21)) == 1
    assert offers(session, cover_of(session, shift.id))[2] == {"Near Seven": "offered"}


# -- saying no -------------------------------------------------------------------------


def decline(client, caller: Caller, shift_id: int):
    return client.post(f"/api/v1/shifts/{shift_id}/decline", headers=caller.headers)


def test_when_a_whole_wave_declines_the_next_goes_out_at_once(client, session, world):
    shift, holder, duty = held_seat(session, world, soon(24))
    near = near_volunteers(session, world, world.station_a)
    assert cancel(client, holder, duty.id).status_code == 200

    first = decline(client, near[0], shift.id)
    assert first.status_code == 200, first.text
    assert first.json() | {"state": "declined", "shift_id": shift.id} == first.json()
    assert decline(client, near[1], shift.id).status_code == 200
    assert cover_service.run_waves(session, utcnow()) == 0  # Near Three may still answer
    last = decline(client, near[2], shift.id)
    assert last.status_code == 200
    declined_at = datetime.fromisoformat(last.json()["next_wave_at"])

    assert cover_service.run_waves(session, declined_at) == 3  # not 20 minutes later
    cover = cover_of(session, shift.id)
    assert cover is not None
    assert offers(session, cover) == {
        1: dict.fromkeys(NEAR[:3], "declined"),
        2: dict.fromkeys(NEAR[3:6], "offered"),
    }
    # Said no is said: no second "no", and no "it has gone" later either.
    assert_problem(decline(client, near[0], shift.id), 404)
    assert sign_up(client, near[3], shift.id).status_code == 201
    assert told(session, "seat_taken") == set(NEAR[4:6])


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("coordinator", 403), ("admin", 403), ("volunteer", 404),
     ("near", 200)],
)  # fmt: skip
def test_only_the_volunteer_offered_the_seat_may_decline_it(client, session, world, role, status):
    shift, holder, duty = held_seat(session, world, soon(24))
    near = near_volunteers(session, world, world.station_a)
    assert cancel(client, holder, duty.id).status_code == 200
    caller = near[0] if role == "near" else world[role]  # Wang Li was not offered it

    response = decline(client, caller, shift.id)

    assert response.status_code == status, response.text
    cover = cover_of(session, shift.id)
    assert cover is not None
    expected = "declined" if status == 200 else "offered"
    assert offers(session, cover)[1]["Near One"] == expected


def test_the_app_shows_my_offer_first_and_lets_me_say_no(client, session, world):
    shift, holder, duty = held_seat(session, world, soon(24))
    near = near_volunteers(session, world, world.station_a)
    add_shift(session, world.station_a, soon(50))  # an open seat not offered to anyone
    assert cancel(client, holder, duty.id).status_code == 200
    client.cookies.set("uroster_session", near[2].token)

    page = client.get("/app/open?lang=en")

    assert page.status_code == 200
    seats = re.findall(r'action="/app/open/(\d+)/(signup|decline)"', page.text)
    assert seats[:2] == [(str(shift.id), "signup"), (str(shift.id), "decline")]
    assert len(seats) == 3  # the other seat: sign up only
    assert page.text.count("Offered to you at short notice") == 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    assert client.post(f"/app/open/{shift.id}/decline", data={}).status_code == 403
    said_no = client.post(
        f"/app/open/{shift.id}/decline", data={"csrf_token": token}, follow_redirects=True
    )
    assert said_no.status_code == 200
    assert "Thank you for saying so" in said_no.text
    assert "Not for me" not in said_no.text
    again = client.post(f"/app/open/{shift.id}/decline", data={"csrf_token": token})
    assert again.status_code == 404 and "This offer is no longer open." in again.text
    cover = cover_of(session, shift.id)
    assert cover is not None and offers(session, cover)[1]["Near Three"] == "declined"
