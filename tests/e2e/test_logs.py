"""What a real server writes to its log: no secret that travels in a URL."""

import httpx

from tests.servers import migrate, running_server

ADMIN = {"username": "admin@example.org", "password": "Vault-Lantern-Orchid-42"}


def test_the_access_log_never_holds_a_calendar_feed_token(database_url, tmp_path):
    migrate(database_url)
    log = tmp_path / "server.log"
    settings = {
        "bootstrap_admin_email": ADMIN["username"],
        "bootstrap_admin_password": ADMIN["password"],
        "log_level": "INFO",
        "public_url": "https://roster.example.org",
    }
    with running_server(database_url, log, **settings) as base_url:
        api = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
        phone, password = "13800000001", "Harbour-Kite-Ledger-77"
        api.post(
            "/volunteers",
            json={"name": "Wang Li", "phone": phone, "password": password,
                  "accept_privacy_notice": True},
        ).raise_for_status()  # fmt: skip
        token = api.post("/auth/token", data={"username": phone, "password": password}).json()[
            "access_token"
        ]
        feed = api.post(
            "/volunteers/me/calendar-feed", headers={"Authorization": f"Bearer {token}"}
        ).json()["url"]
        assert feed.startswith("https://roster.example.org/api/v1/calendar/")
        secret = feed.removeprefix("https://roster.example.org/api/v1/calendar/").removesuffix(
            ".ics"
        )
        assert api.get(f"/calendar/{secret}.ics").status_code == 200
        assert api.get(f"/calendar/{secret}x.ics").status_code == 404
    text = log.read_text()
    assert "GET /api/v1/calendar/[redacted].ics" in text  # the access log is on
    assert secret not in text
