"""My service certificates (志愿服务证明) in the app, shown on the hours page.

"Download certificate" is one tap: a GET that certifies all verified hours to date and
answers the PDF at once. It gives back the latest certificate when that one says the
same (certificate_service.issue with `reuse`), so a reload or a second tap mints no
new code. A GET that may write is safe here: what it writes is the caller's own
certificate of their own hours, the same each time, so a forged cross-site link could
only hand a volunteer what they may take anyway. A GET runs in a read transaction, so
the issuing is a short writing transaction of its own (app.db.write_now). Another
period is a form (POST, CSRF) that issues and leads back to the list, where its PDF
waits.

Everything comes from app.certificates.service, as for the API; the services speak
English, so each refusal is said here in the page's language.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from app.certificates import pdf
from app.certificates import service as certificate_service
from app.certificates.models import Certificate
from app.certificates.schemas import CertificateRequest
from app.db import write_now
from app.deps import SessionDep
from app.errors import Conflict, InvalidInput
from app.settings import get_settings
from app.types import FIRST_YEAR, LAST_YEAR
from app.volunteers.models import Volunteer
from app.web.pages import gettext_for, redirect
from app.web.volunteer_app.common import AppPageRoute, AppVolunteer, check_csrf, volunteer_of
from app.web.volunteer_app.hours import hours_page

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)

FIELDS = ("from", "to")


def pdf_response(document: bytes, code: str) -> Response:
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{code}.pdf"',
            "Cache-Control": "no-store",
        },
    )


def _refusal(request: Request, refused: Conflict) -> str:
    """A service's 409 in the page's language."""
    _ = gettext_for(request)
    messages = {
        "no_verified_hours": _("There are no verified hours in this period to certify."),
        "no_district": _(
            "A certificate is issued by your district: choose your district under "
            "Availability first."
        ),
        "revoked": _("This certificate was revoked; it can no longer be downloaded."),
    }
    return messages.get(refused.extra.get("reason", ""), _("The certificate could not be issued."))


def _font_missing(request: Request) -> str:
    _ = gettext_for(request)
    return _(
        "Certificates cannot be printed at the moment: the server has no Chinese font "
        "installed. Please tell your coordinator; your hours are safe."
    )


def _field_errors(request: Request, invalid: InvalidInput) -> dict[str, str]:
    """The period's errors (app.certificates.service._check_period) by field."""
    _ = gettext_for(request)
    messages = {
        "future": _("This lies in the future."),
        "reversed": _("The last day may not come before the first."),
        "too_long": _("A certificate covers at most five years; choose a shorter period."),
        "out_of_range": _("Enter a date between the years {first} and {last}.").format(
            first=FIRST_YEAR, last=LAST_YEAR
        ),
    }
    errors: dict[str, str] = {}
    for error in invalid.extra.get("errors", []):
        kind = error.get("type", "")
        # A reversed period is said next to its last day, where the reader looks last.
        field = "to" if kind == "reversed" else str(error["loc"][-1])
        if field in FIELDS and field not in errors:
            errors[field] = messages.get(kind, _("Enter a date, e.g. 2026-02-01."))
    return errors


def _issue(session: Session, volunteer: Volunteer, period: CertificateRequest) -> Certificate:
    # No font, no PDF: refuse before issuing, so that no code is handed out unprinted.
    pdf.require_font(get_settings().certificate_font)
    return certificate_service.issue(session, volunteer, period, reuse=True)


@router.get("/hours/certificate")
def download_certificate(request: Request, session: SessionDep, account: AppVolunteer):
    """All my verified hours to date, as a PDF, at once."""
    volunteer = volunteer_of(session, account)
    try:
        certificate = write_now(
            session, lambda writing: _issue(writing, volunteer, CertificateRequest())
        )
        document = certificate_service.certificate_pdf(session, volunteer, certificate.code)
    except pdf.FontMissing:
        session.rollback()
        problem = _font_missing(request)
        return hours_page(request, session, account, certificate={"problem": problem}, status=503)
    except Conflict as refused:
        session.rollback()
        problem = _refusal(request, refused)
        return hours_page(request, session, account, certificate={"problem": problem}, status=409)
    return pdf_response(document, certificate.code)


@router.post("/hours/certificate")
def issue_for_period(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    from_date: Annotated[str, Form(alias="from", max_length=40)] = "",
    to_date: Annotated[str, Form(alias="to", max_length=40)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    """A certificate of the period chosen (an empty end is the default one: from my
    first verified duty, to today); back to the list, with its PDF link."""
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    values = {"from": from_date.strip(), "to": to_date.strip()}
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for field, typed in values.items():
        try:
            dates[field] = date.fromisoformat(typed) if typed else None
        except ValueError:
            errors[field] = _("Enter a date, e.g. 2026-02-01.")
    problem = None
    status = 422
    if not errors:
        volunteer = volunteer_of(session, account)
        try:
            period = CertificateRequest(from_date=dates["from"], to_date=dates["to"])
            certificate = _issue(session, volunteer, period)
        except InvalidInput as invalid:
            errors = _field_errors(request, invalid)
        except pdf.FontMissing:
            problem, status = _font_missing(request), 503
        except Conflict as refused:
            problem, status = _refusal(request, refused), 409
        else:
            return redirect(f"/app/hours?done=issued&issued={certificate.code}#certificates")
        session.rollback()
    form = {"values": values, "errors": errors, "problem": problem}
    return hours_page(request, session, account, certificate=form, status=status)


@router.get("/hours/certificates/{code}.pdf")
def certificate_pdf(request: Request, session: SessionDep, account: AppVolunteer, code: str):
    """One of my certificates again; another's is as missing as none (404)."""
    volunteer = volunteer_of(session, account)
    try:
        document = certificate_service.certificate_pdf(session, volunteer, code)
    except pdf.FontMissing:
        problem = _font_missing(request)
        return hours_page(request, session, account, certificate={"problem": problem}, status=503)
    except Conflict as refused:
        problem = _refusal(request, refused)
        return hours_page(request, session, account, certificate={"problem": problem}, status=409)
    return pdf_response(document, certificate_service.normalize_code(code) or code)
