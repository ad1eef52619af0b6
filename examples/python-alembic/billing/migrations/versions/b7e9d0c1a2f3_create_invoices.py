"""create invoices

Revision ID: b7e9d0c1a2f3
Revises: a1f3c2d4e5b6
Create Date: 2026-11-09 14:03:10
"""
from alembic import op

revision = "b7e9d0c1a2f3"
down_revision = "a1f3c2d4e5b6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE invoices (
            id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
            account_id uuid NOT NULL REFERENCES accounts (id),
            total_cents bigint NOT NULL CHECK (total_cents >= 0)
        )
        """
    )
    op.execute("CREATE INDEX invoices_account_id ON invoices (account_id)")


def downgrade() -> None:
    op.execute("DROP TABLE invoices")
