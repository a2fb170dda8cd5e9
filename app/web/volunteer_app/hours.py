"""My service record: verified hours (kiosk check-ins and coordinators' corrections,
never the plan) by month and station, from hours_service.my_hours like the API's
GET /volunteers/me/hours; below them the service certificates
(app.web.volunteer_app.certificates)."""

from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.certificates import service as certificate_service
from app.deps import SessionDep
from app.hours import service as hours_service
from app.pagination import PageParams
from app.stations.models import Station
from app.web import i18n
from app.web.pages import gettext_for, render
from app.web.volunteer_app.common import AppPageRoute, AppVolunteer, local_time, volunteer_of

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)

# The newest certificates listed under the hours; the API lists them all.
CERTIFICATES_SHOWN = 20


def hours_text(hours: float, language: str) -> str:
    return format_decimal(hours, format="#,##0.##", locale="zh_CN" if language == "zh" else "en")


@router.get("/hours")
def my_hours(request: Request, session: SessionDep, account: AppVolunteer):
    return hours_page(request, session, account)


def hours_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    certificate: dict[str, Any] | None = None,
    status: int = 200,
):
    """The page; `certificate` carries what a refused certificate form shows again
    (`values`, `errors` by field, `problem` for the whole)."""
    language = i18n.language(request)
    volunteer = volunteer_of(session, account)
    record = hours_service.my_hours(session, volunteer)
    zones = dict(
        session.execute(
            select(Station.id, Station.timezone).where(
                Station.id.in_({e.station_id for e in record.entries})
            )
        ).all()
    )
    # (month, station) -> hours; a duty counts in the month it began, at its station.
    totals: dict[tuple[str, str], float] = defaultdict(float)
    labels: dict[str, str] = {}
    for entry in record.entries:
        zone = zones[entry.station_id]
        month = entry.starts_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m")
        labels[month] = local_time(entry.starts_at, zone, language, "month")
        totals[month, entry.station_name] += entry.hours
    months = [
        {
            "label": labels[month],
            "total": hours_text(sum(h for (m, _), h in totals.items() if m == month), language),
            "stations": [
                {"name": station, "hours": hours_text(hours, language)}
                for (m, station), hours in sorted(totals.items())
                if m == month
            ],
        }
        for month in sorted(labels, reverse=True)
    ]
    mine = certificate_service.list_mine(
        session, volunteer, PageParams(limit=CERTIFICATES_SHOWN, offset=0)
    )
    _ = gettext_for(request)
    notices = {"issued": _("Your certificate is ready. Download it below.")}
    context = {
        "account": account,
        "total": hours_text(record.total_hours, language),
        "months": months,
        "has_hours": record.total_hours > 0,
        "has_district": volunteer.district_id is not None,
        "today": certificate_service.local_today().isoformat(),
        "certificates": [
            {
                "code": c.code,
                "printed_code": certificate_service.grouped(c.code),
                "from": c.from_date.isoformat(),
                "to": c.to_date.isoformat(),
                "hours": hours_text(c.hours, language),
                "revoked": c.revoked,
                "revoked_on": certificate_service.local_date(c.revoked_at).isoformat()
                if c.revoked_at
                else None,
                "verify_url": f"/verify/{c.code}",
                "pdf_url": f"/app/hours/certificates/{c.code}.pdf",
            }
            for c in mine.items
        ],
        "certificates_total": mine.total,
        "issued": request.query_params.get("issued", "")
        if request.query_params.get("done") == "issued"
        else "",
        "notice": notices.get(request.query_params.get("done", "")),
        "form": {"values": {}, "errors": {}, "problem": None} | (certificate or {}),
    }
    return render(request, "app/hours.html", context, status=status)
