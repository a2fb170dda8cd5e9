"""Independent checker: re-checks every hard rule and recomputes the objective.

It reads only the Problem and a list of assignments, in plain Python, and shares
no code with the CP-SAT model, so a modelling mistake cannot hide itself. The rules
over one volunteer's shifts are one checker each (`check.rules`); `check.validate`
runs them with the static and per-shift rules and the objective.
"""
