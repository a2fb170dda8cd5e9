"""indexes of the hot access paths: a station's shifts by time, a district-week's
rosters, the duties still scheduled (issue 28)

- shift (station_id, starts_at) replaces ix_shift_station_id: the kiosk's duty board
  and a station's hours read one station's shifts of a day; without it PostgreSQL
  scanned every shift ever made (EXPLAIN in tests/benchmarks/explain.py).
- roster (district_id, week) replaces ix_roster_district_id: the published roster of
  a district-week (open seats, sign-ups, publishing, the console).
- assignment (shift_id) WHERE status = 'scheduled': the no-show sweep of every duty
  board, hours page and report looks for ended duties still scheduled; the table
  keeps every past duty, so without it the sweep scanned them all.

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-07 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8c9d0e1f2a3"
down_revision: str | None = "a7b8c9d0e1f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULED = sa.text("status = 'scheduled'")


def upgrade() -> None:
    op.create_index("ix_shift_station_id_starts_at", "shift", ["station_id", "starts_at"])
    op.drop_index("ix_shift_station_id", table_name="shift")
    op.create_index("ix_roster_district_id_week", "roster", ["district_id", "week"])
    op.drop_index("ix_roster_district_id", table_name="roster")
    op.create_index(
        "ix_assignment_scheduled_shift_id",
        "assignment",
        ["shift_id"],
        sqlite_where=SCHEDULED,
        postgresql_where=SCHEDULED,
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_scheduled_shift_id", table_name="assignment")
    op.create_index("ix_roster_district_id", "roster", ["district_id"])
    op.drop_index("ix_roster_district_id_week", table_name="roster")
    op.create_index("ix_shift_station_id", "shift", ["station_id"])
    op.drop_index("ix_shift_station_id_starts_at", table_name="shift")
