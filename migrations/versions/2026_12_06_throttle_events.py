"""throttle events: failed sign-ins and registrations counted across processes

Revision ID: d7a1c0f3b9e2
Revises: 5c0d9a7e41b2
Create Date: 2026-12-06 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "d7a1c0f3b9e2"
down_revision: str | None = "5c0d9a7e41b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "throttle_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_event")),
    )
    op.create_index(
        op.f("ix_throttle_event_created_at"), "throttle_event", ["created_at"], unique=False
    )
    op.create_index(
        "ix_throttle_event_scope_key_created",
        "throttle_event",
        ["scope", "key_digest", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_throttle_event_scope_key_created", table_name="throttle_event")
    op.drop_index(op.f("ix_throttle_event_created_at"), table_name="throttle_event")
    op.drop_table("throttle_event")
