"""digests: one row per local day on which the coordinators' digest was sent

Revision ID: e8f2b0c4d6a3
Revises: d7e1a9b3c5f2
Create Date: 2026-12-06 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "e8f2b0c4d6a3"
down_revision: str | None = "d7e1a9b3c5f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_run",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mails_sent", sa.Integer(), nullable=False),
        sa.Column("chat_sent", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_digest_run")),
    )


def downgrade() -> None:
    op.drop_table("digest_run")
