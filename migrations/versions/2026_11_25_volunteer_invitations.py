"""volunteer invitations: imported volunteers claim their record

Revision ID: 5c0d9a7e41b2
Revises: e2e6875929d1
Create Date: 2026-11-25 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "5c0d9a7e41b2"
down_revision: str | None = "e2e6875929d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitation_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("invitation_expires_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_volunteer_invitation_hash"), ["invitation_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_volunteer_invitation_hash"), type_="unique")
        batch_op.drop_column("invitation_expires_at")
        batch_op.drop_column("invitation_hash")
