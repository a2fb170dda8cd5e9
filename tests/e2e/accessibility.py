"""axe-core (Deque's accessibility engine, bundled by the PyPI package
axe-playwright-python) run on a page open in Playwright: no serious or critical
violation is allowed."""

from axe_playwright_python.sync_playwright import Axe

SEVERE = ("serious", "critical")


def assert_accessible(page) -> None:
    results = Axe().run(page)
    severe = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in SEVERE
    ]
    assert severe == [], "\n".join(severe)
