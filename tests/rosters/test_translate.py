"""Rows -> solver objects (app/rosters/translate.py), without a database: the ORM
classes are plain objects until a session adds them, so each test builds the rows it
translates."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import solver
from app import models  # noqa: F401  (every table registered: the mappers configure)
from app.rosters import store, translate
from app.rosters.models import Assignment
from app.settings import Settings
from app.shifts.models import Shift
from app.stations.models import Station
from app.teams.models import Adoption, Team
from app.volunteers.models import (
    AvailabilityException,
    AvailabilityMode,
    AvailabilityWindow,
    Volunteer,
    VolunteerSkill,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = "2026-W10"  # Monday 2 March 2026
SETTINGS = Settings(
    default_timezone="Asia/Shanghai",
    default_max_travel_minutes=15,
    travel_speed_kmh=20.0,
    adoption_release_hours=48.0,
    solver_workers=2,
)
# One degree of latitude along a meridian: 2 * pi * 6371 km / 360.
ONE_DEGREE_KM = 111.19


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026 in Shanghai's wall-clock time (the 2nd is a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def station(station_id: int = 1, lat: float = 31.0, lon: float = 121.0) -> Station:
    return Station(id=station_id, lat=lat, lon=lon, timezone="Asia/Shanghai")


def shift(
    shift_id: int, start: datetime, hours: float = 4, *, at: Station | None = None, **kw
) -> Shift:
    at = at or station()
    kw.setdefault("min_volunteers", 1)
    kw.setdefault("max_volunteers", 3)
    kw.setdefault("skill_requirements", [])
    kw.setdefault("priority", 3)
    return Shift(
        id=shift_id,
        station=at,
        station_id=at.id,
        starts_at=start.astimezone(UTC),
        ends_at=(start + timedelta(hours=hours)).astimezone(UTC),
        **kw,
    )


def volunteer(volunteer_id: int = 1, *, windows=(), **kw) -> Volunteer:
    """`windows`: (ISO weekday, start, end, preference)."""
    kw.setdefault("availability_mode", AvailabilityMode.windows)
    return Volunteer(
        id=volunteer_id,
        weekly=[
            AvailabilityWindow(weekday=day, start=start, end=end, preference=preference)
            for day, start, end, preference in windows
        ],
        **kw,
    )


# -- travel ----------------------------------------------------------------------------


def test_distance_is_the_great_circle_one():
    assert translate.distance_km(31.0, 121.0, 31.0, 121.0) == 0
    assert translate.distance_km(30.0, 121.0, 31.0, 121.0) == pytest.approx(ONE_DEGREE_KM, 0.001)


def test_travel_minutes_are_rounded_up():
    # 111.19 km at 60 km/h: 111.19 minutes, counted as 112.
    assert translate.minutes_between(30.0, 121.0, 31.0, 121.0, 60) == 112
    assert translate.minutes_between(31.0, 121.0, 31.0, 121.0, 60) == 0


def test_a_volunteer_without_a_home_has_no_travel_to_limit():
    home = volunteer(1, home_lat=31.0, home_lon=121.0)
    homeless = volunteer(2)
    near, far = station(1, 31.0, 121.0), station(2, 31.0 + 1 / 60, 121.0)
    assert translate.travel_minutes(homeless, near, 20.0) is None
    # A sixtieth of a degree is 1.85 km: 5.6 minutes at 20 km/h.
    assert translate.travel([home, homeless], [near, far], 20.0) == {(1, 1): 0, (1, 2): 6}


# -- shifts and duties -----------------------------------------------------------------


def test_a_shift_reads_in_its_station_s_local_time():
    night = shift(
        10,
        local(7, 0, 30),
        skill_requirements=[{"skill": "first_aid", "count": 1}],
        max_volunteers=4,
        priority=1,
    )
    seen = translate.solver_shift(night)
    assert seen.id == 10 and seen.station == 1
    assert seen.start == local(7, 0, 30) and seen.start.tzinfo == SHANGHAI
    assert seen.end == local(7, 4, 30)
    assert seen.day == date(2026, 3, 7)  # in UTC it starts on the 6th
    assert (seen.min_headcount, seen.max_headcount, seen.priority) == (1, 4, 1)
    assert dict(seen.skill_needs) == {"first_aid": 1}
    assert seen.reservations == ()


def test_duties_of_other_rosters_become_each_volunteer_s_fixed_duties():
    sunday = shift(20, local(1, 22), hours=8)  # the week before's Sunday night
    fixed = translate.fixed_duties_by_volunteer([(1, sunday), (2, sunday)])
    assert fixed == {
        1: [solver.FixedDuty(local(1, 22), local(2, 6), date(2026, 3, 1))],
        2: [solver.FixedDuty(local(1, 22), local(2, 6), date(2026, 3, 1))],
    }


def test_assignment_rows_keep_their_order_and_their_duplicates():
    rows = [Assignment(volunteer_id=2, shift_id=10), Assignment(volunteer_id=1, shift_id=10)]
    assert translate.assignments([*rows, rows[0]]) == [
        solver.Assignment(volunteer=2, shift=10),
        solver.Assignment(volunteer=1, shift=10),
        solver.Assignment(volunteer=2, shift=10),
    ]


# -- volunteers' windows ---------------------------------------------------------------


def windows_of(v: Volunteer) -> tuple[solver.AvailabilityWindow, ...] | None:
    return translate.solver_volunteer(v, date(2026, 3, 2), date(2026, 3, 8), SETTINGS).availability


def test_touching_windows_join_across_midnight():
    v = volunteer(windows=[(6, "20:00", "24:00", "available"), (7, "00:00", "06:00", "available")])
    assert windows_of(v) == (
        # The day of margin before the week: Sunday 1 March.
        solver.AvailabilityWindow(local(1, 0), local(1, 6)),
        solver.AvailabilityWindow(local(7, 20), local(8, 6)),
    )


def test_a_preferred_stretch_next_to_an_available_one_gets_a_window_across_both():
    v = volunteer(windows=[(5, "18:00", "20:00", "preferred"), (5, "20:00", "22:00", "available")])
    assert windows_of(v) == (
        solver.AvailabilityWindow(local(6, 18), local(6, 20), preferred=True),
        solver.AvailabilityWindow(local(6, 20), local(6, 22)),
        solver.AvailabilityWindow(local(6, 18), local(6, 22)),
    )


def test_no_windows_is_never_and_any_time_is_always():
    assert windows_of(volunteer()) == ()
    anytime = volunteer(
        availability_mode=AvailabilityMode.any_time, windows=[(1, "08:00", "12:00", "available")]
    )
    assert windows_of(anytime) is None


def test_a_volunteer_s_absences_limits_and_defaults():
    v = volunteer(
        7,
        skill_rows=[VolunteerSkill(skill="driver"), VolunteerSkill(skill="first_aid")],
        exceptions=[
            AvailabilityException(start_date=date(2026, 2, 20), end_date=date(2026, 3, 1)),
            AvailabilityException(start_date=date(2026, 3, 4), end_date=date(2026, 3, 5)),
        ],
        max_hours_per_week=7.5,
        max_shifts_per_week=3,
        max_consecutive_days=4,
        preferred_station_ids=[2],
    )
    duty = solver.FixedDuty(local(1, 22), local(2, 6))
    seen = translate.solver_volunteer(v, date(2026, 3, 2), date(2026, 3, 8), SETTINGS, [duty])
    assert seen.id == 7
    assert seen.skills == {"driver", "first_aid"}
    # The days of the week and one on each side.
    assert seen.unavailable_dates == {date(2026, 3, 1), date(2026, 3, 4), date(2026, 3, 5)}
    assert seen.max_minutes_per_week == 450
    assert (seen.max_shifts_per_week, seen.max_consecutive_days) == (3, 4)
    assert seen.min_rest_minutes == 0  # none of their own
    assert seen.max_travel_minutes == 15  # the service's default
    assert seen.preferred_stations == {2}
    assert seen.fixed_duties == (duty,)


# -- adopted seats ---------------------------------------------------------------------


def adoption(adoption_id: int, team_id: int, seats: int, **kw) -> Adoption:
    kw.setdefault("station_id", 1)
    kw.setdefault("weekdays", [1, 2, 3, 4, 5, 6, 7])
    kw.setdefault("start", "00:00")
    kw.setdefault("end", "00:00")
    return Adoption(id=adoption_id, team_id=team_id, seats=seats, **kw)


def test_an_adoption_past_midnight_covers_the_next_morning_of_its_weekday():
    friday_night = adoption(1, 1, 1, weekdays=[5], start="22:00", end="06:00")
    assert translate.adoption_covers(friday_night, shift(1, local(6, 23)))  # Fri 23:00
    assert translate.adoption_covers(friday_night, shift(2, local(7, 2)))  # Sat 02:00
    assert not translate.adoption_covers(friday_night, shift(3, local(7, 23)))  # Sat 23:00
    assert not translate.adoption_covers(friday_night, shift(4, local(6, 12)))  # Fri noon
    elsewhere = shift(5, local(6, 23), at=station(2))
    assert not translate.adoption_covers(friday_night, elsewhere)


def test_adopted_seats_add_up_per_team_and_stop_at_the_shift_s_maximum():
    lions, tigers = Team(id=1, name="Lions"), Team(id=2, name="Tigers")
    rows = translate.Adoptions(
        adoptions=[adoption(1, 1, 1), adoption(2, 2, 2), adoption(3, 1, 1)],
        teams={1: lions, 2: tigers},
        members={1: {11, 12}},  # the tigers have no approved member
    )
    on = shift(10, local(10, 8), max_volunteers=3)
    assert translate.adopted_seats([on], rows, SETTINGS) == {
        10: [
            translate.AdoptedSeats(lions, 2, frozenset({11, 12}), on.starts_at - timedelta(days=2)),
            translate.AdoptedSeats(tigers, 1, frozenset(), on.starts_at - timedelta(days=2)),
        ]
    }
    assert translate.adopted_seats([on], translate.Adoptions(), SETTINGS) == {}


def test_reservations_hold_until_the_release_and_make_room_for_those_who_stay():
    lions = Team(id=1, name="Lions")
    rows = translate.Adoptions(adoptions=[adoption(1, 1, 2)], teams={1: lions}, members={1: {11}})
    on = shift(10, local(10, 8), max_volunteers=3)
    adopted = translate.adopted_seats([on], rows, SETTINGS)
    kept = solver.Reservation(1, frozenset({11}), 2, name="Lions")
    before = on.starts_at - timedelta(days=3)
    assert translate.reservations([on], adopted, before) == {10: (kept,)}
    after = on.starts_at - timedelta(days=1)
    assert translate.reservations([on], adopted, after) == {}
    # Two outsiders stay on the shift: one seat of three is left for the team.
    assert translate.reservations([on], adopted, before, {10: {21, 22}}) == {
        10: (solver.Reservation(1, frozenset({11}), 1, name="Lions"),)
    }


def test_fit_reservations_shrinks_the_seats_that_people_on_the_shift_need():
    lions = solver.Reservation("lions", frozenset({1}), 2)
    tigers = solver.Reservation("tigers", frozenset({2}), 2)
    # Nobody on it: as adopted.
    assert translate.fit_reservations(4, [lions, tigers], set()) == [lions, tigers]
    # Two outsiders on a shift of three: one seat left for the lions.
    assert translate.fit_reservations(3, [lions], {8, 9}) == [
        solver.Reservation("lions", frozenset({1}), 1)
    ]
    # ... of two: none.
    assert translate.fit_reservations(2, [lions], {8, 9}) == []
    # A lion and an outsider on a shift of four: three seats to share, the later
    # reservation gives way.
    assert translate.fit_reservations(4, [lions, tigers], {1, 9}) == [
        lions,
        solver.Reservation("tigers", frozenset({2}), 1),
    ]


def test_a_non_member_is_refused_a_seat_still_reserved():
    lions = Team(id=1, name="Lions")
    on = shift(10, local(10, 8), max_volunteers=2)
    seats = [translate.AdoptedSeats(lions, 1, frozenset({11}), on.starts_at - timedelta(days=2))]
    early = on.starts_at - timedelta(days=3)
    refused = translate.reserved_seat_violation(on, seats, [21], 22, early)
    assert refused == solver.Violation(
        "reserved_seats",
        "the free seats are reserved for team Lions until Sun 2026-03-08 08:00; only the "
        "team's members may take them before then",
        22,
        10,
    )
    assert translate.reserved_seat_violation(on, seats, [21], 11, early) is None  # a member
    late = on.starts_at - timedelta(days=1)
    assert translate.reserved_seat_violation(on, seats, [21], 22, late) is None  # released


# -- problems --------------------------------------------------------------------------


def test_the_week_problem_holds_the_week_s_rows():
    here = station(1)
    monday, tuesday = shift(10, local(2, 8), at=here), shift(11, local(3, 8), at=here)
    home = volunteer(1, home_lat=31.0, home_lon=121.0)
    homeless = volunteer(2)
    sunday_before = shift(20, local(1, 22), hours=8, at=here)
    elsewhere = Assignment(volunteer_id=1, shift_id=99)  # a shift of another week
    mine = Assignment(volunteer_id=1, shift_id=10)
    problem = translate.week_problem(
        WEEK,
        [monday, tuesday],
        [home, homeless],
        neighbouring=[(1, sunday_before)],
        adoptions=translate.Adoptions(),
        keep=[mine, elsewhere],
        previous=[mine, mine, Assignment(volunteer_id=3, shift_id=11)],  # 3: not active
        held=[],
        now=local(1, 8),
        settings=SETTINGS,
    )
    assert [s.id for s in problem.shifts] == [10, 11]
    assert [v.id for v in problem.volunteers] == [1, 2]
    assert problem.volunteers[0].fixed_duties == (
        solver.FixedDuty(local(1, 22), local(2, 6), date(2026, 3, 1)),
    )
    assert problem.volunteers[1].fixed_duties == ()
    assert dict(problem.travel_minutes) == {(1, 1): 0}
    assert problem.pinned == (solver.Assignment(volunteer=1, shift=10),)
    assert problem.previous == (solver.Assignment(volunteer=1, shift=10),)
    # A day of margin on each side of the week.
    assert (problem.first_day, problem.last_day) == (date(2026, 3, 1), date(2026, 3, 9))


def test_the_service_searches_within_the_rosters_time_on_the_configured_threads():
    # how to search is the options' (app.rosters.store), not the problem's
    options = store.solve_options(7, SETTINGS)
    assert (options.time_limit_seconds, options.workers) == (7, 2)
    assert options.method == "cp-sat"  # the week with its margin is 9 days: named


def test_added_violations_leave_out_a_breach_already_there():
    busy, free = solver.Volunteer(1, max_shifts_per_week=1), solver.Volunteer(2)
    shifts = [
        solver.Shift(10, 1, local(2, 8), local(2, 12), max_headcount=2),
        solver.Shift(11, 1, local(3, 8), local(3, 12), max_headcount=2),
    ]
    problem = solver.Problem(shifts=tuple(shifts), volunteers=(busy, free))
    # A coordinator's deliberate breach: two shifts for someone who works one a week.
    held = [translate.assignment(1, 10), translate.assignment(1, 11)]
    assert solver.validate(problem, held).violations
    assert translate.added_violations(problem, held, translate.assignment(2, 10)) == []
    added = translate.added_violations(problem, held[:1], held[1])
    assert [(a.rule, a.volunteer) for a in added] == [("weekly_shifts", 1)]
