"""Recruitment advice for a roster: whom to recruit so that its open seats get filled.

The roster's week is rebuilt as a solver problem exactly as a solve would read it
(`mapping.build_problem`: the district's active volunteers, their travel, reserved
seats...), with the roster's live assignments as the solution, and `solver.advise`
answers the fewest volunteer profiles (skills, weekday, hours, a station they live
near) that fill the most of its open seats. A recruit is held to the district's
default limits: the service circle (`default_max_travel_minutes`) as their travel
limit, and no weekly limits, which is what a new registration without limits gets.

The advice is a CP-SAT search of up to `ADVICE_SECONDS`, so it is kept per roster
version: the key is a digest of everything the search reads (the problem, the roster,
the travel between stations), and a page view or API call over an unchanged roster
reads the kept advice. A sign-up, a cancellation or a volunteer's new availability
changes the problem, hence the key, and the next read advises afresh. The cache lives
in the process (each API process advises once per version): a search of a few
seconds once per change is cheap next to a schema for it. The API waits for the
search; the roster page does not even find the key (rebuilding the district's problem
takes a few hundred milliseconds): its script fetches the section, for which
`ready_advice` answers the kept advice or starts the search in a thread.
"""

import csv
import hashlib
import io
import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

import solver
from app.accounts.models import Account
from app.errors import Conflict
from app.exports import spreadsheet_safe
from app.rosters import mapping, queries, store, translate
from app.rosters import service as roster_service
from app.rosters.models import Roster, RosterStatus
from app.settings import get_settings
from app.stations.models import Station

# Long enough for a 40-station district (solver/BENCHMARKS.md), short enough to wait for.
ADVICE_SECONDS = 10.0
# Rosters that hold a solution: the others are still solving or failed.
SOLVED = (RosterStatus.draft, RosterStatus.published, RosterStatus.superseded)
CACHED_ADVICES = 64
# Searches at a time in this process (each uses `solver_workers` threads): pages of many
# rosters opened at once queue instead of taking every core from the roster solves.
SEARCHES_AT_ONCE = 2


class ProfileRead(BaseModel):
    """One profile: `volunteers_needed` people with these skills, available on this
    weekday (ISO, 1 = Monday) from `start` to `end` (the station's local time) and
    living within the service circle of the station, fill `seats_filled` open seats."""

    skills: list[str]
    weekday: int
    start: str
    end: str
    # The window ends after midnight (`end` is then a time of the next day).
    ends_next_day: bool
    near_station_id: int
    near_station_code: str
    near_station_name: str
    volunteers_needed: int
    seats_filled: int


class RecruitmentRead(BaseModel):
    roster_id: int
    open_seats: int
    # What the profiles promise together: recruits to find, open seats they fill.
    volunteers_needed: int
    seats_filled: int
    profiles: list[ProfileRead]
    circle_minutes: int
    # CP-SAT's status of the covering search: OPTIMAL when the fewest recruits are
    # proven, FEASIBLE when the time limit ended the search with good advice.
    solver_status: str
    solve_seconds: float


class _Cache:
    """Advice by roster version, the most recently used kept; one search per key at a
    time (a second reader of the same version waits for the first one's answer)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.kept: OrderedDict[str, solver.Advice] = OrderedDict()
        self.lock = threading.Lock()
        self.searching: dict[str, threading.Lock] = {}
        self.searches = threading.BoundedSemaphore(SEARCHES_AT_ONCE)

    def get_or_make(self, key: str, make: Any) -> solver.Advice:
        with self.lock:
            if key in self.kept:
                self.kept.move_to_end(key)
                return self.kept[key]
            mine = self.searching.setdefault(key, threading.Lock())
        with mine:
            with self.lock:
                if key in self.kept:
                    return self.kept[key]
            try:
                with self.searches:
                    advice = make()
            except BaseException:
                with self.lock:
                    self.searching.pop(key, None)
                raise
            with self.lock:
                self.kept[key] = advice
                while len(self.kept) > self.size:
                    self.kept.popitem(last=False)
                self.searching.pop(key, None)
            return advice

    def start(self, key: str, make: Any) -> None:
        """Searches in a thread of its own unless the key is kept or being searched."""
        with self.lock:
            if key in self.kept or key in self.searching:
                return
            self.searching[key] = threading.Lock()
        threading.Thread(target=self._search, args=(key, make), daemon=True).start()

    def _search(self, key: str, make: Any) -> None:
        try:
            self.get_or_make(key, make)
        except Exception:  # a bug in the search: logged; the next read tries again
            log.exception("recruitment advice failed")

    def peek(self, key: str) -> solver.Advice | None:
        with self.lock:
            return self.kept.get(key)

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()


_cache = _Cache(CACHED_ADVICES)
log = logging.getLogger("uroster.recruitment")


def roster_advice(session: Session, account: Account, roster_id: int) -> RecruitmentRead:
    """The advice for a roster in the caller's scope (404 outside it); 409 while the
    roster has no solution (queued, solving or failed)."""
    roster = roster_service.get_roster(session, account, roster_id)
    return advice_for(session, roster)


def advice_for(session: Session, roster: Roster) -> RecruitmentRead:
    """The roster's advice, searched now unless kept (409 without a solution)."""
    key, search, stations = _search_for(session, roster)
    return _read(session, roster, _cache.get_or_make(key, search), stations)


def ready_advice(session: Session, roster: Roster) -> RecruitmentRead | None:
    """The roster's advice if kept; else None, and the search starts in a thread."""
    key, search, stations = _search_for(session, roster)
    advice = _cache.peek(key)
    if advice is None:
        _cache.start(key, search)
        return None
    return _read(session, roster, advice, stations)


def _search_for(
    session: Session, roster: Roster
) -> tuple[str, Callable[[], solver.Advice], dict[int, Station]]:
    """The roster version's cache key, the search that advises on it (it reads no
    database, so a thread may run it), and the week's stations by id."""
    if roster.status not in SOLVED:
        raise Conflict(
            f"The roster is {roster.status}: recruitment advice needs a solved roster.",
            roster_status=roster.status,
        )
    settings = get_settings()
    shifts = queries.week_shifts(session, roster.district_id, roster.week)
    problem = mapping.build_problem(
        session, roster.district_id, roster.week, settings=settings, shifts=shifts
    )
    options = store.solve_options(ADVICE_SECONDS, settings)
    held = _rule_abiding(problem, _held(session, roster, problem))
    stations = {s.station_id: s.station for s in shifts}
    travel = station_travel(stations.values(), settings.travel_speed_kmh)
    circle = settings.default_max_travel_minutes
    like = translate.template_volunteer(settings)

    def search() -> solver.Advice:
        return solver.advise(
            problem,
            _as_solution(held),
            station_travel=travel,
            circle_minutes=circle,
            like=like,
            options=options,
        )

    return _digest(roster.id, problem, held, travel, circle, like, options), search, stations


def _read(
    session: Session, roster: Roster, advice: solver.Advice, stations: dict[int, Station]
) -> RecruitmentRead:
    named = _stations(session, {p.near_station for p in advice.profiles}, stations)
    return RecruitmentRead(
        roster_id=roster.id,
        open_seats=advice.open_seats,
        volunteers_needed=advice.volunteers_needed,
        seats_filled=advice.seats_filled,
        profiles=[_view(p, named[int(p.near_station)]) for p in advice.profiles],
        circle_minutes=advice.circle_minutes,
        solver_status=advice.status,
        solve_seconds=round(advice.wall_seconds, 3),
    )


def station_travel(stations: Any, speed_kmh: float) -> dict[tuple[solver.Id, solver.Id], int]:
    """Travel minutes between every two stations, as translate measures a home's."""
    places = [(s.id, s.lat, s.lon) for s in stations]
    return {
        (a, b): translate.minutes_between(alat, alon, blat, blon, speed_kmh)
        for a, alat, alon in places
        for b, blat, blon in places
        if a != b
    }


def _held(session: Session, roster: Roster, problem: solver.Problem) -> list[solver.Assignment]:
    """The roster's live assignments that the problem knows (a volunteer gone inactive
    since is not on it any more: their seat is open)."""
    shifts = {s.id for s in problem.shifts}
    volunteers = {v.id for v in problem.volunteers}
    known = [
        a
        for a in queries.live_assignments(session, roster.id)
        if a.shift_id in shifts and a.volunteer_id in volunteers
    ]
    return sorted(set(translate.assignments(known)), key=lambda a: (a.shift, a.volunteer))


def _rule_abiding(
    problem: solver.Problem, held: list[solver.Assignment]
) -> list[solver.Assignment]:
    """The roster without the duties that now break a hard rule (a volunteer's new
    unavailability, say): the advice builds on a roster the solver would keep, and a
    duty it could not keep is a seat to fill."""
    held = list(held)
    while True:
        report = solver.validate(problem, held)
        if report.ok:
            return held
        broken = report.violations[0]
        if broken.volunteer is not None:
            gone = [
                a
                for a in held
                if a.volunteer == broken.volunteer and broken.shift in (None, a.shift)
            ]
        else:  # a shift's own rule (over its headcount): its last person leaves
            gone = [a for a in held if a.shift == broken.shift][-1:]
        if not gone:  # a violation that names nothing here: nothing left to take off
            return held
        held = [a for a in held if a not in gone]


def _as_solution(held: list[solver.Assignment]) -> solver.Solution:
    return solver.Solution(
        status="FEASIBLE",
        assignments=tuple(held),
        objective=None,
        objective_by_rule={},
        best_bound=0.0,
        gap=None,
        wall_seconds=0.0,
    )


def _stations(
    session: Session, ids: set[solver.Id], known: Mapping[int, Station]
) -> dict[int, Station]:
    missing = {int(i) for i in ids} - set(known)
    found = dict(known)
    if missing:
        found |= {s.id: s for s in session.scalars(select(Station).where(Station.id.in_(missing)))}
    return found


def _view(profile: solver.Profile, station: Station) -> ProfileRead:
    return ProfileRead(
        skills=sorted(profile.skills),
        weekday=profile.weekday,
        start=profile.start,
        end=profile.end,
        ends_next_day=profile.end_minute > 24 * 60,
        near_station_id=station.id,
        near_station_code=station.code,
        near_station_name=station.name,
        volunteers_needed=profile.volunteers_needed,
        seats_filled=profile.seats_filled,
    )


# -- the cache key ---------------------------------------------------------------------


def _digest(roster_id: int, *inputs: Any) -> str:
    """A digest of the search's inputs. Pickled: equal bytes are equal inputs, so a
    kept advice is never taken for other inputs; equal inputs whose sets happen to
    pickle in another order only cost a search again (a rare miss, never a wrong hit)."""
    return hashlib.sha256(pickle.dumps((roster_id, inputs), protocol=5)).hexdigest()


# -- the CSV for a recruitment drive -----------------------------------------------------

CSV_COLUMNS = [
    "weekday", "start", "end", "ends_next_day", "skills", "near_station_id",
    "near_station_code", "near_station_name", "volunteers_needed", "seats_filled",
]  # fmt: skip


def advice_csv(advice: RecruitmentRead) -> str:
    """One row per profile; skills separated by ";" as the volunteer import reads them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in advice.profiles:
        writer.writerow(
            [
                p.weekday,
                p.start,
                p.end,
                p.ends_next_day,
                ";".join(p.skills),
                p.near_station_id,
                spreadsheet_safe(p.near_station_code),
                spreadsheet_safe(p.near_station_name),
                p.volunteers_needed,
                p.seats_filled,
            ]
        )
    return out.getvalue()
