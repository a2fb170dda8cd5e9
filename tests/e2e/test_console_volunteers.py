"""The console's volunteer pages in a real browser (Debian's chromium through Playwright)
against a real `uroster serve` process, on a fresh SQLite file and a fresh PostgreSQL
database: a coordinator imports a list with one bad row (sees the error, fixes it,
imports), finds a volunteer, reads the week grid and hands out an invitation code.
Screenshots in Chinese and English go to artifacts/console/."""

import re

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_console_pages import BOOTSTRAP, COORDINATOR, SHOTS, district_with_coordinator
from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")

HEADER = "name,phone,skills,district_code,max_hours_per_week,availability\n"
REGISTERED = (
    HEADER + "王小明,13800000011,lang:en;first_aid,LH,8,Mon 09:00-13:00; Sat 08:00-18:00\n"
    "李华,13800000012,lang:yue,LH,,\n"
)
BAD = HEADER + "赵雷,13800000021,first_aid,LH,,\n孙丽,12,,LH,,\n"
FIXED = HEADER + "赵雷,13800000021,first_aid,LH,,\n孙丽,13800000022,,LH,,Sun 14:00-18:00\n"


def seed(base_url: str) -> None:
    """Through the API: two districts, a coordinator of one, two volunteers in it (one
    with weekly windows, one imported without: available at any time)."""
    api, district, coordinator = district_with_coordinator(base_url)
    api.post(
        "/volunteers/import",
        headers=coordinator,
        files={"file": ("v.csv", REGISTERED.encode())},
    ).raise_for_status()


def csv_file(text: str) -> dict:
    return {"name": "volunteers.csv", "mimeType": "text/csv", "buffer": text.encode()}


def test_a_coordinator_imports_finds_and_invites_volunteers(database_url, tmp_path):
    expect = sync_api.expect
    migrate(database_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    settings = BOOTSTRAP | {
        # Small, so that the browser's own check of the file size can be seen.
        "import_max_bytes": "2000",
    }
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log", **settings) as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        seed(base_url)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # The refused import (422, on purpose) aside, every answer is a success.
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        expect.set_options(timeout=10_000)
        try:
            page.goto(f"{base_url}/console/volunteers")
            page.get_by_label("邮箱或手机号").fill(COORDINATOR["username"])
            page.get_by_label("密码").fill(COORDINATOR["password"])
            page.get_by_role("button", name="登录").click()

            # The table, in Chinese first.
            expect(page.get_by_role("heading", name="志愿者")).to_be_visible()
            table = page.get_by_role("table")
            expect(table.get_by_role("link", name="王小明")).to_be_visible()
            expect(table.get_by_role("link", name="李华")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"volunteers-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            # Import a list with one bad row: the preview stores nothing.
            page.get_by_role("link", name="导入 CSV").click()
            page.get_by_label("CSV 文件").set_input_files(csv_file(BAD))
            page.get_by_role("button", name="检查文件").click()
            errors_table = page.get_by_role("table", name="行错误")
            expect(errors_table.get_by_role("columnheader")).to_have_text(["行号", "字段", "说明"])
            expect(errors_table.get_by_role("cell", name="3", exact=True)).to_be_visible()
            expect(errors_table.get_by_role("cell", name="phone", exact=True)).to_be_visible()
            expect(page.get_by_role("table", name="待导入的行")).to_contain_text("赵雷")
            expect(page.get_by_role("button", name="导入", exact=True)).to_be_visible()
            page.screenshot(path=str(SHOTS / f"volunteers-import-zh-{kind}.png"), full_page=True)
            assert_accessible(page)
            page.goto(f"{base_url}/console/volunteers?q=赵雷")
            expect(page.get_by_text("没有符合条件的志愿者。")).to_be_visible()  # nothing stored

            # Fixed: checked again, then imported all or nothing.
            page.goto(f"{base_url}/console/volunteers/import")
            page.get_by_label("CSV 文件").set_input_files(csv_file(FIXED))
            page.get_by_role("button", name="检查文件").click()
            expect(page.get_by_role("status")).to_contain_text("将新建：2 名")
            expect(page.get_by_role("table", name="行错误")).to_have_count(0)
            page.get_by_role("button", name="导入", exact=True).click()
            expect(page.get_by_role("status")).to_have_text(
                re.compile("导入完成：新建 2 名，更新 0 名。")
            )
            expect(page.get_by_role("table").get_by_role("link", name="孙丽")).to_be_visible()

            # Search by phone, open the volunteer, read the week grid, invite.
            page.get_by_label("搜索").fill("138 0000 0011")
            page.keyboard.press("Enter")
            expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
            page.get_by_role("link", name="王小明").click()
            expect(page.get_by_role("heading", name="王小明")).to_be_visible()
            grid = page.get_by_role("table", name="每周各时段可服务情况")
            expect(grid.get_by_role("rowheader")).to_have_text(
                ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
            )
            expect(page.get_by_text("周一 09:00–13:00")).to_be_visible()
            page.get_by_role("button", name="生成邀请码").click()
            code = page.get_by_label("邀请码", exact=True)
            expect(code).to_have_value(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$"))
            page.screenshot(path=str(SHOTS / f"volunteer-zh-{kind}.png"), full_page=True)
            assert_accessible(page)

            # English: the same pages, by their contract names.
            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("heading", name="王小明")).to_be_visible()
            expect(page.get_by_text("Mon 09:00–13:00 (available)")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"volunteer-en-{kind}.png"), full_page=True)
            page.set_viewport_size({"width": 1024, "height": 768})  # a tablet
            page.screenshot(path=str(SHOTS / f"volunteer-en-1024-{kind}.png"), full_page=True)
            page.set_viewport_size({"width": 1366, "height": 768})
            page.get_by_role("link", name="Back to the volunteers").click()
            page.get_by_label("Search").fill("李华")
            page.get_by_role("button", name="Filter").click()
            page.get_by_role("link", name="李华").click()
            expect(page.get_by_text("Available at any time")).to_be_visible()
            page.goto(f"{base_url}/console/volunteers")
            expect(page.get_by_role("link", name="Import CSV")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"volunteers-en-{kind}.png"), full_page=True)
            page.get_by_role("link", name="Import CSV").click()
            page.get_by_label("CSV file").set_input_files(csv_file(BAD))
            page.get_by_role("button", name="Check file").click()
            table = page.get_by_role("table", name="Row errors")
            expect(table.get_by_role("columnheader")).to_have_text(["Line", "Field", "Message"])
            page.screenshot(path=str(SHOTS / f"volunteers-import-en-{kind}.png"), full_page=True)
            # A file over the limit is refused in the page, before it is sent.
            page.get_by_label("CSV file").set_input_files(csv_file(HEADER + "x" * 2100))
            page.get_by_role("button", name="Check file").click()
            expect(page.get_by_label("CSV file")).to_have_accessible_description(
                re.compile("The file is larger than the limit of 2,000 bytes.")
            )
            expect(page.get_by_label("CSV file")).to_have_attribute("aria-invalid", "true")
            page.get_by_label("CSV file").set_input_files([])
            page.get_by_role("button", name="Good rows only").click()
            expect(page.get_by_role("status")).to_contain_text("Lines with errors left out: 1.")
        finally:
            browser.close()
    assert errors == []
