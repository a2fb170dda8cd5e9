"""A volunteer carries home a service certificate from a phone, and a coordinator
revokes it: Debian's chromium through Playwright (375x667, WeChat's user agent for the
volunteer) against a real `uroster serve` on a fresh SQLite file and a fresh PostgreSQL
database.

Today's published duty is checked in and out through the kiosk API (X-Kiosk-Key); the
volunteer opens /app/hours, reads the total, taps "Download certificate" and gets the
PDF (read back with pypdf: name, hours, code); the QR code in it (decoded with
zxing-cpp) opens /verify/{code}: "Valid certificate". The coordinator revokes it on
the console's volunteer page; the verify page then says "Not valid". Screenshots in
zh and en go to artifacts/app/ (hours-certificate-*, console-certificates-*).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from app.certificates.service import grouped
from app.db import make_engine
from app.stations.models import Station
from tests.api.test_certificates import pdf_text
from tests.api.test_duties import add_shift, assign
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_app_journey import PHONE, WECHAT, assert_touch_targets, shoot
from tests.e2e.test_console_pages import BOOTSTRAP, COORDINATOR, district_with_coordinator
from tests.e2e.test_kiosk_page import ARGS, ARTIFACTS, CHROMIUM
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")

SHOTS = ARTIFACTS / "app"
LOCAL = ZoneInfo("Asia/Shanghai")
VOLUNTEER = {"name": "王小明", "phone": "13800000031", "password": "plum-lantern-harbour"}


def served_today(base_url: str, database_url: str) -> tuple[dict, int, float]:
    """Through the API: 罗湖区, its coordinator, a station, a volunteer. A duty today on
    a published roster (made in the database, as a roster would place it), checked in
    at its start and out now through the station's kiosk. (Coordinator's headers, the
    volunteer's id, the hours the kiosk credited.)"""
    api, district, coordinator = district_with_coordinator(base_url)
    station = api.post(
        "/stations",
        headers=coordinator,
        json={"code": "LH-01", "name": "罗湖口岸志愿服务站", "kind": "port",
              "district_id": district["id"], "address": "人民南路", "lat": 22.532,
              "lon": 114.113, "timezone": "Asia/Shanghai"},
    ).raise_for_status().json()  # fmt: skip
    volunteer = api.post(
        "/volunteers",
        json={"name": VOLUNTEER["name"], "phone": VOLUNTEER["phone"],
              "password": VOLUNTEER["password"], "district_id": district["id"],
              "accept_privacy_notice": True},
    ).raise_for_status().json()  # fmt: skip

    # Kiosk check-ins are for the station's current day: the duty began up to three
    # hours ago, never before today's midnight.
    now = datetime.now(LOCAL).replace(second=0, microsecond=0)
    start = max(now - timedelta(hours=3), datetime.combine(now.date(), time(), LOCAL))
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        shift = add_shift(session, session.get_one(Station, station["id"]), start, hours=4)
        assignment_id = assign(session, shift, volunteer["id"]).id
        session.commit()
    engine.dispose()

    kiosk = (
        api.post(
            f"/stations/{station['id']}/kiosks", headers=coordinator, json={"name": "Front desk"}
        )
        .raise_for_status()
        .json()
    )
    key = {"X-Kiosk-Key": kiosk["key"]}
    api.post(
        "/kiosk/check-in", headers=key, json={"assignment_id": assignment_id,
                                              "at": start.isoformat()},
    ).raise_for_status()  # fmt: skip
    out = api.post("/kiosk/check-out", headers=key, json={"assignment_id": assignment_id})
    hours = out.raise_for_status().json()["hours"]
    assert hours > 0
    return coordinator, volunteer["id"], hours


def hours_figure(hours: float) -> str:
    """As the hours page prints it (#,##0.##)."""
    return f"{hours:.2f}".rstrip("0").rstrip(".")


def qr_url(pdf: bytes) -> str:
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    [found] = zxingcpp.read_barcodes(image)
    return found.text


def test_a_volunteer_downloads_a_certificate_and_a_coordinator_revokes_it(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **BOOTSTRAP) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        _, volunteer_id, hours = served_today(base_url, database_url)
        figure = hours_figure(hours)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        phone = browser.new_context(
            viewport=PHONE, user_agent=WECHAT, locale="zh-CN", is_mobile=True, has_touch=True,
            accept_downloads=True,
        )  # fmt: skip
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = phone.new_page()
        console = desk.new_page()
        for tab in (page, console):
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.on(
                "response",
                lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
        expect.set_options(timeout=15_000)
        try:
            # The volunteer signs in on the phone and opens the hours page.
            page.goto(f"{base_url}/app/hours")
            page.get_by_label("手机号").fill(VOLUNTEER["phone"])
            page.get_by_label("密码").fill(VOLUNTEER["password"])
            page.get_by_role("button", name="登录").click()
            expect(page).to_have_url(f"{base_url}/app/hours")
            expect(page.get_by_text("总时长：")).to_be_visible()
            expect(page.locator("#total-hours")).to_have_text(figure)
            link = page.get_by_role("link", name="下载服务证明")
            expect(link).to_be_visible()
            assert_touch_targets(page)
            shoot(page, "hours-certificate", kind)

            # One tap: the PDF at once.
            with page.expect_download() as downloading:
                link.click()
            download = downloading.value
            assert download.suggested_filename.startswith("certificate-")
            pdf = open(download.path(), "rb").read()  # noqa: SIM115 - Playwright owns the file
            assert pdf.startswith(b"%PDF-")
            code = download.suggested_filename.removeprefix("certificate-").removesuffix(".pdf")
            text = pdf_text(pdf)
            assert VOLUNTEER["name"] in text and grouped(code) in text
            assert f"{figure} 小时" in text
            (SHOTS / f"hours-certificate-{kind}.pdf").write_bytes(pdf)

            # The list under the hours now holds it; a second tap gives the same code.
            page.reload()
            listed = page.locator("li.certificate")
            expect(listed).to_have_count(1)
            expect(listed).to_contain_text(grouped(code))
            expect(listed).to_contain_text("有效证明")
            with page.expect_download() as again:
                page.get_by_role("link", name="下载服务证明").click()
            assert again.value.suggested_filename == download.suggested_filename
            page.reload()
            expect(page.locator("li.certificate")).to_have_count(1)
            assert_touch_targets(page)
            shoot(page, "hours-certificate-listed", kind)

            # Another period with a slip: the problem next to the field, in Chinese.
            future = (datetime.now(LOCAL).date() + timedelta(days=1)).isoformat()
            page.get_by_label("结束日期").fill(future)
            page.get_by_role("button", name="开具证明").click()
            field = page.get_by_label("结束日期")
            expect(field).to_have_attribute("aria-invalid", "true")
            expect(field).to_have_accessible_description("该时间晚于当前时间。")
            shoot(page, "hours-certificate-refused", kind, address="/app/hours")

            # The QR code's link, opened on the phone.
            url = qr_url(pdf)
            assert url == f"{base_url}/verify/{code}"
            page.goto(url)
            expect(page.get_by_role("status")).to_have_text("✓ 有效证明")
            expect(page.get_by_text("王*明", exact=True)).to_be_visible()
            page.goto(f"{url}?lang=en")
            expect(page.get_by_role("status")).to_have_text("✓ Valid certificate")
            page.goto(f"{url}?lang=zh")

            # The coordinator revokes it on the volunteer's console page.
            console.goto(f"{base_url}/console/volunteers/{volunteer_id}")
            console.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            console.get_by_label("密码").fill(COORDINATOR["password"])
            console.get_by_role("button", name="登录").click()
            section = console.locator("#certificates")
            expect(section.get_by_role("heading", name="服务证明")).to_be_visible()
            expect(section.get_by_role("link", name=f"核验 {grouped(code)}")).to_be_visible()
            shoot(console, "console-certificates", kind)
            section.get_by_label("原因").fill("时长录错了人")
            section.get_by_role("button", name=f"撤销证明 {grouped(code)}").click()
            expect(console.get_by_role("status")).to_contain_text(f"证明 {grouped(code)} 已撤销")
            expect(section).to_contain_text("原因： 时长录错了人")
            expect(section.get_by_role("button")).to_have_count(0)
            shoot(
                console,
                "console-certificates-revoked",
                kind,
                address=f"/console/volunteers/{volunteer_id}?revoked={code}",
            )
            console.goto(f"{base_url}/console/volunteers/{volunteer_id}?lang=en")
            expect(console.locator("#certificates")).to_contain_text("Revoked on")
            assert_accessible(console)

            # The same link now refuses it, in both languages.
            page.goto(url)
            expect(page.get_by_role("status")).to_have_text("✗ 无效")
            page.goto(f"{url}?lang=en")
            expect(page.get_by_role("status")).to_have_text("✗ Not valid")
            page.screenshot(path=str(SHOTS / f"verify-after-console-en-{kind}.png"), full_page=True)

            # The volunteer's list says so, and offers no PDF of it any more.
            page.goto(f"{base_url}/app/hours?lang=zh")
            revoked = page.locator("li.certificate")
            expect(revoked).to_contain_text("撤销，不再有效")
            expect(revoked.get_by_role("link", name=f"{grouped(code)} 的 PDF")).to_have_count(0)
            shoot(page, "hours-certificate-revoked", kind)
        finally:
            browser.close()
    # The refused period (422) was on purpose; nothing else failed.
    assert [
        e for e in errors if not e.startswith("422 ") or "/app/hours/certificate" not in e
    ] == []
