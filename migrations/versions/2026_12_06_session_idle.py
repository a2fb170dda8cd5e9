"""browser sessions end after a while unused

Revision ID: c3d5e7f9a1b2
Revises: b4e8f2a6c1d0
Create Date: 2026-12-06 13:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "c3d5e7f9a1b2"
down_revision: str | None = "b4e8f2a6c1d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idle_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("last_used_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("access_token", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("idle_minutes")
