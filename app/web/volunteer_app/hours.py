"""My service record: verified hours (kiosk check-ins and coordinators' corrections,
never the plan) by month and station, from hours_service.my_hours like the API's
GET /volunteers/me/hours."""

from collections import defaultdict
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from sqlalchemy import select

from app.deps import SessionDep
from app.hours import service as hours_service
from app.stations.models import Station
from app.web import i18n
from app.web.pages import render
from app.web.volunteer_app.common import AppPageRoute, AppVolunteer, local_time, volunteer_of

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)


def hours_text(hours: float, language: str) -> str:
    return format_decimal(hours, format="#,##0.##", locale="zh_CN" if language == "zh" else "en")


@router.get("/hours")
def my_hours(request: Request, session: SessionDep, account: AppVolunteer):
    language = i18n.language(request)
    record = hours_service.my_hours(session, volunteer_of(session, account))
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
    context = {
        "account": account,
        "total": hours_text(record.total_hours, language),
        "months": months,
    }
    return render(request, "app/hours.html", context)
