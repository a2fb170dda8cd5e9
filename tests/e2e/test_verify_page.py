"""The public certificate check (/verify/{code}) in a real browser (Debian's chromium
through Playwright, a 375x667 phone) against a real `uroster serve`, on a fresh SQLite
file and a fresh PostgreSQL database: a volunteer's certificate is issued through the
API, its QR link opened and confirmed in Chinese and English, a code typed by hand
(a malformed one first), then the certificate revoked and the page refusing it.
Screenshots go to artifacts/app/verify-*.png."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.orm import Session

from app.certificates.service import grouped
from app.db import make_engine
from app.hours import service as hours_service
from app.rosters.models import AssignmentStatus
from app.stations.models import Station
from tests.api.test_duties import add_shift, assign
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import ADMIN, BOOTSTRAP
from tests.e2e.test_kiosk_page import ARGS, ARTIFACTS, CHROMIUM
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")

SHOTS = ARTIFACTS / "app"
LOCAL = ZoneInfo("Asia/Shanghai")
PHONE = "13800000021"
PASSWORD = "plum-lantern-harbour"


def seed(base_url: str, database_url: str) -> tuple[dict, dict]:
    """A district, a station and a volunteer (王小明) through the API; a duty two days
    ago served 09:00-12:30 (the kiosk's times, credited as the kiosk does). Returns the
    admin's and the volunteer's headers."""
    api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
    admin_token = api.post("/auth/token", data=ADMIN).raise_for_status().json()["access_token"]
    admin = {"Authorization": f"Bearer {admin_token}"}
    district = api.post("/districts", headers=admin, json={"code": "LH", "name": "罗湖区"}).json()
    station = api.post(
        "/stations",
        headers=admin,
        json={"code": "LH-01", "name": "罗湖口岸志愿服务站", "kind": "port",
              "district_id": district["id"], "address": "人民南路", "lat": 22.532, "lon": 114.113,
              "timezone": "Asia/Shanghai"},
    ).raise_for_status().json()  # fmt: skip
    volunteer = api.post(
        "/volunteers",
        json={"name": "王小明", "phone": PHONE, "password": PASSWORD,
              "district_id": district["id"], "accept_privacy_notice": True},
    ).raise_for_status().json()  # fmt: skip
    token = api.post("/auth/token", data={"username": PHONE, "password": PASSWORD})
    mine = {"Authorization": f"Bearer {token.raise_for_status().json()['access_token']}"}

    start = datetime.combine(datetime.now(LOCAL).date() - timedelta(days=2), time(9), LOCAL)
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        shift = add_shift(session, session.get_one(Station, station["id"]), start)
        assignment = assign(session, shift, volunteer["id"])
        assignment.check_in_at = start
        assignment.check_out_at = start + timedelta(hours=3, minutes=30)
        assignment.status = AssignmentStatus.completed
        hours_service.credit_kiosk_hours(session, assignment)
        session.commit()
    engine.dispose()
    return admin, mine


def test_a_certificate_is_confirmed_then_refused_once_revoked(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **BOOTSTRAP) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        admin, mine = seed(base_url, database_url)
        issued = httpx.post(
            f"{base_url}/api/v1/volunteers/me/certificates", headers=mine, json={}, timeout=30
        )
        assert issued.status_code == 201, issued.text
        certificate = issued.json()
        code = certificate["code"]
        assert certificate["hours"] == 3.5
        assert certificate["url"] == f"{base_url}/verify/{code}"  # what the QR code holds

        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 375, "height": 667}, locale="zh-CN", is_mobile=True,
            has_touch=True, device_scale_factor=2,
        )  # fmt: skip
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # An unknown code answers 404 and a malformed one 422 on purpose.
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.status not in (404, 422)
                else None
            ),
        )
        expect.set_options(timeout=10_000)
        try:
            # The QR code's link, opened on a phone: Chinese first.
            page.goto(certificate["url"])
            expect(page.get_by_role("heading", name="证明核验")).to_be_visible()
            expect(page.get_by_role("status")).to_have_text("✓ 有效证明")
            expect(page.get_by_text("王*明", exact=True)).to_be_visible()
            expect(page.get_by_text("罗湖区", exact=True)).to_be_visible()
            expect(page.get_by_text("3.5 小时", exact=True)).to_be_visible()
            expect(page.get_by_text(grouped(code), exact=True)).to_be_visible()
            expect(page.get_by_text("王小明")).to_have_count(0)
            expect(page.get_by_text(PHONE)).to_have_count(0)
            page.screenshot(path=str(SHOTS / f"verify-valid-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("status")).to_have_text("✓ Valid certificate")
            expect(page.get_by_text("Service period")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"verify-valid-en-{kind}.png"), full_page=True)
            assert_accessible(page)

            # A code typed from paper: a slip first, named next to the field.
            page.goto(f"{base_url}/verify")
            page.get_by_label("Verification code").fill("1234-5678")
            page.get_by_role("button", name="Check").click()
            field = page.get_by_label("Verification code")
            expect(field).to_have_value("1234-5678")
            expect(field).to_have_attribute("aria-invalid", "true")
            expect(
                page.get_by_text("A verification code has 12 letters and digits")
            ).to_be_visible()
            page.screenshot(path=str(SHOTS / f"verify-typo-en-{kind}.png"), full_page=True)
            assert_accessible(page)
            field.fill(grouped(code).lower())
            page.get_by_role("button", name="Check").click()
            expect(page).to_have_url(f"{base_url}/verify/{code}")
            expect(page.get_by_role("status")).to_have_text("✓ Valid certificate")

            page.goto(f"{base_url}/verify/ABCDEFGHJKMN?lang=zh")
            expect(page.get_by_role("status")).to_have_text("✗ 无效")
            expect(page.get_by_text("没有与此验证码对应的证明")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"verify-unknown-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            # A coordinator revokes it: the same link now refuses it, and says when.
            revoked = httpx.post(
                f"{base_url}/api/v1/certificates/{code}/revoke",
                headers=admin,
                json={"reason": "issued to the wrong person"},
                timeout=30,
            )
            assert revoked.status_code == 200, revoked.text
            today = datetime.now(LOCAL).date().isoformat()
            page.goto(certificate["url"])
            expect(page.get_by_role("status")).to_have_text("✗ 无效")
            expect(page.get_by_text(f"此证明已于 {today} 撤销")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"verify-revoked-zh-{kind}.png"), full_page=True)
            assert_accessible(page)
            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("status")).to_have_text("✗ Not valid")
            expect(page.get_by_text(f"This certificate was revoked on {today}.")).to_be_visible()
            expect(page.get_by_text("Valid certificate")).to_have_count(0)
            page.screenshot(path=str(SHOTS / f"verify-revoked-en-{kind}.png"), full_page=True)
            assert_accessible(page)
        finally:
            browser.close()
    assert errors == []
