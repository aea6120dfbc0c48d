"""PostgreSQL of the dev stack: the role per service (roles.py)."""
