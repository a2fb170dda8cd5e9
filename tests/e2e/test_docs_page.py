"""/docs in a real browser (Debian's chromium through Playwright) against a real
`uroster serve` process: Swagger UI renders the operations from assets the app
serves itself, and the page asks no other host for anything."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_kiosk_page import ARGS, CHROMIUM
from tests.servers import migrate, running_server

sync_api = pytest.importorskip("playwright.sync_api")


def test_docs_render_offline(tmp_path: Path):
    expect = sync_api.expect
    database_url = f"sqlite:///{tmp_path / 'docs.db'}"
    migrate(database_url)
    requested: list[str] = []
    errors: list[str] = []
    with (
        running_server(database_url, tmp_path / "server.log") as base_url,
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda request: requested.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(f"{base_url}/docs")
            operation = page.get_by_text("/api/v1/shifts/generate", exact=True)
            expect(operation).to_be_visible(timeout=15_000)
            expect(page.get_by_role("heading", name="U-Roster")).to_be_visible()
            page.screenshot(path=str(tmp_path / "docs.png"))
        finally:
            browser.close()
    assert errors == []
    own = urlsplit(base_url).netloc
    assert {urlsplit(url).netloc for url in requested if not url.startswith("data:")} == {own}
    assert f"{base_url}/docs/assets/swagger-ui-bundle.js" in requested
    assert (tmp_path / "docs.png").stat().st_size > 10_000
