"""create entries

Revision ID: c4d5e6f7a8b9
Revises:
Create Date: 2026-11-16 10:20:31
"""
from alembic import op

revision = "c4d5e6f7a8b9"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # uuid-ossp: created in the ledger database by db/init.sql, before any tenant migrates.
    op.execute(
        """
        CREATE TABLE entries (
            id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
            account_id uuid NOT NULL,
            amount_cents bigint NOT NULL,
            booked_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE entries")
