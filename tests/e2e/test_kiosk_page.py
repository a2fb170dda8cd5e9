"""The kiosk page in a real browser (Debian's chromium through Playwright) against a
real `uroster serve` process, on a fresh SQLite file and a fresh PostgreSQL database.

Rows are seeded straight into the database; the page, the API and the volunteer's
view of their hours are exercised through the server.
"""

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from app.accounts.security import new_token, token_digest
from app.db import make_engine, utcnow
from app.districts.models import District
from app.kiosks.models import Kiosk
from app.rosters.models import Assignment, Roster, RosterStatus
from app.shifts.models import Shift
from app.stations.models import Station
from app.volunteers import service as volunteer_service
from app.volunteers.schemas import VolunteerRegister
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PASSWORD = "plum-lantern-harbour"


def seed(database_url: str) -> dict:
    """A station with a shift running now (three volunteers on it), one later today,
    and a kiosk whose key is returned."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            district = District(code="LH", name="Luohu")
            session.add(district)
            session.flush()
            station = Station(
                district_id=district.id, code="LH-01", name="罗湖口岸志愿服务站", kind="port",
                address="1 Renmin South Rd", lat=22.53, lon=114.11, timezone="Asia/Shanghai",
            )  # fmt: skip
            session.add(station)
            session.flush()
            now = utcnow()
            running = Shift(
                station_id=station.id, starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=3), min_volunteers=1, max_volunteers=4,
                skill_requirements=[], priority=3,
            )  # fmt: skip
            later = Shift(
                station_id=station.id, starts_at=now + timedelta(hours=3),
                ends_at=now + timedelta(hours=6), min_volunteers=1, max_volunteers=2,
                skill_requirements=[], priority=3,
            )  # fmt: skip
            year, week, _ = now.isocalendar()
            roster = Roster(
                district_id=district.id, week=f"{year}-W{week:02d}",
                status=RosterStatus.published, time_limit_seconds=1,
            )  # fmt: skip
            session.add_all([running, later, roster])
            session.flush()
            people = {}
            for name, phone, shift in (
                ("王小明", "13800000011", running),
                ("Chen Jie", "13800000012", running),
                ("Wang Li", "13800000013", running),
                ("李华", "13800000014", later),
            ):
                volunteer = volunteer_service.register(
                    session,
                    VolunteerRegister(
                        name=name, phone=phone, password=PASSWORD, district_id=district.id,
                        accept_privacy_notice=True,
                    ),
                )  # fmt: skip
                assignment = Assignment(
                    roster_id=roster.id, shift_id=shift.id, volunteer_id=volunteer.id
                )
                session.add(assignment)
                session.flush()
                people[name] = (phone, assignment.id)
            key = new_token()
            session.add(Kiosk(station_id=station.id, name="Front desk", key_hash=token_digest(key)))
            session.commit()
            return {"key": key, "people": people}
    finally:
        engine.dispose()


def stored_times(database_url: str, assignment_id: int):
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            assignment = session.get(Assignment, assignment_id)
            return assignment.check_in_at, assignment.check_out_at
    finally:
        engine.dispose()


def my_hours(base_url: str, phone: str) -> dict:
    token = httpx.post(
        f"{base_url}/api/v1/auth/token", data={"username": phone, "password": PASSWORD}
    ).raise_for_status()
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return (
        httpx.get(f"{base_url}/api/v1/volunteers/me/hours", headers=headers)
        .raise_for_status()
        .json()
    )


def test_the_kiosk_page_checks_in_and_out_online_and_offline(database_url, tmp_path, request):
    expect = sync_api.expect
    migrate(database_url)
    data = seed(database_url)
    wang_phone, wang = data["people"]["王小明"]
    _, chen = data["people"]["Chen Jie"]
    _, later = data["people"]["李华"]
    errors: list[str] = []

    with (
        running_server(database_url, tmp_path / "server.log") as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        expect.set_options(timeout=10_000)
        try:
            # The key is asked once, then kept.
            page.goto(f"{base_url}/kiosk")
            expect(page.locator("#setup")).to_be_visible()
            page.fill("#key-input", "not-the-key")
            page.click("#key-form button[type=submit]")
            expect(page.locator("#key-error")).to_have_text("密钥无效，请核对后重试。")
            page.fill("#key-input", data["key"])
            page.click("#key-form button[type=submit]")
            expect(page.locator("#station-name")).to_have_text("罗湖口岸志愿服务站")
            page.reload()
            expect(page.locator("#board")).to_be_visible()
            expect(page.locator("#setup")).to_be_hidden()

            # On duty now: masked names only; the later shift under "next" if it is today.
            wang_row = page.locator(f'#on-duty li[data-assignment-id="{wang}"]')
            expect(wang_row.locator(".name")).to_have_text("王*明")
            expect(page.locator("#on-duty li.person")).to_have_count(3)
            expect(page.locator("#on-duty")).not_to_contain_text("王小明")
            if page.locator(f'#next li[data-assignment-id="{later}"]').count():
                expect(page.locator(f'#next li[data-assignment-id="{later}"] .name')).to_have_text(
                    "李*"
                )

            # Check in, check out; the volunteer sees the hours through the API.
            wang_row.locator("button.act").click()
            expect(wang_row.locator("button.act")).to_have_text("签退")
            expect(wang_row.locator(".state")).to_contain_text("已签到")
            wang_row.locator("button.act").click()
            expect(wang_row.locator("button.act")).to_have_text("已完成")
            expect(wang_row.locator("button.act")).to_be_disabled()
            hours = my_hours(base_url, wang_phone)
            [entry] = hours["entries"]
            assert entry["assignment_id"] == wang
            checked_in, checked_out = stored_times(database_url, wang)
            assert entry["check_in_at"] and entry["check_out_at"]
            assert checked_in <= checked_out
            assert entry["hours"] == round((checked_out - checked_in).total_seconds() / 3600, 2)
            assert hours["total_hours"] == entry["hours"]

            # Offline: the page says so, keeps the list and queues the check-in.
            page.route("**/api/v1/kiosk/**", lambda route: route.abort("internetdisconnected"))
            context.set_offline(True)
            expect(page.locator("#offline")).to_be_visible()
            expect(page.locator("#offline")).to_contain_text("网络已断开")
            chen_row = page.locator(f'#on-duty li[data-assignment-id="{chen}"]')
            expect(chen_row.locator(".name")).to_have_text("C*** Jie")
            pressed_at = utcnow()
            chen_row.locator("button.act").click()
            expect(chen_row.locator(".state")).to_have_text("已保存，等待网络恢复后上传")
            expect(page.locator("#offline")).to_contain_text("1 条待上传")
            page.wait_for_timeout(1500)
            assert stored_times(database_url, chen) == (None, None)

            # Back online: the queued check-in is sent with the time it happened.
            page.unroute("**/api/v1/kiosk/**")
            back_at = utcnow()
            context.set_offline(False)
            expect(page.locator("#offline")).to_be_hidden()
            expect(chen_row.locator(".state")).to_contain_text("已签到")
            stored_in, stored_out = stored_times(database_url, chen)
            assert stored_out is None
            assert pressed_at - timedelta(seconds=1) <= stored_in < back_at

            # Both languages; the screenshots are for people to look at.
            ARTIFACTS.mkdir(exist_ok=True)
            backend = request.node.callspec.params["database_url"]
            suffix = "" if backend == "sqlite" else f"-{backend}"
            page.click("#lang")
            expect(page.locator("#board h2").first).to_contain_text("On duty now")
            expect(chen_row.locator("button.act")).to_have_text("Check out")
            page.screenshot(path=str(ARTIFACTS / f"kiosk{suffix}.png"))
            page.click("#lang")
            expect(page.locator("#lang")).to_have_text("English")
            page.screenshot(path=str(ARTIFACTS / f"kiosk-zh{suffix}.png"))

            # "Forget this device" clears the key.
            page.once("dialog", lambda dialog: dialog.accept())
            page.click("#forget")
            expect(page.locator("#setup")).to_be_visible()
            assert page.evaluate("localStorage.getItem('uroster.kiosk.key')") is None
            page.reload()
            expect(page.locator("#setup")).to_be_visible()
        finally:
            context.close()
            browser.close()
    assert errors == []
    assert "Traceback" not in (tmp_path / "server.log").read_text()
