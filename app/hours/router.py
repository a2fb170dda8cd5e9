from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response

from app.deps import API_PREFIX, CoordinatorAccount, SessionDep, VolunteerAccount
from app.hours import service
from app.hours.schemas import HoursCorrectionCreate, HoursEntryRead, HoursReport, MyHours
from app.types import Id
from app.volunteers import service as volunteer_service

router = APIRouter(prefix=API_PREFIX, tags=["hours"])

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or CSV on request"}
}


@router.get("/volunteers/me/hours", response_model=MyHours)
def my_hours(session: SessionDep, account: VolunteerAccount):
    """My verified service hours, one entry per duty checked in and out (or corrected)."""
    return service.my_hours(session, volunteer_service.volunteer_of(session, account))


@router.patch("/hours/{assignment_id}", response_model=HoursEntryRead)
def correct_hours(
    session: SessionDep, account: CoordinatorAccount, assignment_id: Id, body: HoursCorrectionCreate
):
    """Corrects a duty's verified times with a reason; the kiosk's record and every
    earlier value stay beside the correction."""
    return service.correct_hours(session, account, assignment_id, body)


@router.get("/reports/hours", response_model=HoursReport, responses=CSV_RESPONSE)
def hours_report(
    session: SessionDep,
    account: CoordinatorAccount,
    district_id: Id,
    from_date: Annotated[date, Query(alias="from")],
    to_date: Annotated[date, Query(alias="to")],
    detail: Literal["volunteers", "entries"] = "volunteers",
    accept: Annotated[str | None, Header()] = None,
):
    """Verified hours per volunteer (`detail=entries`: per entry) for duties dated
    `from`..`to` inclusive; CSV with `Accept: text/csv`."""
    report = service.hours_report(
        session, account, district_id, from_date, to_date, detail=detail == "entries"
    )
    if accept and "text/csv" in accept:
        return csv_response(report, detail)
    return report


def csv_response(report: HoursReport, detail: str) -> Response:
    """The report as a CSV download (the API's and the console's)."""
    name = f"hours-{report.district_id}-{report.from_date}-{report.to_date}-{detail}.csv"
    return Response(
        service.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
