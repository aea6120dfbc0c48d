"""Alembic environment: the shared runner applies migrations on the caller's connection."""

from pushnode_shared.db import run_migrations_env

run_migrations_env()
