from datetime import date
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Header, Query, Response

from app.accounts.models import Role
from app.deps import API_PREFIX, CoordinatorAccount, CurrentAccount, SessionDep, VolunteerAccount
from app.errors import InvalidInput, NotPermitted
from app.hours import groups, service
from app.hours.schemas import (
    GroupHoursReport,
    HoursCorrectionCreate,
    HoursEntryRead,
    HoursReport,
    MyHours,
)
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


@router.get("/reports/hours", response_model=HoursReport | GroupHoursReport, responses=CSV_RESPONSE)
def hours_report(
    session: SessionDep,
    account: CurrentAccount,
    from_date: Annotated[date, Query(alias="from")],
    to_date: Annotated[date, Query(alias="to")],
    district_id: Id | None = None,
    organisation_id: Id | None = None,
    team_id: Id | None = None,
    detail: Literal["volunteers", "entries"] = "volunteers",
    format: Literal["json", "csv"] | None = None,
    accept: Annotated[str | None, Header()] = None,
):
    """Verified hours for duties dated `from`..`to` inclusive, of exactly one of:
    `district_id` (coordinators: per volunteer, or with `detail=entries` per entry, and
    per station), `organisation_id` (its admins, and coordinators for its teams in their
    districts) or `team_id` (its coordinators, organisation admins and leads): those two
    per member of each team, per team and in all. CSV with `Accept: text/csv` or
    `format=csv`."""
    chosen = {
        name: value
        for name, value in (
            ("district_id", district_id),
            ("organisation_id", organisation_id),
            ("team_id", team_id),
        )
        if value is not None
    }
    if len(chosen) != 1:
        raise InvalidInput(
            [
                {
                    "loc": ["query", name],
                    "msg": "give exactly one of district_id, organisation_id and team_id",
                }
                for name in (chosen or ("district_id",))
            ]
        )
    as_csv = format == "csv" or (format is None and accept is not None and "text/csv" in accept)
    if district_id is None:
        if detail == "entries":
            raise InvalidInput(
                [{"loc": ["query", "detail"], "msg": "entries are for a district's report"}]
            )
        group = (
            groups.team_report(session, account, team_id, from_date, to_date)
            if team_id is not None
            else groups.organisation_report(
                session, account, cast(int, organisation_id), from_date, to_date
            )
        )
        if as_csv:
            subject = (
                f"team-{team_id}" if team_id is not None else f"organisation-{organisation_id}"
            )
            return _csv(groups.report_csv(group), f"hours-{subject}-{from_date}-{to_date}.csv")
        return group
    if account.role not in (Role.admin, Role.coordinator):
        raise NotPermitted("Only a coordinator may do this.")
    report = service.hours_report(
        session, account, district_id, from_date, to_date, detail=detail == "entries"
    )
    if as_csv:
        return csv_response(report, detail)
    return report


def csv_response(report: HoursReport, detail: str) -> Response:
    """The report as a CSV download (the API's and the console's)."""
    name = f"hours-{report.district_id}-{report.from_date}-{report.to_date}-{detail}.csv"
    return _csv(service.report_csv(report), name)


def _csv(content: str, name: str) -> Response:
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
