"""create accounts

Revision ID: a1f3c2d4e5b6
Revises:
Create Date: 2026-11-02 09:12:44
"""
from alembic import op

revision = "a1f3c2d4e5b6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # uuid_generate_v4() comes from uuid-ossp, which db/init.sql creates in the billing
    # database (database.init) before any tenant migrates.
    op.execute(
        """
        CREATE TABLE accounts (
            id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
            name text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE accounts")
