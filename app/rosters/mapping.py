"""Database rows -> solver problem: the bridge between app/ and solver/, in two halves.

- app/rosters/queries.py reads: the district-week's shifts, its volunteers with their
  availability, the rosters and their live duties, the adoptions of seats. ORM rows
  and plain data; no solver object is made there.
- app/rosters/translate.py makes the solver's objects of those rows, with the
  settings and dates as arguments: no session, no SQL. It is the one place in app/
  that builds a `solver.Problem`, `Shift`, `Volunteer`, `Assignment` or
  `Reservation`, so what the solver is told about the database reads in one file.

Callers use the two halves directly; build_problem, which reads a district-week and
translates it in one call, is the one function that needs both.
"""

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

import solver
from app.db import utcnow
from app.rosters import queries, translate
from app.rosters.models import Assignment
from app.settings import Settings, get_settings
from app.shifts.models import Shift


def build_problem(
    session: Session,
    district_id: int,
    week: str,
    *,
    keep: Iterable[Assignment] = (),
    previous: Iterable[Assignment] = (),
    settings: Settings | None = None,
    only_volunteers: Collection[int] | None = None,
    shifts: Sequence[Shift] | None = None,
    held: Iterable[Assignment] = (),
    now: datetime | None = None,
) -> solver.Problem:
    """The district-week as a solver problem.

    `keep` are assignments to pin (manual and pinned ones); `previous` is the last
    published roster, which the solver changes as little as it can. `only_volunteers`
    leaves the others out: each volunteer's rules concern their own duties only, so a
    few volunteers' checks need no more than them. `shifts` are the week's shifts when
    the caller has read them already.

    Shifts starting later than `now` + the release time carry their teams' reserved
    seats, made smaller where people who stay on a shift whatever the solver does
    (`keep`, and `held`: a repair's published duties) need them.
    """
    settings = settings or get_settings()
    keep, held = list(keep), list(held)
    if shifts is None:
        shifts = queries.week_shifts(session, district_id, week)
    volunteers = queries.district_volunteers(session, district_id, only_volunteers)
    neighbouring = queries.neighbouring_duties(
        session, district_id, week, (v.id for v in volunteers)
    )
    adoptions = queries.adoptions_at(session, shifts)
    return translate.week_problem(
        week,
        shifts,
        volunteers,
        neighbouring=neighbouring,
        adoptions=adoptions,
        keep=keep,
        previous=previous,
        held=held,
        now=now or utcnow(),
        settings=settings,
    )
