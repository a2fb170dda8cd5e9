"""service certificates

Revision ID: e5f6a7b8c9d0
Revises: c3d5e7f9a1b2
Create Date: 2026-12-06 15:22:03.843936

A volunteer's certificate of verified hours over a period, with its hours per
station as issued, and its revocation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

revision: str = "e5f6a7b8c9d0"
down_revision: str | None = "c3d5e7f9a1b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column(
            "station_hours",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("masked_name", sa.String(length=100), nullable=False),
        sa.Column("issued_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_certificate_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["account.id"], name=op.f("fk_certificate_revoked_by_account")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"], name=op.f("fk_certificate_volunteer_id_volunteer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("code", name=op.f("uq_certificate_code")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_district_id"))

    op.drop_table("certificate")
