"""swap offers: a volunteer offers a duty, another takes it over

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-12-06 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "f6a7b8c9d0e1"
down_revision: str | None = "e5f6a7b8c9d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "swap_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("offered_by", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("new_assignment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["volunteer.id"], name=op.f("fk_swap_offer_accepted_by_volunteer")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_swap_offer_assignment_id_assignment"),
        ),
        sa.ForeignKeyConstraint(
            ["new_assignment_id"],
            ["assignment.id"],
            name=op.f("fk_swap_offer_new_assignment_id_assignment"),
        ),
        sa.ForeignKeyConstraint(
            ["offered_by"], ["volunteer.id"], name=op.f("fk_swap_offer_offered_by_volunteer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swap_offer")),
    )
    with op.batch_alter_table("swap_offer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_swap_offer_assignment_id"), ["assignment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_swap_offer_offered_by"), ["offered_by"], unique=False)
        batch_op.create_index(
            "uq_swap_offer_open_assignment",
            ["assignment_id"],
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("swap_offer", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_swap_offer_open_assignment", sqlite_where=OPEN, postgresql_where=OPEN
        )
        batch_op.drop_index(batch_op.f("ix_swap_offer_offered_by"))
        batch_op.drop_index(batch_op.f("ix_swap_offer_assignment_id"))
    op.drop_table("swap_offer")
