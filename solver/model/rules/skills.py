"""Skills: required skills are held by everyone on a shift; a skill seat
(`Shift.skill_needs`) is only taken by a holder of that skill, one seat per person."""

from solver.model.variables import Variables
from solver.problem import Problem, Shift, Volunteer


def has_required_skills(problem: Problem, v: Volunteer, s: Shift) -> bool:
    return s.required_skills <= v.skills


def skill_seats_only_for_holders(variables: Variables) -> list:
    p, m = variables.problem, variables.model
    for si, s in enumerate(p.shifts):
        if not s.skill_needs:
            continue
        for skill, need in s.skill_needs.items():
            seats = []
            for vi in variables.volunteers_on[si]:
                if skill in p.volunteers[vi].skills:  # seat variables exist only for holders
                    seat = m.new_bool_var(f"seat_{vi}_{si}_{skill}")
                    variables.seat[vi, si, skill] = seat
                    seats.append(seat)
            if seats:
                m.add(sum(seats) <= need)
        for vi in variables.volunteers_on[si]:
            mine = [
                variables.seat[vi, si, k] for k in s.skill_needs if (vi, si, k) in variables.seat
            ]
            if mine:
                m.add(sum(mine) <= variables.x[vi, si])  # one seat per person, only if on shift
    return []
