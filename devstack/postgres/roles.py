"""The dev stack's PostgreSQL role per service: create them in a database, give each its URL.

    roles.py <database_url>          create the roles (roles.sql) and print their URLs
    roles.py --urls <database_url>   only print the URLs (the roles exist already)

Prints `export <SERVICE>_DATABASE_URL=...` lines for a shell to eval: the services read
their own variable before the shared DATABASE_URL (pushnode_shared.infra.settings).
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

SERVICES = ("listener", "validator", "storage", "dispatcher", "gateway")
ROLES_SQL = Path(__file__).with_name("roles.sql")


def ensure_roles(database_url: str) -> None:
    """Create the five roles if missing and let them create tables in this database."""
    with psycopg.connect(_libpq(database_url), autocommit=True) as conn:
        conn.execute(ROLES_SQL.read_bytes())


def service_url(database_url: str, service: str) -> str:
    """The same database and server as database_url, logged in as the service's role."""
    parts = urlsplit(database_url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{service}:{service}@{host}"))


def service_urls(database_url: str) -> dict[str, str]:
    """<SERVICE>_DATABASE_URL for each service."""
    return {f"{s.upper()}_DATABASE_URL": service_url(database_url, s) for s in SERVICES}


def _libpq(url: str) -> str:
    # SQLAlchemy's driver suffix (postgresql+asyncpg://) means nothing to libpq.
    scheme, _, rest = url.partition("://")
    return f"{scheme.partition('+')[0]}://{rest}"


def main(argv: list[str]) -> int:
    urls_only = argv[:1] == ["--urls"]
    args = argv[1:] if urls_only else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    if not urls_only:
        ensure_roles(args[0])
    for name, url in service_urls(args[0]).items():
        print(f"export {name}={url}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
