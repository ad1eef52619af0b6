"""The catalog's models: 120 mapped classes, the weight of a mid-size app's models package.

Importing this module is what makes each `alembic` process of this service cost 0.6-0.7 s here
(Python's start, SQLAlchemy's, then mapping every class): env.py imports it, as most env.py files
import their app's models for autogenerate. The classes are made in a loop rather than written out
one by one; what costs is SQLAlchemy's mapping and configuration of each class, not reading the
file (Python caches the compiled module in __pycache__).
"""

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

KINDS = ("product", "variant", "price", "stock", "supplier", "category")
COUNT = 120


def _model(index: int) -> type:
    name = f"{KINDS[index % len(KINDS)]}_{index}"
    columns = {
        "__tablename__": name,
        "id": sa.Column(sa.Integer, primary_key=True),
        "code": sa.Column(sa.String(64), nullable=False, unique=True),
        "title": sa.Column(sa.String(200), nullable=False, index=True),
        "amount": sa.Column(sa.Numeric(12, 2), nullable=False, server_default="0"),
        "attributes": sa.Column(sa.JSON),
        "state": sa.Column(sa.Enum("draft", "live", "retired", name=f"{name}_state")),
        "created_at": sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        "notes": sa.Column(sa.Text),
    }
    if index > 0:
        parent = f"{KINDS[(index - 1) % len(KINDS)]}_{index - 1}"
        columns["parent_id"] = sa.Column(sa.Integer, sa.ForeignKey(f"{parent}.id"), index=True)
        columns["parent"] = relationship(f"Model{index - 1}")
    return type(f"Model{index}", (Base,), columns)


MODELS = [_model(i) for i in range(COUNT)]
sa.orm.configure_mappers()
