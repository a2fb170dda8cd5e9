"""reliability: cancelled shifts, a CHECK on shift times, availability modes, withdrawn phones

Revision ID: b4e8f2a6c1d0
Revises: d7a1c0f3b9e2
Create Date: 2026-12-06 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "b4e8f2a6c1d0"
down_revision: str | None = "d7a1c0f3b9e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancelled_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Shifts generated across a daylight-saving change before this fix may end at or
    # before their start. They are cancelled with their duties (a regenerated week
    # makes them right), and given one minute so that the CHECK below holds.
    broken = sa.text("ends_at <= starts_at")
    op.execute(
        sa.text(
            "UPDATE assignment SET status = 'cancelled', cancelled_at = CURRENT_TIMESTAMP, "
            "cancel_reason = 'shift cancelled' WHERE status = 'scheduled' "
            f"AND shift_id IN (SELECT id FROM shift WHERE {broken})"
        )
    )
    minute_later = (
        "starts_at + INTERVAL '1 minute'"
        if op.get_bind().dialect.name == "postgresql"
        else "datetime(starts_at, '+1 minute')"
    )
    op.execute(
        sa.text(
            f"UPDATE shift SET cancelled_at = CURRENT_TIMESTAMP, ends_at = {minute_later} "
            f"WHERE {broken}"
        )
    )
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.create_check_constraint("ends_after_start", "ends_at > starts_at")

    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "availability_mode",
                sa.String(length=10),
                nullable=False,
                server_default="windows",
            )
        )
    # Until now a volunteer without weekly windows counted as available at any time;
    # their records keep meaning what they meant.
    op.execute(
        sa.text(
            "UPDATE volunteer SET availability_mode = 'any_time' WHERE NOT EXISTS "
            "(SELECT 1 FROM availability_window w WHERE w.volunteer_id = volunteer.id)"
        )
    )
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.alter_column("availability_mode", server_default=None)

    op.create_table(
        "withdrawn_phone",
        sa.Column("phone_digest", sa.String(length=64), nullable=False),
        sa.Column("withdrawn_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_digest", name=op.f("pk_withdrawn_phone")),
    )


def downgrade() -> None:
    op.drop_table("withdrawn_phone")
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_column("availability_mode")
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.drop_constraint("ends_after_start", type_="check")
        batch_op.drop_column("cancelled_at")
