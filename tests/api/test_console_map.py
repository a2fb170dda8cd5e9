"""The 15-minute service circle page: the share of volunteers within reach, duties
within their travel limit, homes only as counts per cell; every role."""

import json
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from tests.api.conftest import register_volunteer
from tests.api.test_console import sign_in
from tests.api.test_duties import add_shift, assign

MAP = "/console/map"


def map_data(page_text: str) -> dict:
    raw = re.search(r'data-map="([^"]+)"', page_text)[1]
    return json.loads(raw.replace("&#34;", '"').replace("&quot;", '"'))


def test_the_circle_counts_who_lives_within_reach_and_hides_lone_homes(client, session, world):
    near = {"lat": 22.541, "lon": 114.111}  # by station A (22.54, 114.11)
    volunteers = [
        register_volunteer(session, f"Near {i}", f"1390000020{i}", world.district_a.id, home=near)
        for i in range(3)
    ]
    far = register_volunteer(
        session, "Far", "13900000209", world.district_a.id, home={"lat": 22.8, "lon": 114.4},
        max_travel_minutes=240,
    )  # fmt: skip
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    morning = datetime.combine(today, time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
    assign(session, add_shift(session, world.station_a, morning), volunteers[0].id)
    assign(session, add_shift(session, world.station_a, morning.replace(hour=14)), far.id)
    session.commit()
    sign_in(client)

    page = client.get(MAP, params={"lang": "en"})

    assert page.status_code == 200, page.text
    assert "Within 15 minutes: 75 %" in page.text  # 3 of the 4 with a home
    assert "3 of 4 active volunteers with a home location" in page.text
    # Both duties lie within their volunteer's own limit (the far one allows 240 min).
    assert "2 of 2 duties" in page.text
    data = map_data(page.text)
    assert [cell["count"] for cell in data["cells"]] == [3]  # the lone far home is not drawn
    assert [s["code"] for s in data["stations"]] == ["A-1"]
    assert round(data["radius_m"]) == 5000  # 15 minutes at 20 km/h
    assert "22.8" not in page.text
    # The dashboard gives the same share of this week's duties, and leads to the map.
    dashboard = client.get("/console", params={"lang": "en"}).text
    tile = re.search(r"Duties within the travel limit</h2>(.*?)</div>", dashboard, re.S)[1]
    assert "100 %" in tile and "2 of 2 published duties" in tile and "/console/map?" in tile


def test_the_map_page_for_every_role(client, world):
    assert client.get(MAP, follow_redirects=False).headers["location"].startswith("/console/login")
    client.cookies.set("uroster_session", world["volunteer"].token)
    assert client.get(MAP, follow_redirects=False).status_code == 403
    client.cookies.clear()
    sign_in(client, "cb@example.org")
    assert client.get(MAP, params={"district": world.district_a.id}).status_code == 404
    assert "District B" in client.get(MAP).text
    client.cookies.clear()
    sign_in(client, "admin@example.org", "admin-pass")
    assert client.get(MAP, params={"district": world.district_a.id}).status_code == 200
