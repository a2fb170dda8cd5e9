"""The console's station pages: the list and map, a new station, a station's page with
its templates, ad hoc shifts and kiosk keys. Through the real app (TestClient) on
SQLite and PostgreSQL; the browser journey is tests/e2e/test_console_stations.py."""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import pytest

from app.kiosks.models import Kiosk
from app.settings import get_settings
from app.shifts.models import Shift
from app.stations.models import ShiftTemplate, Station
from tests.api.test_console import csrf, sign_in

SIGN_IN = {
    "coordinator": ("ca@example.org", "coord-pass"),
    "other_coordinator": ("cb@example.org", "coord-pass"),
    "admin": ("admin@example.org", "admin-pass"),
}


def as_role(client, world, role: str) -> None:
    if role in SIGN_IN:
        assert sign_in(client, *SIGN_IN[role]).status_code == 303
    elif role == "volunteer":
        client.cookies.set("uroster_session", world["volunteer"].token)


def token(client) -> str:
    return csrf(client.get("/console/stations").text)


def post(client, path: str, data: dict | list, follow: bool = False):
    form: dict[str, list[str]] = {"csrf_token": [token(client)]}
    for name, value in data.items() if isinstance(data, dict) else data:
        form.setdefault(name, []).append(str(value))
    return client.post(path, data=form, follow_redirects=follow)


# -- who sees what ------------------------------------------------------------------------

PAGES = ["/console/stations", "/console/stations/new", "{a}", "{a}/templates/new"]
EXPECTED = {
    "anonymous": [303, 303, 303, 303],
    "volunteer": [403, 403, 403, 403],
    "coordinator": [200, 200, 200, 200],
    "other_coordinator": [200, 200, 404, 404],
    "admin": [200, 200, 200, 200],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_page_for_every_role(client, world, role):
    as_role(client, world, role)
    station = f"/console/stations/{world.station_a.id}"
    for path, status in zip(PAGES, EXPECTED[role], strict=True):
        response = client.get(path.format(a=station), follow_redirects=False)
        assert response.status_code == status, (path, response.text[:300])
        if status == 303:
            assert response.headers["location"].startswith("/console/login?next=")


def test_the_list_shows_the_callers_districts_and_a_map(client, world):
    sign_in(client)
    page = client.get("/console/stations", params={"lang": "en"})
    assert "Luohu U-station" in page.text and "Futian Port" not in page.text
    assert 'href="/console/stations/new">New station</a>' in page.text
    assert '<a href="/console/stations" aria-current="page">Stations</a>' in page.text  # nav
    assert "/static/leaflet/leaflet.js" in page.text
    assert "data-stations='" in page.text and '"code": "A-1"' in page.text
    assert client.get("/static/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/web/stations.js").status_code == 200
    other = client.get("/console/stations", params={"district": world.district_b.id})
    assert other.status_code == 404


def test_an_admin_sees_every_station(client, world):
    sign_in(client, *SIGN_IN["admin"])
    page = client.get("/console/stations")
    assert "Luohu U-station" in page.text and "Futian Port" in page.text


def test_a_tile_server_is_allowed_by_the_pages_policy(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "map_tile_url", "https://{s}.tiles.example/{z}/{x}/{y}.png")
    sign_in(client)
    page = client.get("/console/stations")
    assert (
        "img-src 'self' data: https://*.tiles.example;" in page.headers["content-security-policy"]
    )
    assert 'data-tiles="https://{s}.tiles.example/{z}/{x}/{y}.png"' in page.text


def test_without_a_tile_server_the_policy_is_unchanged(client, world):
    sign_in(client)
    page = client.get("/console/stations")
    assert "img-src 'self' data:;" in page.headers["content-security-policy"]
    assert 'data-tiles=""' in page.text


# -- a new station --------------------------------------------------------------------------

NEW = {
    "code": "A-2",
    "name": "Dongmen U-station",
    "kind": "community",
    "address": "3 Dongmen Rd",
    "lat": "22.545",
    "lon": "114.12",
    "timezone": "",
}


def test_a_coordinator_creates_a_station(client, session, world):
    sign_in(client)
    response = post(client, "/console/stations/new", NEW | {"district_id": world.district_a.id})
    assert response.status_code == 303
    station = session.query(Station).filter_by(code="A-2").one()
    assert response.headers["location"] == f"/console/stations/{station.id}"
    assert (station.lat, station.lon, station.timezone) == (22.545, 114.12, "Asia/Shanghai")
    assert client.get(response.headers["location"]).status_code == 200


def test_a_refused_station_keeps_the_input_and_names_the_fields(client, session, world):
    sign_in(client)
    client.get("/console/stations", params={"lang": "en"})
    data = NEW | {"district_id": world.district_a.id, "code": "A 2", "lat": "95", "lon": "east"}
    response = post(client, "/console/stations/new", data)
    assert response.status_code == 400
    text = response.text
    assert 'value="A 2"' in text and 'value="Dongmen U-station"' in text and 'value="95"' in text
    assert 'id="e-code"' in text and "letters, digits and _ . - only" in text
    assert 'id="e-lat"' in text and "Must be at most 90." in text
    assert 'id="e-lon"' in text and "Enter a number." in text
    assert 'aria-describedby="h-code e-code"' in text
    assert 'id="e-name"' not in text
    assert session.query(Station).filter_by(name="Dongmen U-station").count() == 0


def test_a_duplicate_code_is_named_next_to_the_code(client, world):
    sign_in(client)
    data = NEW | {"district_id": world.district_a.id, "code": "B-1"}
    response = post(client, "/console/stations/new?lang=en", data)
    assert response.status_code == 400
    assert "Another station already has this code." in response.text


def test_missing_fields_are_required_in_chinese(client, world):
    sign_in(client)
    response = post(client, "/console/stations/new", {"district_id": world.district_a.id})
    assert response.status_code == 400
    assert response.text.count("必填。") >= 5


def test_a_station_in_another_district_is_not_created(client, session, world):
    sign_in(client)
    response = post(client, "/console/stations/new", NEW | {"district_id": world.district_b.id})
    assert response.status_code == 404
    assert session.query(Station).filter_by(code="A-2").count() == 0


def test_posts_without_the_forms_token_are_refused(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_a.id}"
    for path in (
        "/console/stations/new",
        station,
        f"{station}/active",
        f"{station}/templates/new",
        f"{station}/shifts",
        f"{station}/kiosks",
    ):
        response = client.post(path, data=NEW | {"csrf_token": "forged"})
        assert response.status_code == 403, path
    assert session.get(Station, world.station_a.id).is_active
    assert session.query(Kiosk).count() == 0


# -- one station ------------------------------------------------------------------------------


def test_editing_a_station_and_deactivating_it(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_a.id}"
    data = {
        "name": "Luohu U-station (new)",
        "kind": "port",
        "district_id": world.district_a.id,
        "address": "9 Renmin Rd",
        "lat": "22.55",
        "lon": "114.1",
        "timezone": "Asia/Shanghai",
    }
    assert post(client, station, data).status_code == 303
    session.expire_all()
    row = session.get(Station, world.station_a.id)
    assert (row.name, row.kind, row.lat) == ("Luohu U-station (new)", "port", 22.55)

    refused = post(client, station + "?lang=en", data | {"name": "", "lat": "-91"})
    assert refused.status_code == 400
    assert 'id="e-name"' in refused.text and "Must be at least -90." in refused.text
    assert 'value="9 Renmin Rd"' in refused.text

    assert post(client, f"{station}/active", {"active": "false"}).status_code == 303
    session.expire_all()
    assert not session.get(Station, world.station_a.id).is_active
    assert post(client, f"{station}/active", {"active": "true"}).status_code == 303
    session.expire_all()
    assert session.get(Station, world.station_a.id).is_active


def test_another_districts_station_cannot_be_changed(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_b.id}"
    assert post(client, f"{station}/active", {"active": "false"}).status_code == 404
    assert post(client, f"{station}/kiosks", {"kiosk_name": "x"}).status_code == 404
    assert session.get(Station, world.station_b.id).is_active


TEMPLATE = [
    ("weekdays", "1"),
    ("weekdays", "3"),
    ("start", "09:00"),
    ("end", "13:00"),
    ("min_volunteers", "1"),
    ("max_volunteers", "3"),
    ("skill_requirements", "lang:en=1, first_aid"),
    ("priority", "4"),
]


def test_a_template_is_created_listed_and_deactivated(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_a.id}"
    response = post(client, f"{station}/templates/new", list(TEMPLATE))
    assert response.status_code == 303
    template = session.query(ShiftTemplate).filter_by(station_id=world.station_a.id).one()
    assert template.weekdays == [1, 3] and template.priority == 4
    assert template.skill_requirements == [
        {"skill": "lang:en", "count": 1},
        {"skill": "first_aid", "count": 1},
    ]
    page = client.get(station, params={"lang": "en"})
    assert "Mon, Wed" in page.text and "lang:en=1, first_aid=1" in page.text
    assert 'aria-label="Deactivate template Mon, Wed 09:00–13:00"' in page.text

    path = f"{station}/templates/{template.id}/deactivate"
    assert post(client, path, {}).status_code == 303
    session.expire_all()
    assert not session.get(ShiftTemplate, template.id).is_active


def test_a_refused_template_keeps_the_input(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_a.id}"
    data = [
        ("start", "13:00"),
        ("end", "09:00"),
        ("min_volunteers", "3"),
        ("max_volunteers", "2"),
        ("skill_requirements", "lang:en=1"),
        ("priority", "3"),
    ]
    response = post(client, f"{station}/templates/new?lang=en", data)
    assert response.status_code == 400
    assert 'id="e-weekdays"' in response.text and "Choose at least one weekday." in response.text
    with_days = post(client, f"{station}/templates/new?lang=en", [("weekdays", "2"), *data])
    assert with_days.status_code == 400
    assert 'id="e-end"' in with_days.text and "unless the shift ends the next day" in with_days.text
    assert 'value="2" checked' in with_days.text and 'value="13:00"' in with_days.text
    bad_skills = [("weekdays", "2"), ("start", "09:00"), ("end", "13:00"), *data[2:]]
    bad_skills[-2] = ("skill_requirements", "lang en")
    refused = post(client, f"{station}/templates/new?lang=en", bad_skills)
    assert refused.status_code == 400 and 'id="e-skill_requirements"' in refused.text
    assert session.query(ShiftTemplate).count() == 0


def future_day() -> date:
    return datetime.now(UTC).date() + timedelta(days=3)


def test_an_ad_hoc_shift_is_added_listed_and_removed(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_a.id}"
    data = {
        "date": future_day().isoformat(),
        "start": "22:00",
        "end": "02:00",
        "overnight": "on",
        "min_volunteers": "2",
        "max_volunteers": "4",
        "skill_requirements": "",
        "priority": "5",
    }
    assert post(client, f"{station}/shifts", data).status_code == 303
    shift = session.query(Shift).filter_by(station_id=world.station_a.id).one()
    assert shift.starts_at.hour == 14 and shift.ends_at - shift.starts_at == timedelta(hours=4)
    page = client.get(station, params={"lang": "en"})
    assert "22:00–02:00 (next day)" in page.text and "Ad hoc" in page.text

    assert post(client, f"{station}/shifts/{shift.id}/remove", {}).status_code == 303
    session.expire_all()
    assert session.get(Shift, shift.id).cancelled_at is not None
    assert "22:00–02:00" not in client.get(station).text


def test_a_refused_shift_says_why_next_to_the_field(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_a.id}"
    data = {
        "date": future_day().isoformat(),
        "start": "10:00",
        "end": "09:00",
        "min_volunteers": "1",
        "max_volunteers": "x",
        "skill_requirements": "",
        "priority": "3",
    }
    response = post(client, f"{station}/shifts?lang=en", data)
    assert response.status_code == 400
    assert 'id="e-max_volunteers"' in response.text and "Enter a whole number." in response.text
    response = post(client, f"{station}/shifts?lang=en", data | {"max_volunteers": "2"})
    assert response.status_code == 400
    assert 'id="e-end"' in response.text and 'value="10:00"' in response.text
    response = post(client, f"{station}/shifts?lang=en", data | {"date": "someday"})
    assert 'id="e-date"' in response.text and 'value="someday"' in response.text
    assert session.query(Shift).count() == 0


def test_a_shift_of_another_station_is_not_removed_through_this_one(client, session, world):
    shift = Shift(
        station_id=world.station_b.id,
        starts_at=datetime.now(UTC) + timedelta(days=2),
        ends_at=datetime.now(UTC) + timedelta(days=2, hours=3),
        min_volunteers=1,
        max_volunteers=1,
        skill_requirements=[],
        priority=3,
    )
    session.add(shift)
    session.commit()
    sign_in(client)
    path = f"/console/stations/{world.station_a.id}/shifts/{shift.id}/remove"
    assert post(client, path, {}).status_code == 404
    session.expire_all()
    assert session.get(Shift, shift.id).cancelled_at is None


def test_a_kiosk_key_is_shown_once_with_its_qr_code_and_revoked(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_a.id}"
    response = post(client, f"{station}/kiosks?lang=en", {"kiosk_name": "Front desk"})
    assert response.status_code == 201
    key = re.search(r'id="kiosk-key" type="text" readonly value="([^"]+)"', response.text)[1]
    assert f"/kiosk#key={key}" in response.text
    qr = re.search(r'<img class="qr" src="(data:image/svg\+xml[^"]+)"', response.text)[1]
    assert "<svg" in unquote(qr)
    assert "This key is shown only now." in response.text
    board = client.get("/api/v1/kiosk/duty", headers={"X-Kiosk-Key": key})
    assert board.status_code == 200

    kiosk = session.query(Kiosk).one()
    page = client.get(station, params={"lang": "en"})
    assert "Front desk" in page.text and key not in page.text
    assert post(client, f"{station}/kiosks/{kiosk.id}/revoke", {}).status_code == 303
    assert client.get("/api/v1/kiosk/duty", headers={"X-Kiosk-Key": key}).status_code == 401


def test_a_kiosk_needs_a_name(client, session, world):
    sign_in(client)
    station = f"/console/stations/{world.station_a.id}"
    response = post(client, f"{station}/kiosks?lang=en", {"kiosk_name": "  "})
    assert response.status_code == 400 and 'id="e-kiosk_name"' in response.text
    assert session.query(Kiosk).count() == 0
