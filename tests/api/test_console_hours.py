"""The console's hours report (/console/hours): roles and scope, the figures per volunteer,
per station and per entry, corrections through the page, and the CSV download.

Through the real app over HTTP (TestClient) on SQLite and PostgreSQL, with the month of
tests/api/test_hours.py (`served_month`, clock pinned to 2026-12-02 in Shanghai).
"""

import csv
import io
import re

import pytest

from tests.api import test_hours
from tests.api.test_console import csrf, sign_in
from tests.api.test_kiosks import local

# The month of verified hours of the API's tests, and their pinned clock.
served_month, clock, report = test_hours.served_month, test_hours.clock, test_hours.report
PAGE = "/console/hours"
DECEMBER = {"from": "2026-12-01", "to": "2026-12-31"}


def period(world, **extra) -> dict:
    return {"district": world.district_a.id, "lang": "en"} | DECEMBER | extra


def entry_row(page_text: str, assignment_id: int) -> str:
    return re.search(rf'<tr id="entry-{assignment_id}".*?</tr>', page_text, re.S)[0]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 303), ("volunteer", 403), ("other_coordinator", 404), ("coordinator", 200),
     ("admin", 200)],
)  # fmt: skip
def test_who_may_read_a_districts_hours(client, world, who, status):
    if who in ("coordinator", "admin"):
        sign_in(client, "ca@example.org" if who == "coordinator" else "admin@example.org",
                "coord-pass" if who == "coordinator" else "admin-pass")  # fmt: skip
    elif who == "other_coordinator":
        sign_in(client, "cb@example.org")
    elif who == "volunteer":
        client.cookies.set("uroster_session", world["volunteer"].token)

    response = client.get(PAGE, params=period(world), follow_redirects=False)

    assert response.status_code == status
    if status == 303:
        assert response.headers["location"].startswith("/console/login?next=")
    csv_answer = client.get(f"{PAGE}/report.csv", params=period(world), follow_redirects=False)
    assert csv_answer.status_code == status


def test_the_report_per_volunteer_station_and_entry(client, world, served_month):
    sign_in(client)

    page = client.get(PAGE, params=period(world))

    assert page.status_code == 200, page.text
    text = page.text
    assert "9.75" in text  # the district's total
    for name, hours, duties, no_shows in (("Wang Li", "6.50", 2, 1), ("张小明", "3.25", 1, 0)):
        cells = r"</td>\s*<td[^>]*>".join([re.escape(hours), str(duties), str(no_shows)])
        assert re.search(rf"{name}</th>\s*<td[^>]*>{cells}</td>", text)
    assert re.search(r"Luohu U-station <span[^>]*>\(A-1\)</span></th>\s*<td[^>]*>9\.75</td>", text)
    assert "Futian Port" not in text  # district B
    corrected = entry_row(text, served_month["z1"].id)
    assert "2026-12-02 09:00" in corrected and "2026-12-02 12:15" in corrected  # station time
    assert "stayed to help" in corrected
    assert "Kiosk recorded:" in corrected and "12:00" in corrected  # the original check-out
    kiosk = entry_row(text, served_month["a1"].id)
    assert "2026-12-02 07:50" in kiosk and "Corrected" not in kiosk
    assert 'value="2026-12-02T07:50"' in kiosk  # the correction form starts from the record
    assert 'href="/console/hours/report.csv?' in text


def test_the_chinese_page(client, world, served_month):
    sign_in(client)
    page = client.get(PAGE, params=period(world, lang="zh"))
    assert page.status_code == 200
    for words in ("服务时长", "开始日期", "结束日期", "下载 CSV", "按志愿者", "按站点", "更正"):
        assert words in page.text


def test_the_csv_is_the_apis(client, world, served_month):
    sign_in(client)
    for detail in ("volunteers", "entries"):
        page_csv = client.get(f"{PAGE}/report.csv", params=period(world, detail=detail))
        api_csv = report(client, world, accept="text/csv", detail=detail)
        assert page_csv.status_code == 200
        assert page_csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in page_csv.headers["content-disposition"]
        assert page_csv.text == api_csv.text
    rows = list(csv.DictReader(io.StringIO(page_csv.text)))
    assert len(rows) == 3


def test_a_period_the_service_refuses_is_named_next_to_the_field(client, world):
    sign_in(client)

    backwards = client.get(PAGE, params=period(world, **{"from": "2026-12-31", "to": "2026-12-01"}))
    garbled = client.get(PAGE, params=period(world, **{"from": "yesterday"}))

    assert backwards.status_code == 422
    assert 'id="to-error">Must not lie before the start of the period.' in backwards.text
    assert 'aria-describedby="to-error"' in backwards.text
    assert 'value="2026-12-31"' in backwards.text  # what was typed, kept
    assert garbled.status_code == 422 and 'id="from-error"' in garbled.text


def test_another_districts_report_is_not_found(client, world):
    sign_in(client)
    response = client.get(PAGE, params=period(world, district=world.district_b.id))
    assert response.status_code == 404 and "<h1>" in response.text


def correct_on_page(client, world, assignment_id: int, **fields):
    page = client.get(PAGE)  # the signed-in coordinator's own district
    data = {
        "csrf_token": csrf(page.text),
        "district": world.district_a.id,
        "check_in": "2026-12-02T08:00",
        "check_out": "2026-12-02T11:30",
        "reason": "the kiosk was offline",
    } | DECEMBER | fields  # fmt: skip
    return client.post(
        f"{PAGE}/{assignment_id}/correction",
        data=data,
        params={"lang": "en"},
        follow_redirects=False,
    )


def test_a_correction_through_the_page(client, world, served_month, clock):
    sign_in(client)
    a1 = served_month["a1"]

    response = correct_on_page(client, world, a1.id)

    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{PAGE}?district={world.district_a.id}")
    row = entry_row(client.get(response.headers["location"]).text, a1.id)
    assert "2026-12-02 08:00" in row and "2026-12-02 11:30" in row and "3.50" in row
    assert "the kiosk was offline" in row and "2026-12-02 07:50" in row  # the original kept


def test_entries_come_a_page_at_a_time(client, world, served_month, clock, monkeypatch):
    """A district's month is thousands of entries, each with its correction form; the
    page shows them in pages, and a corrected entry's page is the one shown after."""
    monkeypatch.setattr("app.web.hours.ENTRIES_PER_PAGE", 2)
    sign_in(client)

    first = client.get(PAGE, params=period(world))
    second = client.get(PAGE, params=period(world, page=2))

    shown = [re.findall(r'<tr id="entry-(\d+)"', p.text) for p in (first, second)]
    assert [len(ids) for ids in shown] == [2, 1]  # a1, a2, z1: the December entries
    assert not set(shown[0]) & set(shown[1])
    assert "Page 1 of 2" in first.text and 'rel="next"' in first.text
    assert "Page 2 of 2" in second.text and 'rel="prev"' in second.text
    assert ">3<" in second.text.replace(" ", "")  # the "Duties served" tile counts all
    last = int(shown[1][0])
    assert f'id="entry-{last}"' in client.get(PAGE, params=period(world, entry=last)).text
    beyond = client.get(PAGE, params=period(world, page=99))
    assert "Page 2 of 2" in beyond.text

    response = correct_on_page(client, world, last)

    assert response.status_code == 303 and f"entry={last}" in response.headers["location"]
    assert f'id="entry-{last}"' in client.get(response.headers["location"]).text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"check_out": "2026-12-02T07:00"}, "out", "Check-out must lie after check-in."),
        ({"check_in": "2026-12-01T23:00"}, "in", "Must lie on the duty&#39;s day, 2026-12-02"),
        ({"check_out": "2026-12-02T19:00"}, "out", "Longer than the shift plus 2 h (6 h in all)."),
        ({"reason": "  "}, "reason", "Give a reason"),
        ({"check_in": "soon"}, "in", "Enter a date and time."),
        ({"check_out": "2026-12-02T22:00", "check_in": "2026-12-02T21:00"}, "out",
         "This lies in the future."),
    ],
)  # fmt: skip
def test_a_refused_correction_says_why_next_to_the_field(
    client,
    world,
    served_month,
    clock,
    fields,
    field,
    message,
):
    sign_in(client)
    a1 = served_month["a1"]

    response = correct_on_page(client, world, a1.id, **fields)

    assert response.status_code == 422, response.text
    row = entry_row(response.text, a1.id)
    assert f'id="entry-{a1.id}-{field}-error">{message}' in row
    assert f'aria-describedby="entry-{a1.id}-{field}-error"' in row
    assert '<details class="correct" open>' in row
    for typed in fields.values():
        if typed.strip():
            assert f'value="{typed}"' in row  # kept as typed
    assert "Corrected" not in row


def test_corrections_outside_the_district_or_without_the_token_are_refused(
    client,
    world,
    served_month,
    clock,
):
    sign_in(client, "cb@example.org")
    assert correct_on_page(client, world, served_month["a1"].id).status_code == 404
    client.cookies.clear()
    sign_in(client)
    forged = correct_on_page(client, world, served_month["a1"].id, csrf_token="forged")
    assert forged.status_code == 403
    page = client.get(PAGE, params=period(world))
    assert "the kiosk was offline" not in page.text
    assert local(7, 50).strftime("%Y-%m-%d %H:%M") in entry_row(page.text, served_month["a1"].id)


def test_the_dashboard_counts_the_weeks_verified_hours_as_the_report_does(
    client, world, served_month
):
    sign_in(client)
    week = {"from": "2026-11-30", "to": "2026-12-06"}  # 2026-W49, with a duty of November

    dashboard = client.get("/console", params={"district": world.district_a.id,
                                               "week": "2026-W49", "lang": "en"})  # fmt: skip

    total = report(client, world, **week).json()["total_hours"]
    assert total > 0
    figure = re.search(
        r"Verified hours this week</h2>\s*<p class=\"figure\">([\d.]+)<", dashboard.text
    )
    assert figure and float(figure[1]) == round(total, 1)
