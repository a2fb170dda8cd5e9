"""short-notice cover: a seat that opens shortly before its shift, and its offers

Revision ID: f9a0b1c2d3e4
Revises: c3d4e5f6a7b9
Create Date: 2026-12-06 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "f9a0b1c2d3e4"
down_revision: str | None = "c3d4e5f6a7b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seat_cover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("waves", sa.Integer(), nullable=False),
        sa.Column("opened_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_wave_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shift.id"], name=op.f("fk_seat_cover_shift_id_shift")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_cover")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_seat_cover_shift_id")),
    )
    op.create_index(
        op.f("ix_seat_cover_next_wave_at"), "seat_cover", ["next_wave_at"], unique=False
    )
    op.create_table(
        "cover_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cover_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("offered_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("settled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cover_id"],
            ["seat_cover.id"],
            name=op.f("fk_cover_offer_cover_id_seat_cover"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"], name=op.f("fk_cover_offer_volunteer_id_volunteer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_offer")),
        sa.UniqueConstraint(
            "cover_id",
            "round",
            "volunteer_id",
            name=op.f("uq_cover_offer_cover_id_round_volunteer_id"),
        ),
    )
    op.create_index(
        op.f("ix_cover_offer_volunteer_id"), "cover_offer", ["volunteer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cover_offer_volunteer_id"), table_name="cover_offer")
    op.drop_table("cover_offer")
    op.drop_index(op.f("ix_seat_cover_next_wave_at"), table_name="seat_cover")
    op.drop_table("seat_cover")
