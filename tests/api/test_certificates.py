"""Service certificates: issued from verified hours (kiosk check-ins and corrections,
never the plan), listed, printed as a PDF, revoked by coordinators and checked by
anyone at /verify/{code}.

Duties are served through the kiosk API with the clock pinned (as in test_kiosks) to
Wednesday 2 December 2026, noon in Shanghai.
"""

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import Account
from app.certificates import pdf as certificate_pdf
from app.certificates import service as certificate_service
from app.certificates.models import Certificate
from app.hours.models import ServiceHours
from app.rosters.models import AssignmentStatus
from app.settings import get_settings, public_url
from tests.api.conftest import ROLES, assert_problem, make_caller, register_volunteer
from tests.api.test_duties import add_shift, assign
from tests.api.test_hours import correct, served
from tests.api.test_kiosks import Clock, duty, local, new_kiosk, ok, pin_clock

MINE = "/api/v1/volunteers/me/certificates"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "app"
CODE = re.compile(r"^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{12}$")


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = pin_clock(monkeypatch)
    monkeypatch.setattr(certificate_service, "utcnow", lambda: clock.now.astimezone(UTC))
    return clock


def issue(client, world, who="volunteer", **period):
    return client.post(MINE, headers=world[who].headers, json=period)


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def verify_json(client, code: str):
    return client.get(f"/verify/{code}", headers={"Accept": "application/json"})


@pytest.fixture
def service_record(client, session, world, clock):
    """Wang Li (district A): 4 h at station A today and 2.5 h at station B (district B)
    today through the kiosks; yesterday's duty at A, missed at the kiosk, corrected by
    the coordinator to 1.5 h. Still only planned: a duty this evening and one
    tomorrow. 张小明 served 3 h at A today."""
    _, kiosk_a = new_kiosk(client, world)
    _, kiosk_b = new_kiosk(client, world, world.station_b, caller="other_coordinator")
    morning = duty(session, world, local(8), hours=4)
    afternoon = duty(session, world, local(14), hours=3, station=world.station_b)
    yesterday = duty(session, world, local(9, days=-1), hours=2)
    duty(session, world, local(18), hours=2)
    duty(session, world, local(9, days=1), hours=3)
    theirs = duty(session, world, local(13), hours=3, who="other_volunteer")
    served(client, clock, kiosk_a, morning, local(7, 50), local(12, 10))
    served(client, clock, kiosk_a, theirs, local(13), local(16))
    served(client, clock, kiosk_b, afternoon, local(14), local(16, 30))
    clock.set(17)
    ok(correct(client, world, yesterday.id, local(10, days=-1), local(11, 30, days=-1)))
    return {"morning": morning, "afternoon": afternoon, "yesterday": yesterday}


# -- issuing -------------------------------------------------------------------------


def test_a_certificate_counts_verified_hours_per_station_and_never_the_plan(
    client, session, world, service_record
):
    body = created(issue(client, world))

    assert CODE.match(body["code"])
    assert body["url"] == f"{public_url(get_settings())}/verify/{body['code']}"
    assert body["pdf_url"] == f"{MINE}/{body['code']}.pdf"
    # From the first verified duty (yesterday's, corrected) to today.
    assert (body["from"], body["to"]) == ("2026-12-01", "2026-12-02")
    assert body["hours"] == 8.0  # 4 + 2.5 + 1.5: neither the evening nor tomorrow
    assert [(s["code"], s["hours"], s["duties"]) for s in body["stations"]] == [
        ("A-1", 5.5, 2),
        ("B-1", 2.5, 1),
    ]
    assert body["district_id"] == world.district_a.id
    assert body["district_name"] == "District A"
    assert body["revoked"] is False and body["revoked_at"] is None

    today_only = created(issue(client, world, **{"from": "2026-12-02", "to": "2026-12-02"}))
    assert today_only["hours"] == 6.5
    assert today_only["code"] != body["code"]
    stored = session.scalar(select(Certificate).where(Certificate.code == body["code"]))
    assert (
        stored.masked_name == "W*** Li" and stored.volunteer_id == world["volunteer"].volunteer_id
    )


def test_a_certificate_keeps_the_hours_it_was_issued_with(client, world, clock, service_record):
    code = created(issue(client, world))["code"]

    # A later correction changes the record, not the certificate already handed out.
    ok(
        correct(
            client, world, service_record["yesterday"].id, local(9, days=-1), local(11, days=-1)
        )
    )
    mine = ok(client.get("/api/v1/volunteers/me/hours", headers=world["volunteer"].headers))
    assert mine["total_hours"] == 8.5
    assert ok(client.get(MINE, headers=world["volunteer"].headers))["items"][0]["hours"] == 8.0
    assert verify_json(client, code).json()["hours"] == 8.0
    assert created(issue(client, world))["hours"] == 8.5


def test_my_certificates_are_listed_newest_first_and_paged(client, world, clock, service_record):
    first = created(issue(client, world, **{"to": "2026-12-01"}))
    clock.set(18)
    second = created(issue(client, world))

    listed = ok(client.get(MINE, headers=world["volunteer"].headers))
    assert listed["total"] == 2
    assert [item["code"] for item in listed["items"]] == [second["code"], first["code"]]
    assert {"code", "from", "to", "hours", "revoked"} <= listed["items"][0].keys()
    assert (listed["items"][1]["from"], listed["items"][1]["to"]) == ("2026-12-01", "2026-12-01")
    assert listed["items"][1]["hours"] == 1.5
    paged = ok(
        client.get(MINE, headers=world["volunteer"].headers, params={"limit": 1, "offset": 1})
    )
    assert paged["total"] == 2 and [i["code"] for i in paged["items"]] == [first["code"]]
    theirs = ok(client.get(MINE, headers=world["other_volunteer"].headers))
    assert theirs == {"items": [], "total": 0}


def count_certificates(session) -> int:
    return session.scalar(select(func.count()).select_from(Certificate))


@pytest.mark.parametrize(
    ("period", "loc"),
    [
        ({"from": "2026-12-02", "to": "2026-12-01"}, "from"),  # reversed
        ({"to": "2026-12-03"}, "to"),  # tomorrow
        ({"from": "2021-12-01", "to": "2026-12-02"}, "from"),  # a day over five years
        ({"from": "1960-01-01", "to": "2026-12-02"}, "from"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
    ],
)
def test_a_bad_period_is_422_and_issues_nothing(
    client, session, world, service_record, period, loc
):
    problem = assert_problem(issue(client, world, **period), 422)
    assert any(loc in error["loc"] for error in problem["errors"]), problem
    assert count_certificates(session) == 0


def test_five_years_to_the_day_is_allowed(client, world, service_record):
    body = created(issue(client, world, **{"from": "2021-12-02", "to": "2026-12-02"}))
    assert body["hours"] == 8.0


def test_a_period_without_verified_hours_is_a_409(client, session, world, service_record):
    last_month = issue(client, world, **{"from": "2026-11-01", "to": "2026-11-30"})
    assert assert_problem(last_month, 409)["reason"] == "no_verified_hours"
    # 张小明 served today only; by yesterday they have nothing to certify.
    theirs = assert_problem(issue(client, world, "other_volunteer", to="2026-12-01"), 409)
    assert theirs["reason"] == "no_verified_hours" and "check-in" in theirs["detail"]
    assert count_certificates(session) == 0


def test_a_volunteer_without_a_district_gets_a_409(client, session, world, clock):
    volunteer = register_volunteer(session, "Lone Wolf", "13800000009", None)
    session.flush()
    caller = make_caller(session, "lone", session.get(Account, volunteer.account_id), volunteer.id)
    session.commit()
    problem = assert_problem(client.post(MINE, headers=caller.headers, json={}), 409)
    assert problem["reason"] == "no_district"


# -- who may do what -----------------------------------------------------------------


def test_issuing_and_listing_are_for_volunteers_only(client, world, service_record):
    for role in ROLES:
        if role in ("volunteer", "other_volunteer"):
            continue
        expected = 401 if role == "anonymous" else 403
        assert_problem(issue(client, world, role), expected)
        assert_problem(client.get(MINE, headers=world[role].headers), expected)
    created(issue(client, world))
    assert_problem(issue(client, world, "other_volunteer", to="2026-12-01"), 409)


def test_revoking_is_for_the_coordinators_of_the_issuing_district_and_admins(
    client, session, world, clock, service_record
):
    code = created(issue(client, world))["code"]
    other_code = created(issue(client, world))["code"]
    revoke = f"/api/v1/certificates/{code}/revoke"

    assert_problem(client.post(revoke), 401)
    assert_problem(client.post(revoke, headers=world["volunteer"].headers), 403)
    assert_problem(client.post(revoke, headers=world["other_volunteer"].headers), 403)
    # The station-B hours do not make district B's coordinator the issuer.
    assert_problem(client.post(revoke, headers=world["other_coordinator"].headers), 404)
    assert_problem(
        client.post("/api/v1/certificates/ABCDEFGHJKMN/revoke", headers=world["admin"].headers),
        404,
    )
    clock.set(19)
    body = ok(
        client.post(
            revoke.replace(code, code.lower()),
            headers=world["coordinator"].headers,
            json={"reason": "  hours were entered for the wrong person "},
        )
    )
    assert body["revoked"] is True and body["revoked_by"] == world["coordinator"].account.id
    assert body["revoke_reason"] == "hours were entered for the wrong person"
    assert datetime.fromisoformat(body["revoked_at"]) == local(19)
    again = assert_problem(client.post(revoke, headers=world["admin"].headers), 409)
    assert again["reason"] == "already_revoked"
    by_admin = ok(
        client.post(f"/api/v1/certificates/{other_code}/revoke", headers=world["admin"].headers)
    )
    assert by_admin["revoke_reason"] is None
    mine = ok(client.get(MINE, headers=world["volunteer"].headers))["items"]
    assert [item["revoked"] for item in mine] == [True, True]
    too_long = {"reason": "x" * 501}
    third = created(issue(client, world))["code"]
    assert_problem(
        client.post(
            f"/api/v1/certificates/{third}/revoke", headers=world["coordinator"].headers,
            json=too_long,
        ),
        422,
    )  # fmt: skip


def test_coordinators_list_the_certificates_of_their_districts(client, world, service_record):
    code = created(issue(client, world))["code"]
    path = "/api/v1/certificates"

    mine = ok(client.get(path, headers=world["coordinator"].headers))
    assert mine["total"] == 1
    item = mine["items"][0]
    assert item["code"] == code and item["volunteer_name"] == "Wang Li"
    assert item["volunteer_id"] == world["volunteer"].volunteer_id
    one = ok(
        client.get(
            path, headers=world["coordinator"].headers, params={"district_id": world.district_a.id}
        )
    )
    assert one["total"] == 1
    assert ok(client.get(path, headers=world["admin"].headers))["total"] == 1
    assert ok(client.get(path, headers=world["other_coordinator"].headers)) == {
        "items": [],
        "total": 0,
    }
    assert_problem(
        client.get(
            path,
            headers=world["other_coordinator"].headers,
            params={"district_id": world.district_a.id},
        ),
        404,
    )
    assert_problem(client.get(path, headers=world["volunteer"].headers), 403)
    assert_problem(client.get(path), 401)


# -- the PDF -------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> list[str]:
    from pypdf import PdfReader

    names = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor or "/FontFile3" in descriptor:
                    names.append(str(descriptor["/FontName"]))
    return names


def test_the_pdf_holds_the_name_period_hours_stations_and_code(
    client, session, world, clock, service_record
):
    # 张小明: Chinese text in the PDF. A second duty at station B, corrected.
    extra = duty(session, world, local(9, days=-1), hours=3, station=world.station_b,
                 who="other_volunteer")  # fmt: skip
    ok(
        correct(
            client, world, extra.id, local(9, days=-1), local(11, 15, days=-1),
            who="other_coordinator",
        )
    )  # fmt: skip
    body = created(issue(client, world, "other_volunteer"))
    code = body["code"]
    assert body["hours"] == 5.25

    response = client.get(f"{MINE}/{code}.pdf", headers=world["other_volunteer"].headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="certificate-{code}.pdf"' in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    flat = "".join(text.split())
    assert "志愿服务证明" in text and "Volunteer Service Certificate" in text
    assert "张小明" in text
    assert "5.25" in text  # total hours
    assert "2026-12-01" in text and "2026-12-02" in text
    assert certificate_service.grouped(code) in text
    assert f"/verify/{code}" in flat  # the printed link of the QR code
    assert "Luohu U-station" in text and "Futian Port" in text
    assert "District A" in text  # the issuing district
    assert embedded_fonts(response.content), "the Chinese font is not embedded"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "certificate.pdf").write_bytes(response.content)
    render_first_page(response.content, ARTIFACTS / "certificate.png")
    assert (ARTIFACTS / "certificate.png").stat().st_size > 10_000


def render_first_page(data: bytes, target: Path) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        page.render(scale=1.5).to_pil().save(target)
    finally:
        document.close()


def test_the_qr_code_leads_to_the_verify_page(client, world, service_record):
    import pypdfium2
    import zxingcpp
    from PIL import Image

    code = created(issue(client, world))["code"]
    data = client.get(f"{MINE}/{code}.pdf", headers=world["volunteer"].headers).content
    document = pypdfium2.PdfDocument(data)
    image: Image.Image = document[0].render(scale=3).to_pil()
    document.close()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == [f"{public_url(get_settings())}/verify/{code}"]


def test_only_the_holder_gets_the_pdf(client, world, service_record):
    code = created(issue(client, world))["code"]
    path = f"{MINE}/{code}.pdf"

    assert_problem(client.get(path), 401)
    assert_problem(client.get(path, headers=world["other_volunteer"].headers), 404)
    for role in ("coordinator", "other_coordinator", "admin"):
        assert_problem(client.get(path, headers=world[role].headers), 403)
    assert_problem(client.get(f"{MINE}/ABCDEFGHJKMN.pdf", headers=world["volunteer"].headers), 404)
    assert_problem(client.get(f"{MINE}/not-a-code.pdf", headers=world["volunteer"].headers), 404)
    assert client.get(path, headers=world["volunteer"].headers).status_code == 200


def test_a_revoked_certificate_has_no_pdf(client, world, service_record):
    code = created(issue(client, world))["code"]
    ok(client.post(f"/api/v1/certificates/{code}/revoke", headers=world["coordinator"].headers))
    problem = assert_problem(
        client.get(f"{MINE}/{code}.pdf", headers=world["volunteer"].headers), 409
    )
    assert problem["reason"] == "revoked"


def test_without_a_chinese_font_the_pdf_is_a_clear_503(
    client, world, service_record, monkeypatch, tmp_path
):
    code = created(issue(client, world))["code"]
    path = f"{MINE}/{code}.pdf"
    not_a_font = tmp_path / "nothing.ttf"
    not_a_font.write_bytes(b"not a font")
    latin_only = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    for configured in (str(tmp_path / "missing.ttc"), str(not_a_font), latin_only):
        monkeypatch.setattr(get_settings(), "certificate_font", configured)
        problem = assert_problem(client.get(path, headers=world["volunteer"].headers), 503)
        assert configured in problem["detail"] and "fonts-wqy-zenhei" in problem["detail"]
    # Found without the setting: fontconfig or Debian's paths (fonts-wqy-zenhei on CI).
    monkeypatch.setattr(get_settings(), "certificate_font", None)
    assert client.get(path, headers=world["volunteer"].headers).status_code == 200


def test_no_font_anywhere_names_the_package_to_install(monkeypatch):
    monkeypatch.setattr(certificate_pdf, "KNOWN_FONTS", ())
    monkeypatch.setattr(certificate_pdf, "_fontconfig_choice", lambda: None)
    certificate_pdf.find_font.cache_clear()
    try:
        with pytest.raises(certificate_pdf.FontMissing) as missing:
            certificate_pdf.require_font(None)
    finally:
        certificate_pdf.find_font.cache_clear()
    assert missing.value.status == 503
    assert "fonts-wqy-zenhei" in missing.value.detail


# -- the verify page -----------------------------------------------------------------


def test_verify_json_confirms_the_certificate_without_personal_data(client, world, service_record):
    code = created(issue(client, world))["code"]

    response = verify_json(client, code)

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "valid": True,
        "code": code,
        "name": "W*** Li",
        "from": "2026-12-01",
        "to": "2026-12-02",
        "hours": 8.0,
        "district": "District A",
        "issued_at": body["issued_at"],
        "revoked": False,
        "revoked_at": None,
    }
    assert "Wang Li" not in response.text and "13800000001" not in response.text
    assert response.headers["vary"] == "Accept" and response.headers["cache-control"] == "no-store"
    # Typed from paper: lower case, dashes, O for 0 and I/L for 1 all find it.
    typed = certificate_service.grouped(code).lower().replace("0", "o").replace("1", "l")
    assert verify_json(client, typed).json()["code"] == code


def test_verify_html_in_both_languages(client, world, service_record):
    code = created(issue(client, world))["code"]

    zh = client.get(f"/verify/{code}")
    en = client.get(f"/verify/{code}?lang=en")

    assert zh.status_code == en.status_code == 200
    assert zh.headers["content-type"].startswith("text/html")
    assert "有效证明" in zh.text and "W*** Li" in zh.text and "District A" in zh.text
    assert "Valid certificate" in en.text and ">8 h<" in en.text
    assert re.search(r">2026-12-01</span> – <span[^>]*>2026-12-02<", en.text)
    for page in (zh, en):
        assert "Wang Li" not in page.text and "13800000001" not in page.text
        assert "Content-Security-Policy" in page.headers


def test_an_unknown_code_is_not_valid_with_404(client, world):
    for code in ("ABCDEFGHJKMN", "short", "x" * 300):
        page = client.get(f"/verify/{code}?lang=en")
        assert page.status_code == 404
        assert "Not valid" in page.text and "No certificate has this code" in page.text
        problem = assert_problem(verify_json(client, code), 404)
        assert problem["valid"] is False


def test_a_revoked_certificate_is_not_valid_and_says_when(client, world, clock, service_record):
    code = created(issue(client, world))["code"]
    clock.set(20)
    ok(client.post(f"/api/v1/certificates/{code}/revoke", headers=world["coordinator"].headers))

    body = verify_json(client, code).json()
    assert body["valid"] is False and body["revoked"] is True
    assert datetime.fromisoformat(body["revoked_at"]) == local(20)
    en = client.get(f"/verify/{code}?lang=en")
    assert en.status_code == 200
    assert "Not valid" in en.text and "Valid certificate" not in en.text
    assert "revoked on 2026-12-02" in en.text
    zh = client.get(f"/verify/{code}?lang=zh")
    assert "无效" in zh.text and "2026-12-02 撤销" in zh.text


def test_the_code_form_leads_to_the_page_or_names_the_problem(client, world, service_record):
    code = created(issue(client, world))["code"]

    empty = client.get("/verify?lang=en")
    assert empty.status_code == 200 and "Verification code" in empty.text
    found = client.get("/verify", params={"code": f" {certificate_service.grouped(code).lower()} "},
                       follow_redirects=False)  # fmt: skip
    assert found.status_code == 303 and found.headers["location"] == f"/verify/{code}"
    wrong = client.get("/verify", params={"code": "12345", "lang": "en"})
    assert wrong.status_code == 422
    assert "12 letters and digits" in wrong.text and 'value="12345"' in wrong.text
    long = client.get("/verify", params={"code": "Z" * 5000, "lang": "en"})
    assert long.status_code == 422 and f'value="{"Z" * 40}"' in long.text


def test_verify_lookups_are_rate_limited_per_address(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "verify_rate_burst", 3)
    monkeypatch.setattr(get_settings(), "verify_rate_per_minute", 1)
    for _ in range(3):
        assert verify_json(client, "ABCDEFGHJKMN").status_code == 404
    limited = assert_problem(verify_json(client, "ABCDEFGHJKMN"), 429)
    assert int(limited["retry_after"]) >= 1
    page = client.get("/verify/ABCDEFGHJKMN?lang=en")
    assert page.status_code == 429 and int(page.headers["retry-after"]) >= 1
    assert "Too many attempts" in page.text


# -- the world of the role matrix ------------------------------------------------------


def add_certificates(world, session) -> None:
    """For tests/api/test_role_matrix.py: the volunteer served two hours yesterday (so
    that issuing succeeds) and holds a certificate (`world.certificate`)."""
    from app.db import utcnow

    now = utcnow()
    shift = add_shift(session, world.station_a, now - timedelta(days=1), hours=2)
    served_duty = assign(
        session, shift, world["volunteer"].volunteer_id, status=AssignmentStatus.completed
    )
    session.add(
        ServiceHours(
            assignment_id=served_duty.id,
            volunteer_id=world["volunteer"].volunteer_id,
            station_id=world.station_a.id,
            check_in_at=shift.starts_at,
            check_out_at=shift.ends_at,
            hours=2.0,
            source="kiosk",
        )
    )
    certificate = Certificate(
        code=certificate_service.new_code(),
        volunteer_id=world["volunteer"].volunteer_id,
        district_id=world.district_a.id,
        from_date=(now - timedelta(days=1)).date(),
        to_date=now.date(),
        hours=2.0,
        station_hours=[],
        masked_name="W*** Li",
    )
    session.add(certificate)
    session.commit()
    world.certificate = certificate
