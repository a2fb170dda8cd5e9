"""Service certificates in the volunteer app (/app/hours) and the console's volunteer
page, through the real app over HTTP on SQLite and PostgreSQL: the one-tap download
(a PDF read back with pypdf), the code kept across taps, another period with its
problems next to the field, the list of my certificates, who may do what, CSRF, a
missing font, and a coordinator's revocation.

The service record and the pinned clock (Wednesday 2 December 2026, Shanghai) are
tests/api/test_certificates.py's: Wang Li served 8 h (4 h and 2.5 h today, 1.5 h
yesterday by a correction); 张小明 3 h today.
"""

import re

import pytest
from sqlalchemy import func, select

from app.certificates import service as certificate_service
from app.certificates.models import Certificate
from app.settings import get_settings
from app.volunteers.models import Volunteer
from tests.api import test_certificates
from tests.api.conftest import assert_problem
from tests.api.test_app_pages import LOGIN, as_caller, csrf
from tests.api.test_certificates import pdf_text
from tests.api.test_hours import correct
from tests.api.test_kiosks import local, new_kiosk, ok

DOWNLOAD = "/app/hours/certificate"
# The service record of the certificates' API tests, and their pinned clock.
service_record, clock = test_certificates.service_record, test_certificates.clock


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Certificate))


def certificates_of(session, who_id: int) -> list[Certificate]:
    session.expire_all()
    return list(
        session.scalars(
            select(Certificate).where(Certificate.volunteer_id == who_id).order_by(Certificate.id)
        )
    )


def filename_code(response) -> str:
    return re.search(
        r'filename="certificate-(\w{12})\.pdf"', response.headers["content-disposition"]
    )[1]


def assert_pdf(response) -> str:
    """The answer is a certificate's PDF to download; its text."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"%PDF-")
    return pdf_text(response.content)


def period_form(client, lang="en", **period):
    page = client.get("/app/hours", params={"lang": lang})
    data = {"csrf_token": csrf(page.text)} | period
    return client.post(DOWNLOAD, data=data, follow_redirects=False)


# -- the one-tap download ------------------------------------------------------------------


def test_download_certificate_gives_the_pdf_of_all_hours_at_once(
    client, session, world, service_record
):
    as_caller(client, world, "volunteer")
    page = client.get("/app/hours", params={"lang": "en"})
    assert f'<a class="button primary" href="{DOWNLOAD}">Download certificate</a>' in page.text

    response = client.get(DOWNLOAD)

    text = assert_pdf(response)
    code = filename_code(response)
    assert "Wang Li" in text
    assert "8" in re.findall(r"累计时长 Total hours\s*(\S+)", text)
    assert certificate_service.grouped(code) in text
    assert "2026-12-01" in text and "2026-12-02" in text
    [stored] = certificates_of(session, world["volunteer"].volunteer_id)
    assert stored.code == code and stored.hours == 8.0
    assert (stored.from_date.isoformat(), stored.to_date.isoformat()) == (
        "2026-12-01",
        "2026-12-02",
    )
    # The verify page confirms what the PDF says.
    assert client.get(f"/verify/{code}", headers={"Accept": "application/json"}).json()["valid"]


def test_a_second_tap_gives_the_same_certificate_until_the_hours_change(
    client, session, world, clock, service_record
):
    as_caller(client, world, "volunteer")
    first = filename_code(client.get(DOWNLOAD))
    again = client.get(DOWNLOAD)
    assert filename_code(again) == first
    assert count(session) == 1

    # A correction changes the hours: the next tap certifies them under a new code.
    ok(
        correct(
            client, world, service_record["yesterday"].id, local(9, days=-1), local(11, days=-1)
        )
    )
    changed = client.get(DOWNLOAD)
    assert filename_code(changed) != first
    assert "8.5" in assert_pdf(changed)
    # Once revoked, a certificate is never handed out again.
    latest = filename_code(changed)
    ok(client.post(f"/api/v1/certificates/{latest}/revoke", headers=world["coordinator"].headers))
    fresh = filename_code(client.get(DOWNLOAD))
    assert fresh not in (first, latest)
    assert count(session) == 3


def test_a_volunteer_without_verified_hours_sees_why_instead_of_the_link(client, session, world):
    as_caller(client, world, "volunteer")
    page = client.get("/app/hours", params={"lang": "en"})
    assert "A service certificate needs verified hours; you have none yet." in page.text
    assert "Download certificate" not in page.text
    assert "Certificate for another period" not in page.text
    chinese = client.get("/app/hours", params={"lang": "zh"})
    assert "开具志愿服务证明需要经核实的服务时长，您目前还没有。" in chinese.text

    # Typed by hand anyway: said on the page, nothing issued.
    tapped = client.get(DOWNLOAD, params={"lang": "en"})
    assert tapped.status_code == 409
    assert "There are no verified hours in this period to certify." in tapped.text
    assert count(session) == 0


def test_a_volunteer_without_a_district_is_told_to_choose_one(
    client, session, world, service_record
):
    volunteer = session.get(Volunteer, world["volunteer"].volunteer_id)
    volunteer.district_id = None
    session.commit()
    as_caller(client, world, "volunteer")
    page = client.get("/app/hours", params={"lang": "en"})
    assert "choose your district under Availability first" in page.text
    assert "Download certificate" not in page.text
    tapped = client.get(DOWNLOAD, params={"lang": "zh"})
    assert tapped.status_code == 409 and "请先在“可服务时间”页面选择您的辖区" in tapped.text
    assert count(session) == 0


def test_without_a_chinese_font_the_page_says_so_and_issues_nothing(
    client, session, world, service_record, monkeypatch, tmp_path
):
    as_caller(client, world, "volunteer")
    code = filename_code(client.get(DOWNLOAD))
    monkeypatch.setattr(get_settings(), "certificate_font", str(tmp_path / "missing.ttc"))
    ok(
        correct(
            client, world, service_record["yesterday"].id, local(9, days=-1), local(11, days=-1)
        )
    )

    tapped = client.get(DOWNLOAD, params={"lang": "en"})
    assert tapped.status_code == 503
    assert tapped.headers["content-type"].startswith("text/html")
    assert "the server has no Chinese font installed" in tapped.text
    assert count(session) == 1  # the changed hours were not certified unprinted
    again = client.get(f"/app/hours/certificates/{code}.pdf", params={"lang": "zh"})
    assert again.status_code == 503 and "服务器未安装中文字体" in again.text
    chosen = period_form(client, **{"from": "2026-12-02", "to": "2026-12-02"})
    assert chosen.status_code == 503 and count(session) == 1


# -- another period ------------------------------------------------------------------------


def test_another_period_is_issued_and_listed_with_its_pdf_and_verify_links(
    client, session, world, service_record
):
    as_caller(client, world, "volunteer")
    page = client.get("/app/hours", params={"lang": "en"})
    assert 'id="period-from" name="from"' in page.text and 'max="2026-12-02"' in page.text

    response = period_form(client, **{"from": "2026-12-02", "to": "2026-12-02"})

    assert response.status_code == 303, response.text
    [stored] = certificates_of(session, world["volunteer"].volunteer_id)
    assert stored.hours == 6.5
    assert (
        response.headers["location"] == f"/app/hours?done=issued&issued={stored.code}#certificates"
    )
    listed = client.get(response.headers["location"].split("#")[0] + "&lang=en")
    printed = certificate_service.grouped(stored.code)
    assert "Your certificate is ready. Download it below." in listed.text
    assert "2026-12-02 – 2026-12-02 · 6.5 h" in listed.text
    assert f'<span class="code">{printed}</span>' in listed.text
    assert (
        f'<a href="/app/hours/certificates/{stored.code}.pdf">PDF of {printed}</a>' in listed.text
    )
    assert f'<a href="/verify/{stored.code}">Check {printed}</a>' in listed.text
    text = assert_pdf(client.get(f"/app/hours/certificates/{stored.code}.pdf"))
    assert "6.5" in text and printed in text
    # The same period again: the same certificate, not a second code.
    assert period_form(client, **{"from": "2026-12-02", "to": "2026-12-02"}).status_code == 303
    assert count(session) == 1
    # Empty days are the usual period.
    assert period_form(client, **{"from": "", "to": ""}).status_code == 303
    assert [c.hours for c in certificates_of(session, world["volunteer"].volunteer_id)] == [
        6.5,
        8.0,
    ]


@pytest.mark.parametrize(
    ("period", "field", "english", "chinese"),
    [
        ({"to": "2026-12-03"}, "to", "This lies in the future.", "该时间晚于当前时间。"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "to",
         "The last day may not come before the first.", None),
        ({"from": "2021-12-01"}, "from", "A certificate covers at most five years", "最长涵盖五年"),
        ({"from": "1960-01-01"}, "from", "Enter a date between the years 1970 and 2999.", None),
        ({"from": "yesterday"}, "from", "Enter a date, e.g. 2026-02-01.", "请输入日期"),
        ({"to": "2026-02-30"}, "to", "Enter a date, e.g. 2026-02-01.", None),
    ],
)  # fmt: skip
def test_a_bad_period_is_named_next_to_the_field_and_issues_nothing(
    client, session, world, service_record, period, field, english, chinese
):
    as_caller(client, world, "volunteer")

    response = period_form(client, "en", **period)

    assert response.status_code == 422
    assert f'<p class="field-error" id="period-{field}-error">{english}' in response.text
    assert re.search(rf'id="period-{field}"[^>]*aria-invalid="true"', response.text)
    for name, typed in period.items():
        assert f'name="{name}" value="{typed}"' in response.text  # kept as typed
    assert count(session) == 0
    if chinese:
        assert chinese in period_form(client, "zh", **period).text


def test_a_period_without_hours_is_said_on_the_page(client, session, world, service_record):
    as_caller(client, world, "volunteer")
    response = period_form(client, "zh", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 409
    assert "此期间没有可证明的经核实服务时长。" in response.text
    assert 'value="2026-11-01"' in response.text
    assert count(session) == 0


def test_the_period_form_needs_its_token(client, session, world, service_record):
    as_caller(client, world, "volunteer")
    for data in ({}, {"csrf_token": "forged"}):
        refused = client.post(DOWNLOAD, data=data | {"from": "2026-12-02"}, follow_redirects=False)
        assert refused.status_code == 403
    assert count(session) == 0


# -- the list and the PDFs -----------------------------------------------------------------


def test_my_list_shows_revoked_ones_without_their_pdf(
    client, session, world, clock, service_record
):
    as_caller(client, world, "volunteer")
    code = filename_code(client.get(DOWNLOAD))
    clock.set(19)
    ok(client.post(f"/api/v1/certificates/{code}/revoke", headers=world["coordinator"].headers))
    page = client.get("/app/hours", params={"lang": "en"})
    assert "Revoked on 2026-12-02: no longer valid." in page.text
    assert f"/app/hours/certificates/{code}.pdf" not in page.text
    assert f'<a href="/verify/{code}">' in page.text
    assert (
        "已于 2026-12-02 撤销，不再有效。" in client.get("/app/hours", params={"lang": "zh"}).text
    )
    refused = client.get(f"/app/hours/certificates/{code}.pdf", params={"lang": "en"})
    assert refused.status_code == 409
    assert "This certificate was revoked; it can no longer be downloaded." in refused.text


def test_my_certificates_stay_mine(client, session, world, service_record):
    as_caller(client, world, "volunteer")
    code = filename_code(client.get(DOWNLOAD))
    pdf_path = f"/app/hours/certificates/{code}.pdf"

    as_caller(client, world, "other_volunteer")
    assert client.get(pdf_path).status_code == 404
    page = client.get("/app/hours", params={"lang": "en"})
    assert code not in page.text and certificate_service.grouped(code) not in page.text
    theirs = client.get(DOWNLOAD)  # 张小明's own: 3 h at station A
    assert "张小明" in assert_pdf(theirs) and "Wang Li" not in pdf_text(theirs.content)
    assert filename_code(theirs) != code
    for path in ("/app/hours/certificates/ABCDEFGHJKMN.pdf", "/app/hours/certificates/nope.pdf"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "kiosk"])
def test_strangers_and_kiosks_are_sent_to_sign_in(client, session, world, service_record, role):
    as_caller(client, world, "volunteer")
    code = filename_code(client.get(DOWNLOAD))
    as_caller(client, world, role)
    headers = new_kiosk(client, world)[1] if role == "kiosk" else {}
    for path in (DOWNLOAD, f"/app/hours/certificates/{code}.pdf"):
        response = client.get(path, headers=headers, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith(f"{LOGIN}?next=")
    posted = client.post(DOWNLOAD, headers=headers, data={}, follow_redirects=False)
    assert posted.status_code in (303, 403)
    assert count(session) == 1


@pytest.mark.parametrize("role", ["coordinator", "other_coordinator", "admin"])
def test_console_accounts_get_no_certificate_in_the_app(
    client, session, world, service_record, role
):
    as_caller(client, world, "volunteer")
    code = filename_code(client.get(DOWNLOAD))
    as_caller(client, world, role)
    for path in (DOWNLOAD, f"/app/hours/certificates/{code}.pdf"):
        response = client.get(path, params={"lang": "en"}, follow_redirects=False)
        assert response.status_code == 403
        assert "coordinators use the console" in response.text
    assert count(session) == 1


# -- the console: a coordinator revokes ----------------------------------------------------


def profile(world) -> str:
    return f"/console/volunteers/{world['volunteer'].volunteer_id}"


def revoke(client, world, code: str, reason: str = "", token: str | None = None, lang="en"):
    page = client.get(profile(world), params={"lang": lang})
    data = {"csrf_token": token if token is not None else csrf(page.text), "reason": reason}
    return client.post(f"{profile(world)}/certificates/{code}/revoke?lang={lang}", data=data,
                       follow_redirects=False)  # fmt: skip


def issued(client, world) -> str:
    as_caller(client, world, "volunteer")
    return filename_code(client.get(DOWNLOAD))


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_the_volunteer_page_lists_certificates_and_revokes_one_with_a_reason(
    client, session, world, clock, service_record, role
):
    code = issued(client, world)
    printed = certificate_service.grouped(code)
    as_caller(client, world, role)
    page = client.get(profile(world), params={"lang": "en"})
    assert page.status_code == 200
    assert '<h2 id="certificates-title">Certificates</h2>' in page.text
    assert (
        f'<a class="code" href="/verify/{code}" aria-label="Check {printed}">{printed}</a>'
        in page.text
    )
    assert "2026-12-01 – 2026-12-02" in page.text and ">8 h<" in page.text
    assert f'aria-label="Revoke certificate {printed}">Revoke certificate</button>' in page.text
    clock.set(19)

    response = revoke(client, world, code, "  hours entered for the wrong person ")

    assert response.status_code == 303
    assert response.headers["location"] == f"{profile(world)}?revoked={code}#certificates"
    [stored] = certificates_of(session, world["volunteer"].volunteer_id)
    assert stored.revoked_at is not None and stored.revoked_by == world[role].account.id
    assert stored.revoke_reason == "hours entered for the wrong person"
    after = client.get(response.headers["location"].split("#")[0] + "&lang=en")
    assert (
        f"Certificate {printed} was revoked; its verify page now says it is not valid."
        in after.text
    )
    assert "Revoked on 2026-12-02: no longer valid." in after.text
    assert "Reason: hours entered for the wrong person" in after.text
    assert "Revoke certificate" not in after.text
    verify = client.get(f"/verify/{code}", headers={"Accept": "application/json"}).json()
    assert verify["valid"] is False and verify["revoked"] is True
    chinese = client.get(profile(world), params={"lang": "zh"})
    assert "服务证明" in chinese.text and "已于 2026-12-02 撤销，不再有效。" in chinese.text


def test_a_revocation_without_a_reason_and_twice(client, session, world, service_record):
    code = issued(client, world)
    as_caller(client, world, "coordinator")
    assert revoke(client, world, code).status_code == 303
    [stored] = certificates_of(session, world["volunteer"].volunteer_id)
    assert stored.revoke_reason is None and stored.revoked_at is not None
    revoked_at = stored.revoked_at

    again = revoke(client, world, code, "again")

    assert again.status_code == 409
    assert "This certificate was revoked already." in again.text
    [stored] = certificates_of(session, world["volunteer"].volunteer_id)
    assert stored.revoked_at == revoked_at and stored.revoke_reason is None


def test_a_too_long_reason_is_named_next_to_the_field_and_revokes_nothing(
    client, session, world, service_record
):
    code = issued(client, world)
    as_caller(client, world, "coordinator")

    response = revoke(client, world, code, "x" * 501, lang="zh")

    assert response.status_code == 422
    assert (
        f'<p class="error" id="reason-{code}-error">原因最多 500 个字符，也可以留空。'
        in response.text
    )
    assert re.search(
        rf'id="reason-{code}"[^>]*value="x{{501}}"[^>]*aria-invalid="true"', response.text
    )
    [stored] = certificates_of(session, world["volunteer"].volunteer_id)
    assert stored.revoked_at is None


def test_revoking_needs_the_forms_token(client, session, world, service_record):
    code = issued(client, world)
    as_caller(client, world, "coordinator")
    for token in ("", "forged"):
        assert revoke(client, world, code, "no token", token=token).status_code == 403
    [stored] = certificates_of(session, world["volunteer"].volunteer_id)
    assert stored.revoked_at is None


def test_another_districts_coordinator_neither_sees_nor_revokes(
    client, session, world, service_record
):
    code = issued(client, world)
    as_caller(client, world, "other_coordinator")
    page = client.get(profile(world), params={"lang": "en"})
    assert page.status_code == 404 and code not in page.text
    # A form token of their own console, posted to the other district's volunteer.
    token = csrf(client.get("/console/volunteers").text)
    response = client.post(
        f"{profile(world)}/certificates/{code}/revoke",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 404
    [stored] = certificates_of(session, world["volunteer"].volunteer_id)
    assert stored.revoked_at is None


def test_a_certificate_is_revoked_only_through_its_holders_page(
    client, session, world, service_record
):
    code = issued(client, world)
    as_caller(client, world, "coordinator")
    other = f"/console/volunteers/{world['other_volunteer'].volunteer_id}"
    page = client.get(other, params={"lang": "en"})
    assert code not in page.text and "No certificate issued by your districts." in page.text
    response = client.post(
        f"{other}/certificates/{code}/revoke",
        data={"csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert certificates_of(session, world["volunteer"].volunteer_id)[0].revoked_at is None


@pytest.mark.parametrize("role", ["anonymous", "volunteer", "other_volunteer"])
def test_volunteers_and_strangers_cannot_revoke_in_the_console(
    client, session, world, service_record, role
):
    code = issued(client, world)
    as_caller(client, world, role)
    page = client.get(profile(world), follow_redirects=False)
    assert page.status_code in (303, 403)
    if page.status_code == 303:
        assert page.headers["location"].startswith("/console/login")
    response = client.post(f"{profile(world)}/certificates/{code}/revoke", data={"reason": "x"},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code in (303, 403)
    assert certificates_of(session, world["volunteer"].volunteer_id)[0].revoked_at is None
    assert_problem(
        client.post(f"/api/v1/certificates/{code}/revoke", headers=world[role].headers),
        401 if role == "anonymous" else 403,
    )
