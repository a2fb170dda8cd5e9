"""The duties calendar (RFC 5545): content, stable UIDs, timezones, the secret feed."""

import hashlib
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy.orm import Session

from app.db import utcnow
from app.rosters.models import AssignmentStatus
from app.stations.models import Station
from app.volunteers.models import Volunteer
from tests.api.conftest import Caller, World, assert_problem
from tests.api.test_duties import add_shift, assign, cancel, day_after_next_monday


def download(client, caller: Caller) -> icalendar.Calendar:
    response = client.get("/api/v1/volunteers/me/calendar.ics", headers=caller.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def new_feed(client, caller: Caller) -> str:
    response = client.post("/api/v1/volunteers/me/calendar-feed", headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()["url"]


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.events}


def hong_kong_port(session: Session, world: World) -> Station:
    station = Station(
        district_id=world.district_a.id, code="A-HK", name="Lok Ma Chau Port", kind="port",
        address="Lok Ma Chau Control Point", lat=22.51, lon=114.08, timezone="Asia/Hong_Kong",
    )  # fmt: skip
    session.add(station)
    session.commit()
    return station


def test_calendar_has_one_event_per_published_duty(client, session, world):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    tuesday = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    friday = add_shift(session, world.station_a, day_after_next_monday(4, 18), hours=5)
    scheduled = assign(session, tuesday, volunteer.volunteer_id)
    assign(session, tuesday, other.volunteer_id)
    cancelled = assign(session, friday, volunteer.volunteer_id)
    assert cancel(client, volunteer, cancelled.id, reason="exam").status_code == 200
    draft = add_shift(session, world.station_a, day_after_next_monday(7, 9), publish=False)
    assign(session, draft, volunteer.volunteer_id, roster_status="draft")

    calendar = download(client, volunteer)

    assert calendar["VERSION"] == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "U-Roster duties"
    events = events_by_uid(calendar)
    assert set(events) == {
        f"assignment-{scheduled.id}@uroster",
        f"assignment-{cancelled.id}@uroster",
    }
    event = events[f"assignment-{scheduled.id}@uroster"]
    assert str(event["SUMMARY"]) == "Volunteer duty: Luohu U-station"
    assert str(event["LOCATION"]) == "Luohu U-station, 1 Renmin Rd"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.start == tuesday.starts_at and event.end == tuesday.ends_at
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event.start.utcoffset() == timedelta(hours=8)
    assert event.start.hour == 9  # shown in the station's wall-clock time
    assert event["DTSTAMP"].dt.tzinfo is not None
    gone = events[f"assignment-{cancelled.id}@uroster"]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert gone["SEQUENCE"] == 1
    assert "exam" in str(gone["DESCRIPTION"])
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Shanghai"]
    assert calendar.get_missing_tzids() == set()

    theirs = events_by_uid(download(client, other))
    assert list(theirs) != list(events) and len(theirs) == 1


def test_uids_are_stable_between_downloads(client, session, world):
    volunteer = world["volunteer"]
    first = assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(2, 9)),
        volunteer.volunteer_id,
    )
    before = events_by_uid(download(client, volunteer))
    assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(3, 9)),
        volunteer.volunteer_id,
    )
    after = events_by_uid(download(client, volunteer))
    uid = f"assignment-{first.id}@uroster"
    assert set(before) == {uid} and uid in after and len(after) == 2
    assert after[uid].start == before[uid].start
    assert str(download(client, volunteer)["UID"]) == str(
        icalendar.Calendar.from_ical(
            client.get("/api/v1/volunteers/me/calendar.ics", headers=volunteer.headers).content
        )["UID"]
    )


def test_each_station_timezone_gets_a_vtimezone(client, session, world):
    volunteer = world["volunteer"]
    port = hong_kong_port(session, world)
    here = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    there = add_shift(
        session, port, day_after_next_monday(2, 7).replace(tzinfo=ZoneInfo("Asia/Hong_Kong"))
    )
    assign(session, here, volunteer.volunteer_id)
    duty = assign(session, there, volunteer.volunteer_id)

    calendar = download(client, volunteer)

    assert sorted(tz.tz_name for tz in calendar.timezones) == ["Asia/Hong_Kong", "Asia/Shanghai"]
    event = events_by_uid(calendar)[f"assignment-{duty.id}@uroster"]
    assert event["DTSTART"].params["TZID"] == "Asia/Hong_Kong"
    assert event.start == there.starts_at and event.start.hour == 7
    assert "Lok Ma Chau Control Point" in str(event["LOCATION"])


def test_calendar_covers_a_month_back_to_half_a_year_ahead(client, session, world):
    volunteer = world["volunteer"]
    now = utcnow()
    inside = [
        assign(session, add_shift(session, world.station_a, start), volunteer.volunteer_id)
        for start in (now - timedelta(days=29), now + timedelta(days=179))
    ]
    for start in (now - timedelta(days=31), now + timedelta(days=181)):
        assign(session, add_shift(session, world.station_a, start), volunteer.volunteer_id)

    uids = set(events_by_uid(download(client, volunteer)))

    assert uids == {f"assignment-{a.id}@uroster" for a in inside}


def test_an_empty_calendar_is_still_valid(client, world):
    calendar = download(client, world["volunteer"])
    assert calendar.events == [] and calendar.timezones == []
    assert str(calendar["PRODID"]).startswith("-//U-Roster")


def test_feed_url_serves_the_calendar_without_a_token(client, session, world):
    volunteer = world["volunteer"]
    duty = assign(
        session,
        add_shift(session, world.station_a, day_after_next_monday(1, 9)),
        volunteer.volunteer_id,
    )
    url = new_feed(client, volunteer)

    base = "http://127.0.0.1:8000/api/v1/calendar/"  # UROSTER_PUBLIC_URL's default
    assert url.startswith(base) and url.endswith(".ics")
    token = url.removeprefix(base).removesuffix(".ics")
    assert len(token) >= 43
    stored = session.get(Volunteer, volunteer.volunteer_id).calendar_token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()  # never the token itself
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    feed = icalendar.Calendar.from_ical(response.content)
    assert set(events_by_uid(feed)) == {f"assignment-{duty.id}@uroster"}
    assert set(events_by_uid(feed)) == set(events_by_uid(download(client, volunteer)))


def test_a_new_feed_url_retires_the_old_one(client, session, world):
    volunteer = world["volunteer"]
    old = new_feed(client, volunteer)
    new = new_feed(client, volunteer)
    assert old != new
    body = assert_problem(client.get(old), 404)
    assert "calendar feed" in body["detail"]
    assert client.get(new).status_code == 200
    assert_problem(client.get("/api/v1/calendar/not-a-token.ics"), 404)
    assert_problem(client.get("/api/v1/calendar/" + "x" * 5000 + ".ics"), 404)


def test_feeds_are_per_volunteer_and_end_with_withdrawal(client, session, world):
    volunteer, other = world["volunteer"], world["other_volunteer"]
    shift = add_shift(session, world.station_a, day_after_next_monday(1, 9))
    mine = assign(session, shift, volunteer.volunteer_id)
    theirs = assign(session, shift, other.volunteer_id, status=AssignmentStatus.scheduled)
    my_url, their_url = new_feed(client, volunteer), new_feed(client, other)

    mine_events = events_by_uid(icalendar.Calendar.from_ical(client.get(my_url).content))
    their_events = events_by_uid(icalendar.Calendar.from_ical(client.get(their_url).content))
    assert set(mine_events) == {f"assignment-{mine.id}@uroster"}
    assert set(their_events) == {f"assignment-{theirs.id}@uroster"}

    assert client.delete("/api/v1/volunteers/me", headers=volunteer.headers).status_code == 204
    assert_problem(client.get(my_url), 404)
    assert client.get(their_url).status_code == 200


def test_the_feed_url_never_comes_from_the_host_header(client, world, monkeypatch):
    from app.settings import get_settings

    volunteer = world["volunteer"]
    forged = client.post(
        "/api/v1/volunteers/me/calendar-feed",
        headers=volunteer.headers | {"Host": "evil.example"},
    )
    assert forged.status_code == 200, forged.text
    assert forged.json()["url"].startswith("http://127.0.0.1:8000/api/v1/calendar/")

    monkeypatch.setattr(get_settings(), "public_url", "https://roster.example.org/")
    url = new_feed(client, volunteer)
    assert url.startswith("https://roster.example.org/api/v1/calendar/")
