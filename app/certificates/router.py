from typing import Any

from fastapi import APIRouter, Response, status

from app.certificates import service
from app.certificates.schemas import (
    CertificateAdminRead,
    CertificateRead,
    CertificateRequest,
    RevokeRequest,
)
from app.deps import API_PREFIX, CoordinatorAccount, SessionDep, VolunteerAccount
from app.pagination import PageDep, PageRead
from app.types import Id
from app.volunteers import service as volunteer_service

router = APIRouter(prefix=API_PREFIX, tags=["certificates"])

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The certificate, A4"},
    503: {"description": "No Chinese font is installed to print it"},
}


@router.post(
    "/volunteers/me/certificates",
    response_model=CertificateRead,
    status_code=status.HTTP_201_CREATED,
)
def issue_certificate(
    session: SessionDep, account: VolunteerAccount, body: CertificateRequest | None = None
):
    """Certifies my verified hours of `from`..`to` (both optional: from my first verified
    duty to today). 409 `no_verified_hours` when the period holds none; 422 when the
    period is reversed, in the future or longer than five years."""
    volunteer = volunteer_service.volunteer_of(session, account)
    certificate = service.issue(session, volunteer, body or CertificateRequest())
    return service.read(session, certificate)


@router.get("/volunteers/me/certificates", response_model=PageRead[CertificateRead])
def list_my_certificates(session: SessionDep, account: VolunteerAccount, page: PageDep):
    """My certificates, newest first."""
    return service.list_mine(session, volunteer_service.volunteer_of(session, account), page)


@router.get(
    "/volunteers/me/certificates/{code}.pdf", response_class=Response, responses=PDF_RESPONSE
)
def my_certificate_pdf(session: SessionDep, account: VolunteerAccount, code: str):
    """One of my certificates as a PDF; 409 `revoked` once a coordinator revoked it."""
    volunteer = volunteer_service.volunteer_of(session, account)
    document = service.certificate_pdf(session, volunteer, code)
    filename = f"certificate-{service.normalize_code(code)}.pdf"
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/certificates", response_model=PageRead[CertificateAdminRead])
def list_certificates(
    session: SessionDep, account: CoordinatorAccount, page: PageDep, district_id: Id | None = None
):
    """Certificates issued by my districts (or one of them), newest first."""
    return service.list_in_scope(session, account, page, district_id=district_id)


@router.post("/certificates/{code}/revoke", response_model=CertificateAdminRead)
def revoke_certificate(
    session: SessionDep, account: CoordinatorAccount, code: str, body: RevokeRequest | None = None
):
    """Revokes a certificate of my districts, with an optional reason; its verify page
    then says it is not valid. 409 `already_revoked` the second time."""
    reason = body.reason if body else None
    return service.admin_read(session, service.revoke(session, account, code, reason))
