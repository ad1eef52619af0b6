"""Alembic's environment, in the style most multi-tenant repos have.

The URL and the tenant schema come from the environment, so the same revisions run against
every tenant schema, locally (devup sets both from migrations.env) and in a deploy job.
"""

import os
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool, text

# models.py sits beside alembic.ini, in the directory Alembic runs in.
sys.path.insert(0, os.getcwd())

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# ConfigParser interpolation: a "%" in this value would raise, so the URL must be a plain one.
config.set_main_option("sqlalchemy.url", os.environ["SQLALCHEMY_DATABASE_URL"])
schema = os.environ.get("ALEMBIC_SCHEMA", "public")

# The app's models, imported as env.py files usually do (autogenerate, `devup check`'s drift).
from models import Base  # noqa: E402

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """`alembic upgrade --sql`: print the SQL instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        version_table_schema=schema,
    )
    with context.begin_transaction():
        context.execute(f'SET search_path TO "{schema}", public')
        context.run_migrations()


def run_migrations_online() -> None:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        # The tenant's tables in its schema; extensions (uuid-ossp) stay reachable in public.
        connection.execute(text(f'SET search_path TO "{schema}", public'))
        context.configure(connection=connection, target_metadata=target_metadata, version_table_schema=schema)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
