"""Issuing, listing, revoking and checking service certificates.

A certificate counts verified hours only (kiosk check-ins and coordinators'
corrections, through app.hours.service), never the plan. Its hours are computed at
issue and stored with it: a later correction changes the record, not a certificate
already in someone's hands (a coordinator revokes it and the volunteer asks anew).
"""

import secrets
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.certificates import pdf
from app.certificates.models import Certificate
from app.certificates.pdf import CertificateContent
from app.certificates.schemas import (
    CertificateAdminRead,
    CertificateRead,
    CertificateRequest,
    StationHours,
    VerifyRead,
)
from app.db import utcnow
from app.deps import API_PREFIX
from app.districts import service as district_service
from app.districts.models import District
from app.errors import Conflict, InvalidInput, NotFound
from app.hours import service as hours_service
from app.kiosks.masking import mask_name
from app.pagination import Page, PageParams, paginate
from app.settings import get_settings, public_url
from app.types import FIRST_YEAR, LAST_YEAR
from app.volunteers.models import Volunteer

# Crockford's base32: digits and capitals without I, L, O and U, so that a code read
# aloud or typed from paper has no look-alikes. 12 characters are 60 random bits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
# What people type for the letters left out.
_READ_AS = str.maketrans("OIL", "011")
MAX_PERIOD_YEARS = 5


# -- codes -------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str | None:
    """The code as stored, from what a person typed ("abcd-efgh-jkmn", O for 0, spaces
    and dashes anywhere); None when it cannot be a code."""
    if len(typed) > 3 * CODE_LENGTH:
        return None
    code = "".join(typed.split()).replace("-", "").upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    """ "ABCD2345WXYZ" -> "ABCD-2345-WXYZ", as printed for people to read."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verify_url(code: str) -> str:
    return f"{public_url(get_settings())}/verify/{code}"


def pdf_path(code: str) -> str:
    return f"{API_PREFIX}/volunteers/me/certificates/{code}.pdf"


# -- issuing -----------------------------------------------------------------------


def local_today() -> date:
    """Today in the service's home timezone: the last day a certificate may cover."""
    return local_date(utcnow())


def issue(
    session: Session, volunteer: Volunteer, data: CertificateRequest, *, reuse: bool = False
) -> Certificate:
    """Certifies the volunteer's verified hours of `from`..`to` (station dates, both
    inclusive). Default `to`: today; default `from`: the day of the first verified
    duty (or of registration, when there is none). 409 `no_verified_hours` when the
    period holds none, 409 `no_district` when the volunteer belongs to no district
    (a certificate is issued by one).

    With `reuse`, the volunteer's latest valid certificate is given back when it
    certifies the very same (same period, district, hours per station): the app's
    one-tap download would otherwise mint a new code on every tap and reload. The
    API's POST always issues anew, as its 201 says."""
    if volunteer.district_id is None:
        raise Conflict(
            "Choose your district first: a certificate is issued by your district.",
            reason="no_district",
        )
    today = local_today()
    to_date = data.to_date or today
    from_date = data.from_date
    if from_date is None:
        first = hours_service.first_service_date(session, volunteer.id)
        from_date = min(first or local_date(volunteer.created_at), to_date)
    _check_period(from_date, to_date, today)
    stations = hours_service.station_hours_of(session, volunteer.id, from_date, to_date)
    hours = round(sum(row.total_hours for row in stations), 2)
    if hours <= 0:
        raise Conflict(
            f"No verified service hours from {from_date} to {to_date}: hours come from "
            "check-in and check-out at a station's kiosk, or a coordinator's correction.",
            reason="no_verified_hours",
        )
    station_hours = [
        StationHours(
            station_id=row.station_id,
            code=row.code,
            name=row.name,
            hours=row.total_hours,
            duties=row.duties,
        ).model_dump()
        for row in stations
    ]
    if reuse:
        latest = session.scalar(
            select(Certificate)
            .where(
                Certificate.volunteer_id == volunteer.id,
                Certificate.revoked_at.is_(None),
                Certificate.from_date == from_date,
                Certificate.to_date == to_date,
            )
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
            .limit(1)
        )
        if (
            latest is not None
            and latest.district_id == volunteer.district_id
            and latest.hours == hours
            and latest.station_hours == station_hours
        ):
            return latest
    certificate = Certificate(
        code=_unused_code(session),
        volunteer_id=volunteer.id,
        district_id=volunteer.district_id,
        from_date=from_date,
        to_date=to_date,
        hours=hours,
        station_hours=station_hours,
        masked_name=mask_name(volunteer.name),
        issued_at=utcnow(),
    )
    session.add(certificate)
    session.flush()
    return certificate


def _check_period(from_date: date, to_date: date, today: date) -> None:
    """422 naming the field; each error's `type` says which rule, so that a page can
    say it in its reader's language."""
    errors = []
    for field, value in (("from", from_date), ("to", to_date)):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            errors.append(
                {
                    "loc": ["body", field],
                    "msg": f"must lie between {FIRST_YEAR} and {LAST_YEAR}",
                    "type": "out_of_range",
                }
            )
    if errors:
        raise InvalidInput(errors)
    if to_date > today:
        errors.append(
            {
                "loc": ["body", "to"],
                "msg": f"lies in the future (today is {today})",
                "type": "future",
            }
        )
    if from_date > to_date:
        errors.append({"loc": ["body", "from"], "msg": "must not lie after to", "type": "reversed"})
    elif from_date < _years_before(to_date, MAX_PERIOD_YEARS):
        errors.append(
            {
                "loc": ["body", "from"],
                "msg": f"a period spans at most {MAX_PERIOD_YEARS} years",
                "type": "too_long",
            }
        )
    if errors:
        raise InvalidInput(errors)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _unused_code(session: Session) -> str:
    # 60 random bits: a collision is all but impossible, but cheap to rule out.
    while True:
        code = new_code()
        if not session.scalar(select(exists().where(Certificate.code == code))):
            return code


# -- reading -----------------------------------------------------------------------


def read(
    session: Session, certificate: Certificate, district_names: dict[int, str] | None = None
) -> CertificateRead:
    return CertificateRead(**_fields(session, certificate, district_names))


def admin_read(
    session: Session,
    certificate: Certificate,
    district_names: dict[int, str] | None = None,
    volunteer_names: dict[int, str] | None = None,
) -> CertificateAdminRead:
    """`district_names` and `volunteer_names` (by id), when a list has read them at once."""
    if volunteer_names is None:
        volunteer_names = _volunteer_names(session, [certificate])
    return CertificateAdminRead(
        **_fields(session, certificate, district_names),
        volunteer_id=certificate.volunteer_id,
        volunteer_name=volunteer_names.get(certificate.volunteer_id, ""),
        revoked_by=certificate.revoked_by,
        revoke_reason=certificate.revoke_reason,
    )


def _fields(
    session: Session, certificate: Certificate, district_names: dict[int, str] | None
) -> dict:
    if district_names is None:
        district_names = _district_names(session, [certificate])
    return {
        "code": certificate.code,
        "url": verify_url(certificate.code),
        "pdf_url": pdf_path(certificate.code),
        "from_date": certificate.from_date,
        "to_date": certificate.to_date,
        "hours": certificate.hours,
        "stations": [StationHours(**row) for row in certificate.station_hours],
        "district_id": certificate.district_id,
        "district_name": district_names.get(certificate.district_id, ""),
        "issued_at": certificate.issued_at,
        "revoked": certificate.revoked_at is not None,
        "revoked_at": certificate.revoked_at,
    }


def _district_names(session: Session, certificates: Sequence[Certificate]) -> dict[int, str]:
    """The names of the certificates' districts, by id: one query for a whole list."""
    ids = {c.district_id for c in certificates}
    if not ids:
        return {}
    rows = session.execute(select(District.id, District.name).where(District.id.in_(ids)))
    return {district_id: name for district_id, name in rows}


def _volunteer_names(session: Session, certificates: Sequence[Certificate]) -> dict[int, str]:
    ids = {c.volunteer_id for c in certificates}
    if not ids:
        return {}
    rows = session.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(ids)))
    return {volunteer_id: name for volunteer_id, name in rows}


def district_name(session: Session, certificate: Certificate) -> str:
    district = session.get(District, certificate.district_id)
    return district.name if district else ""


def list_mine(session: Session, volunteer: Volunteer, params: PageParams) -> Page[CertificateRead]:
    page = paginate(
        session,
        select(Certificate)
        .where(Certificate.volunteer_id == volunteer.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc()),
        params,
    )
    names = _district_names(session, page.items)
    return Page(items=[read(session, c, names) for c in page.items], total=page.total)


def mine(session: Session, volunteer: Volunteer, code: str) -> Certificate:
    """The volunteer's own certificate; 404 for anyone else's, as for none."""
    certificate = find(session, code)
    if certificate is None or certificate.volunteer_id != volunteer.id:
        raise NotFound(f"Certificate {code} not found.")
    return certificate


def printable(session: Session, volunteer: Volunteer, code: str) -> CertificateContent:
    """What the PDF of one of the volunteer's certificates prints; 409 `revoked` once
    revoked (a PDF would then claim what the verify page denies)."""
    certificate = mine(session, volunteer, code)
    if certificate.revoked_at is not None:
        raise Conflict(
            f"Certificate {certificate.code} was revoked; ask for a new one.", reason="revoked"
        )
    return CertificateContent(
        code=certificate.code,
        printed_code=grouped(certificate.code),
        holder_name=volunteer.name,
        from_date=certificate.from_date,
        to_date=certificate.to_date,
        hours=certificate.hours,
        stations=certificate.station_hours,
        district_name=district_name(session, certificate),
        issued_on=local_date(certificate.issued_at),
        verify_url=verify_url(certificate.code),
    )


def certificate_pdf(session: Session, volunteer: Volunteer, code: str) -> bytes:
    """The PDF of one of the volunteer's certificates (the API's and the app's); 503
    (pdf.FontMissing) when no Chinese font is installed."""
    content = printable(session, volunteer, code)
    return pdf.render(content, pdf.require_font(get_settings().certificate_font))


def find(session: Session, code: str, *, for_update: bool = False) -> Certificate | None:
    normalized = normalize_code(code)
    if normalized is None:
        return None
    query = select(Certificate).where(Certificate.code == normalized)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def list_in_scope(
    session: Session,
    account: Account,
    params: PageParams,
    *,
    district_id: int | None,
    volunteer_id: int | None = None,
) -> Page[CertificateAdminRead]:
    """Certificates issued by the coordinator's districts (one of them with
    `district_id`; one volunteer's with `volunteer_id`), newest first."""
    query = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if volunteer_id is not None:
        query = query.where(Certificate.volunteer_id == volunteer_id)
    if district_id is not None:
        district_service.get_district_in_scope(session, account, district_id)
        query = query.where(Certificate.district_id == district_id)
    else:
        scope = district_service.visible_district_ids(account)
        if scope is not None:
            query = query.where(Certificate.district_id.in_(scope))
    page = paginate(session, query, params)
    districts = _district_names(session, page.items)
    volunteers = _volunteer_names(session, page.items)
    return Page(
        items=[admin_read(session, c, districts, volunteers) for c in page.items],
        total=page.total,
    )


# -- revoking and checking ---------------------------------------------------------


def revoke(session: Session, account: Account, code: str, reason: str | None) -> Certificate:
    """A coordinator of the issuing district (or an admin) withdraws a certificate; the
    verify page then says it is not valid, and when it was revoked."""
    certificate = find(session, code, for_update=True)
    if certificate is None or not district_service.in_scope(account, certificate.district_id):
        raise NotFound(f"Certificate {code} not found.")
    if certificate.revoked_at is not None:
        raise Conflict(
            f"Certificate {certificate.code} was revoked already.", reason="already_revoked"
        )
    certificate.revoked_at = utcnow()
    certificate.revoked_by = account.id
    certificate.revoke_reason = reason or None
    session.flush()
    return certificate


def verification(session: Session, code: str) -> VerifyRead | None:
    """What /verify/{code} confirms; None when no certificate has this code."""
    certificate = find(session, code)
    if certificate is None:
        return None
    return VerifyRead(
        valid=certificate.revoked_at is None,
        code=certificate.code,
        name=certificate.masked_name,
        from_date=certificate.from_date,
        to_date=certificate.to_date,
        hours=certificate.hours,
        district=district_name(session, certificate),
        issued_at=certificate.issued_at,
        revoked=certificate.revoked_at is not None,
        revoked_at=certificate.revoked_at,
    )


def local_date(instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(get_settings().default_timezone)).date()
