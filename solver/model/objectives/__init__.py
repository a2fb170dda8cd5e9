"""Soft goals, one module each, in decreasing order of weight.

Each `build(variables)` adds whatever helper variables it needs and returns its
objective terms as a linear expression (constant offsets included), so the model
can report the value of every goal on its own.
"""

from solver.model.objectives import (
    changes,
    coverage,
    fairness,
    preferences,
    requests,
    skill_needs,
    travel,
)

GOALS = {
    "coverage": coverage.cover_every_shift_by_priority,
    "skill_needs": skill_needs.fill_skill_seats,
    "preferences": preferences.prefer_liked_times_and_stations,
    "requests": requests.honour_day_requests,
    "fairness": fairness.share_hours_by_capacity,
    "travel": travel.short_travel,
    "changes": changes.few_changes_against_previous_roster,
}
