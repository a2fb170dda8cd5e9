"""signing keys of the service: the one that signs one-click unsubscribe links

Revision ID: c3d4e5f6a7b9
Revises: e8f2b0c4d6a3
Create Date: 2026-12-06 19:00:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d4e5f6a7b9"
down_revision: str | None = "e8f2b0c4d6a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    signing_key = op.create_table(
        "signing_key",
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_signing_key")),
    )
    # Made here, once per database, so that every process finds the same key.
    op.bulk_insert(signing_key, [{"purpose": "unsubscribe", "secret": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("signing_key")
