"""The console's rosters: request a week's roster, follow its solve, read the grid of
stations x days, see why a seat stays open and who could fill it, edit by hand,
publish, repair, export.

URLs and the English names of the main controls are fixed in shared/UI.md. Every
action goes through app/rosters/service, as the API does.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.cover import service as cover_service
from app.deps import SessionDep
from app.districts import service as district_service
from app.duties.service import WITHDREW_REASON
from app.errors import Conflict
from app.rosters import history, recruitment
from app.rosters import service as roster_service
from app.rosters.models import ACTIVE_JOB_STATUSES, LIVE_STATUSES, Assignment, Roster, RosterStatus
from app.rosters.schemas import HistoryItemRead, ManualAssignment, RosterRequest
from app.rosters.service import REMOVED_REASON
from app.rosters.store import REPAIR_REASON
from app.settings import get_settings
from app.shifts.models import Shift
from app.shifts.service import SHIFT_CANCELLED
from app.stations.models import Station
from app.types import week_monday
from app.volunteers.models import Volunteer, VolunteerStatus
from app.web import i18n
from app.web.console import ConsoleAccount, check_csrf, iso_week, visible_districts, week_choices
from app.web.i18n import N_
from app.web.pages import PageRoute, gettext_for, redirect, render
from app.web.solver_reasons import say_reason

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)


# The hard rules by the name the validator gives them, as a coordinator reads them.
RULE_NAMES = {
    "forbidden": N_("excluded from this shift"),
    "availability": N_("not available then"),
    "skills": N_("lacks a required skill"),
    "shift_kind": N_("may not work this kind of shift"),
    "travel_limit": N_("too far away"),
    "no_overlap": N_("already on an overlapping shift"),
    "minimum_rest": N_("would not get the minimum rest"),
    "shifts_per_day": N_("at the limit of shifts per day"),
    "weekly_hours": N_("at the weekly hour limit"),
    "weekly_shifts": N_("at the weekly shift limit"),
    "total_minutes": N_("at the total-hours limit"),
    "succession": N_("a forbidden shift succession"),
    "consecutive_days": N_("too many days in a row"),
    "consecutive_days_off": N_("too few days off in a row"),
    "weekends": N_("at the weekend limit"),
    "max_headcount": N_("the shift is full"),
}


# The roster's history: what each change was, and the reasons the service itself writes
# (a volunteer's or coordinator's own words are shown as typed).
CHANGE_NAMES = {
    "signup": N_("Signed up"),
    "added": N_("Added by a coordinator"),
    "repair": N_("Added by a repair"),
    "swap": N_("Took the duty over from {name}"),
}
CANCELLED_BY = {
    "volunteer": N_("Cancelled by the volunteer"),
    "coordinator": N_("Taken off by a coordinator"),
    "admin": N_("Taken off by an administrator"),
    None: N_("Cancelled by the service"),
}
SERVICE_REASONS = {
    REMOVED_REASON: N_("removed by a coordinator"),
    REPAIR_REASON: N_("repair: the volunteer can no longer take this shift"),
    SHIFT_CANCELLED: N_("shift cancelled"),
    WITHDREW_REASON: N_("the volunteer withdrew"),
}


# -- the list and the request form ----------------------------------------------------------


def _today() -> date:
    return datetime.now(ZoneInfo(get_settings().default_timezone)).date()


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(get_settings().default_timezone)).strftime("%Y-%m-%d %H:%M")


def _list_page(
    request: Request,
    session: Session,
    account: Account,
    district: int | None,
    week: str | None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    districts = visible_districts(session, account)
    weeks = week_choices(_today())
    context: dict[str, Any] = {"account": account, "districts": districts, "weeks": weeks}
    if not districts:
        return render(request, "console/rosters/index.html", context, status)
    chosen = (
        district_service.get_district_in_scope(session, account, district)
        if district is not None
        else districts[0]
    )
    if week not in weeks:
        week = iso_week(_today())
    roster_service.refresh_jobs(session)
    rosters = [
        {
            "roster": r,
            "stats": roster_service.stats(session, r),
            "created": _local(r.created_at),
        }
        for r in roster_service.list_rosters(session, account, chosen.id, week)
    ]
    context |= {
        "district": chosen,
        "week": week,
        "rosters": rosters,
        "form": form or {"time_limit": f"{get_settings().solver_time_limit_seconds:g}"},
    }
    return render(request, "console/rosters/index.html", context, status)


@router.get("/rosters")
def rosters_page(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    district: int | None = None,
    week: str | None = None,
):
    return _list_page(request, session, account, district, week)


@router.post("/rosters")
def request_roster(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    district: Annotated[int, Form()],
    week: Annotated[str, Form(max_length=8)],
    time_limit: Annotated[str, Form(max_length=20)] = "",
    action: Annotated[str, Form(max_length=20)] = "request",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    if action == "show":
        return redirect(f"/console/rosters?{urlencode({'district': district, 'week': week})}")
    _ = gettext_for(request)
    try:
        seconds = time_limit.strip() or None
        data = RosterRequest.model_validate(
            {"district_id": district, "week": week, "time_limit_seconds": seconds}
        )
    except ValidationError as invalid:
        fields = {str(e["loc"][0]) for e in invalid.errors()}
        errors = {}
        if "time_limit_seconds" in fields:
            errors["time_limit"] = _("Enter a number of seconds above 0 and at most 600.")
        if "week" in fields:
            errors["week"] = _("Choose a week from the list.")
        form = {"time_limit": time_limit, "errors": errors}
        return _list_page(request, session, account, district, week, form, status=400)
    roster, _created = roster_service.request_roster(session, account, data)
    return redirect(f"/console/rosters/{roster.id}")


# -- one roster -------------------------------------------------------------------------------


@dataclass
class Seat:
    """One shift of the grid, as the page shows it."""

    shift: Shift
    day: date
    start: str
    end: str
    key: str  # "LH-01 Mon 09:00": the station and time that name the shift
    people: list[dict] = field(default_factory=list)
    needs: list[dict] = field(default_factory=list)
    missing: int = 0
    reasons: list[str] = field(default_factory=list)
    open: bool = False


def _grid(
    session: Session, roster: Roster, fill: roster_service.ShiftFill, language: str
) -> tuple[list[date], list[dict], dict[int, Seat]]:
    """Days of the week, stations (each with its seats per day), and seats by shift id."""
    monday = week_monday(roster.week)
    days = [monday + timedelta(days=i) for i in range(7)]
    # A seat is named by its station, weekday and time: "LH-01 Mon 09:00".
    weekday = {day.weekday(): format_date(day, "EEE", locale=language) for day in days}
    changed = set(roster.changed_volunteer_ids or [])
    people: dict[int, list[dict]] = defaultdict(list)
    rows = session.execute(
        select(Assignment.id, Assignment.shift_id, Volunteer.id, Volunteer.name)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .where(Assignment.roster_id == roster.id, Assignment.status.in_(LIVE_STATUSES))
        .order_by(Volunteer.name, Assignment.id)
    ).all()
    for assignment_id, shift_id, volunteer_id, name in rows:
        people[shift_id].append(
            {
                "assignment_id": assignment_id,
                "volunteer_id": volunteer_id,
                "name": name,
                "changed": volunteer_id in changed,
            }
        )
    unfilled = {s["shift_id"]: s for s in roster_service.unfilled(session, roster, fill)}
    seats: dict[int, Seat] = {}
    stations: dict[int, dict] = {}
    for shift in fill.shifts:
        zone = ZoneInfo(shift.station.timezone)
        start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
        open_seat = unfilled.get(shift.id)
        short = open_seat["missing_skills"] if open_seat else {}
        seat = Seat(
            shift=shift,
            day=start.date(),
            start=f"{start:%H:%M}",
            end=f"{end:%H:%M}",
            key=f"{shift.station.code} {weekday[start.weekday()]} {start:%H:%M}",
            people=people[shift.id],
            needs=[
                {"skill": r["skill"], "count": r["count"], "short": short.get(r["skill"], 0)}
                for r in shift.skill_requirements
            ],
            missing=open_seat["missing"] if open_seat else 0,
            reasons=open_seat["reasons"] if open_seat else [],
            open=open_seat is not None,
        )
        seats[shift.id] = seat
        row = stations.setdefault(
            shift.station_id, {"station": shift.station, "days": defaultdict(list)}
        )
        row["days"][seat.day].append(seat)
    ordered = sorted(stations.values(), key=lambda row: row["station"].code)
    return days, ordered, seats


def _history_rows(
    session: Session, items: list[HistoryItemRead], language: str, _: Any
) -> list[dict[str, str]]:
    """The roster's history as the page lists it: newest first, local times."""
    ids = {item.station_id for item in items}
    stations = {s.id: s for s in session.scalars(select(Station).where(Station.id.in_(ids)))}
    rows = []
    for item in items:
        station = stations[item.station_id]
        start = item.starts_at.astimezone(ZoneInfo(station.timezone))
        if item.kind == "cancelled":
            change = _(CANCELLED_BY.get(item.by, CANCELLED_BY[None]))
        else:
            change = _(CHANGE_NAMES[item.kind]).format(name=item.other_volunteer_name or "")
        reason = item.reason or ""
        rows.append(
            {
                "at": _local(item.at),
                "volunteer": item.volunteer_name,
                "change": change,
                "duty": f"{station.code} {format_skeleton('MMMEd', start, locale=language)} "
                f"{start:%H:%M}",
                "reason": _(SERVICE_REASONS[reason]) if reason in SERVICE_REASONS else reason,
            }
        )
    return rows


def _roster_page(
    request: Request,
    session: Session,
    account: Account,
    roster: Roster,
    selected: int | None = None,
    add_error: str | None = None,
    chosen_volunteer: int | None = None,
    status: int = 200,
) -> Response:
    _ = gettext_for(request)
    language = i18n.language(request)
    running = roster.job_status in ACTIVE_JOB_STATUSES
    fill = roster_service.shift_fill(session, roster)
    days, stations, seats = _grid(session, roster, fill, language)
    context: dict[str, Any] = {
        "account": account,
        "roster": roster,
        "district": district_service.get_district_in_scope(session, account, roster.district_id),
        "running": running,
        "stats": roster_service.stats(session, roster, fill),
        "progress": roster.progress if running else None,
        "days": [{"date": d, "label": format_skeleton("MMMEd", d, locale=language)} for d in days],
        "stations": stations,
        "editable": not running and roster.status in (RosterStatus.draft, RosterStatus.published),
        "changed": len(roster.changed_volunteer_ids or []),
        "created": _local(roster.created_at),
        "rule_name": lambda rule: _(RULE_NAMES[rule]) if rule in RULE_NAMES else rule,
        "reason_text": lambda reason: say_reason(_, reason, language),
    }
    changes = roster_service.changes_against_published(session, roster)
    if changes is not None:
        added, dropped = changes
        names = dict(
            session.execute(
                select(Volunteer.id, Volunteer.name).where(
                    Volunteer.id.in_({a.volunteer_id for a in added + dropped})
                )
            ).all()
        )

        def rows(duties: list[Assignment]) -> list[dict[str, str]]:
            out = []
            for a in duties:
                start = a.shift.starts_at.astimezone(ZoneInfo(a.shift.station.timezone))
                when = f"{format_skeleton('MMMEd', start, locale=language)} {start:%H:%M}"
                out.append(
                    {"name": names.get(a.volunteer_id, ""), "station": a.shift.station.code,
                     "when": when}
                )  # fmt: skip
            return out

        context["comparison"] = {"added": rows(added), "dropped": rows(dropped)}
    if roster.published_at is not None:
        items = history.roster_history(session, roster)
        context["history"] = _history_rows(session, items, language, _)
    seat = seats.get(selected) if selected is not None else None
    if seat is not None:
        on_shift = {p["volunteer_id"] for p in seat.people}
        context |= {
            "seat": seat,
            "candidates": roster_service.seat_candidates(
                session, account, roster.id, seat.shift.id, fill=fill
            ),
            "volunteers": [
                v
                for v in session.execute(
                    select(Volunteer.id, Volunteer.name)
                    .where(
                        Volunteer.district_id == roster.district_id,
                        Volunteer.status == VolunteerStatus.active,
                    )
                    .order_by(Volunteer.id)
                )
                if v.id not in on_shift
            ],
            "add_error": add_error,
            "chosen_volunteer": chosen_volunteer,
            "cover": _cover_panel(session, seat.shift, _),
        }
    if not running and roster.status in recruitment.SOLVED:
        # The page's script fetches the section (recruitment.js): even kept advice costs
        # the district's problem rebuilt to find its version, a few hundred milliseconds
        # on a 600-volunteer district that the grid should not wait for.
        context["recruitment"] = {"loading": True}
    return render(request, "console/rosters/roster.html", context, status)


# The short-notice cover (app/cover) as the open-seat panel tells it.
COVER_STATES = {
    "filled": N_("Filled at {time}."),
    "started": N_("The shift started at {time} with the seat still open."),
    "withdrawn": N_("Ended at {time}: the shift was cancelled."),
}
OFFER_STATES = {
    "offered": N_("No answer yet"),
    "taken": N_("Took the seat"),
    "declined": N_("Declined"),
    "gone": N_("Told that it has gone"),
    "expired": N_("Unanswered when the shift started"),
}


def _cover_panel(session: Session, shift: Shift, _: Any) -> dict | None:
    """Who was offered the seat and when, their answers and the next wave, in the
    station's local time; None when the seat never opened at short notice."""
    cover = cover_service.cover_views(session, [shift.id]).get(shift.id)
    if cover is None:
        return None
    zone = ZoneInfo(shift.station.timezone)

    def at(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%m-%d %H:%M") if moment else ""

    if cover.state != "open":
        said = _(COVER_STATES[cover.state]).format(time=at(cover.closed_at))
    elif cover.waves:
        said = _("Open: wave {waves} of offers sent; the next goes out at {time}.").format(
            waves=cover.waves, time=at(cover.next_wave_at)
        )
    else:
        said = _("Open: nobody who fits has been found yet; the next look is at {time}.").format(
            time=at(cover.next_wave_at)
        )
    offers = [
        {"name": o.name, "wave": o.wave, "offered_at": at(o.offered_at),
         "answer": _(OFFER_STATES[o.state]), "settled_at": at(o.settled_at)}
        for o in cover.offers
    ]  # fmt: skip
    return {"said": said, "offers": offers}


def _roster_url(roster_id: int, shift_id: int | None = None) -> str:
    if shift_id is None:
        return f"/console/rosters/{roster_id}"
    return f"/console/rosters/{roster_id}?shift={shift_id}#shift-panel"


@router.get("/rosters/{roster_id}")
def roster_page(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    roster_id: int,
    shift: int | None = None,
):
    roster_service.refresh_jobs(session)
    roster = roster_service.get_roster(session, account, roster_id)
    return _roster_page(request, session, account, roster, selected=shift)


@router.get("/rosters/{roster_id}/progress")
def roster_progress(session: SessionDep, account: ConsoleAccount, roster_id: int):
    """What the page's script follows while the roster solves: the API's figures,
    read with the console's session."""
    roster_service.refresh_jobs(session)
    roster = roster_service.get_roster(session, account, roster_id)
    running = roster.job_status in ACTIVE_JOB_STATUSES
    return JSONResponse(
        {
            "status": roster.status,
            "job_status": roster.job_status,
            "running": running,
            "progress": roster.progress if running else None,
            "stats": roster_service.stats(session, roster),
            "error": roster.error,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/rosters/{roster_id}/publish")
def publish(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    roster_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    roster_service.publish(session, account, roster_id)
    return redirect(_roster_url(roster_id))


@router.post("/rosters/{roster_id}/repair")
def repair(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    roster_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    roster_service.request_repair(session, account, roster_id)
    return redirect(_roster_url(roster_id))


@router.get("/rosters/{roster_id}/export.csv")
def export(session: SessionDep, account: ConsoleAccount, roster_id: int):
    roster = roster_service.get_roster(session, account, roster_id)
    return Response(
        roster_service.export_csv(session, roster),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="roster-{roster.id}-{roster.week}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/rosters/{roster_id}/assignments")
def add_assignment(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    roster_id: int,
    shift_id: Annotated[int, Form()],
    volunteer_id: Annotated[int | None, Form()] = None,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    roster = roster_service.get_roster(session, account, roster_id)
    if volunteer_id is None:
        error = _("Choose a volunteer.")
        return _roster_page(request, session, account, roster, shift_id, error, status=400)
    try:
        roster_service.add_assignment(
            session,
            account,
            roster_id,
            ManualAssignment(shift_id=shift_id, volunteer_id=volunteer_id),
        )
    except Conflict as refused:
        # The broken rule named in the page's language (the validator's own detail on
        # English pages); the choice is kept.
        rule = refused.extra.get("rule")
        if i18n.language(request) == "en":
            error = refused.detail
        elif rule:
            name = _(RULE_NAMES[rule]) if rule in RULE_NAMES else rule
            error = _("This assignment breaks a hard rule: {rule}.").format(rule=name)
        elif "already on this shift" in refused.detail:
            error = _("The volunteer is already on this shift.")
        else:  # the roster left draft and published meanwhile
            error = _("A roster that is {status} cannot be edited.").format(
                status=_(roster_service.get_roster(session, account, roster_id).status)
            )
        return _roster_page(
            request, session, account, roster, shift_id, error, volunteer_id, status=409
        )
    return redirect(_roster_url(roster_id, shift_id))


@router.post("/rosters/{roster_id}/assignments/{assignment_id}/remove")
def remove_assignment(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    roster_id: int,
    assignment_id: int,
    shift_id: Annotated[int | None, Form()] = None,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    roster_service.remove_assignment(session, account, roster_id, assignment_id)
    return redirect(_roster_url(roster_id, shift_id))


# -- recruitment advice (app/rosters/recruitment) ---------------------------------------------

WEEKDAYS_PLURAL = {
    1: N_("Mondays"),
    2: N_("Tuesdays"),
    3: N_("Wednesdays"),
    4: N_("Thursdays"),
    5: N_("Fridays"),
    6: N_("Saturdays"),
    7: N_("Sundays"),
}
# One sentence per profile: one recruit or several, with skills or without.
PROFILE_SENTENCES = {
    (True, True): N_(
        "1 volunteer with {skills}, {weekdays} {start}–{end}, within {minutes} min of "
        "{station} fills {seats} of the {open} open seats."
    ),
    (True, False): N_(
        "1 volunteer, {weekdays} {start}–{end}, within {minutes} min of {station} fills "
        "{seats} of the {open} open seats."
    ),
    (False, True): N_(
        "{n} volunteers with {skills}, {weekdays} {start}–{end}, within {minutes} min of "
        "{station} fill {seats} of the {open} open seats."
    ),
    (False, False): N_(
        "{n} volunteers, {weekdays} {start}–{end}, within {minutes} min of {station} fill "
        "{seats} of the {open} open seats."
    ),
}


def profile_sentence(
    profile: recruitment.ProfileRead, open_seats: int, minutes: int, _: Any
) -> str:
    """ "3 volunteers with lang:en, Saturdays 08:00–12:00, within 15 min of LH-01 ..."."""
    end = profile.end
    if profile.ends_next_day:
        end = _("{time} the next day").format(time=end)
    sentence = PROFILE_SENTENCES[profile.volunteers_needed == 1, bool(profile.skills)]
    return _(sentence).format(
        n=profile.volunteers_needed,
        skills=", ".join(profile.skills),
        weekdays=_(WEEKDAYS_PLURAL[profile.weekday]),
        start=profile.start,
        end=end,
        minutes=minutes,
        station=f"{profile.near_station_code} {profile.near_station_name}",
        seats=profile.seats_filled,
        open=open_seats,
    )


def recruitment_panel(advice: recruitment.RecruitmentRead, _: Any) -> dict[str, Any]:
    """The advice as the pages tell it: a summary and one sentence per profile."""
    # OPTIMAL: the fewest recruits, proven; FEASIBLE: good advice, the time limit came
    # first; otherwise the search of some weekday found nothing in time, which says
    # nothing about whether recruits could fill its seats.
    complete = advice.solver_status in ("OPTIMAL", "FEASIBLE")
    if not advice.open_seats:
        summary = _("Every seat is filled: there is no one to recruit for this roster.")
    elif not advice.profiles and not complete:
        summary = _(
            "The search found no advice for the {open} open seats within its time limit."
        ).format(open=advice.open_seats)
    elif not advice.profiles:
        summary = _(
            "No recruit living within the service circle could fill any of the {open} open "
            "seats under the hard rules."
        ).format(open=advice.open_seats)
    else:
        summary = _(
            "Recruiting {n} volunteers as below fills {seats} of the {open} open seats."
        ).format(n=advice.volunteers_needed, seats=advice.seats_filled, open=advice.open_seats)
    return {
        "advice": advice,
        "summary": summary,
        "proven": advice.solver_status == "OPTIMAL",
        "complete": complete,
        "sentences": [
            profile_sentence(p, advice.open_seats, advice.circle_minutes, _)
            for p in advice.profiles
        ],
    }


@router.get("/rosters/{roster_id}/recruitment")
def recruitment_section(
    request: Request, session: SessionDep, account: ConsoleAccount, roster_id: int
):
    """The roster page's recruitment section on its own, for the page's script: 200
    with the advice once it is kept, 202 while the search runs (which this starts)."""
    roster = roster_service.get_roster(session, account, roster_id)
    ready = recruitment.ready_advice(session, roster)
    context = {
        "roster": roster,
        "recruitment": recruitment_panel(ready, gettext_for(request))
        if ready
        else {"pending": True},
        "advice_seconds": recruitment.ADVICE_SECONDS,
    }
    response = render(request, "console/rosters/recruitment.html", context, 200 if ready else 202)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/rosters/{roster_id}/recruitment.csv")
def recruitment_csv(session: SessionDep, account: ConsoleAccount, roster_id: int):
    """The API's recruitment CSV, read with the console's session."""
    advice = recruitment.roster_advice(session, account, roster_id)
    return Response(
        recruitment.advice_csv(advice),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="recruitment-{roster_id}.csv"',
            "Cache-Control": "no-store",
        },
    )
