"""create entries

Revision ID: c4d2e8f1a9b0
Revises:
Create Date: 2026-12-01 10:20:00
"""
from alembic import op

revision = "c4d2e8f1a9b0"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE entries (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            account_name text NOT NULL,
            amount_cents bigint NOT NULL,
            booked_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE entries")
