"""Hard rules, one module each.

Static rules expose `allows(problem, volunteer, shift)`: a pair they forbid gets no
variable at all. Rules that link several assignments expose `build(variables)`, which
adds constraints and returns objective terms (always none for hard rules).
"""

from solver.model.rules import (
    availability,
    fixed_duties,
    forbidden,
    max_consecutive_days,
    max_headcount,
    max_weekends,
    min_consecutive,
    minimum_rest,
    night_shifts,
    no_overlap,
    pinned,
    reserved_seats,
    shift_kinds,
    shifts_per_day,
    skills,
    successions,
    total_minutes,
    travel_limit,
    weekly_hours,
    weekly_shifts,
)

STATIC = (
    forbidden.is_not_forbidden,
    availability.is_available,
    skills.has_required_skills,
    shift_kinds.may_work_kind,
    travel_limit.lives_within_travel_limit,
    fixed_duties.clears_fixed_duties,
)

LINKED = (
    pinned.pinned_assignments_are_kept,
    max_headcount.at_most_max_headcount,
    reserved_seats.non_members_within_caps,
    skills.skill_seats_only_for_holders,
    no_overlap.no_two_overlapping_shifts,
    minimum_rest.minimum_rest_between_shifts,
    shifts_per_day.at_most_n_shifts_per_day,
    weekly_hours.at_most_max_minutes_per_week,
    weekly_shifts.at_most_max_shifts_per_week,
    total_minutes.total_minutes_within_bounds,
    shift_kinds.at_most_max_shifts_per_kind,
    successions.no_forbidden_successions,
    max_consecutive_days.at_most_max_consecutive_days,
    min_consecutive.at_least_min_consecutive_days,
    min_consecutive.at_least_min_consecutive_days_off,
    max_weekends.at_most_max_weekends,
    night_shifts.at_most_max_night_shifts_per_week,
)
