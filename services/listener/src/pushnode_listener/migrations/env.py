"""Alembic environment: the shared runner applies migrations on the caller's connection."""

from pushnode_shared.infra.db import run_migrations_env

run_migrations_env()
