"""notification preferences: reminder lead times, quiet hours, unsubscribed kinds

Revision ID: b2c3d4e5f6a8
Revises: a1b2c3d4e5f7
Create Date: 2026-12-06 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2c3d4e5f6a8"
down_revision: str | None = "a1b2c3d4e5f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_preference") as batch:
        batch.add_column(sa.Column("reminder_minutes", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("quiet_hours", sa.String(length=11), nullable=True))
        batch.add_column(
            sa.Column("muted_kinds", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_preference") as batch:
        batch.drop_column("muted_kinds")
        batch.drop_column("quiet_hours")
        batch.drop_column("reminder_minutes")
