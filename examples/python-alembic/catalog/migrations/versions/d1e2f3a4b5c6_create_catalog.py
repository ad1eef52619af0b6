"""create the catalog's tables

Revision ID: d1e2f3a4b5c6
Revises:
Create Date: 2026-12-04 21:40:00
"""
from alembic import op

from models import Base

revision = "d1e2f3a4b5c6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every model's table (with its enum type and indexes) in the tenant's schema, which env.py
    # put first on the search_path: the first revision of an app whose models came first. The
    # schema is new, so nothing is looked up first (checkfirst=False: one query per object saved).
    Base.metadata.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    Base.metadata.drop_all(op.get_bind())
