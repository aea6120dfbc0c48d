"""Columns the services' tables share: an address, a chain id, an id, each sized in one place.

Each is NOT NULL unless the caller says `nullable=True` (a key column always is), since nearly
every projection column must hold a value. Migrations keep their own literal columns: they are
history and must not change when a helper does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

ADDRESS_LENGTH = 42  # 0x and 40 hex digits: a channel, a wallet, a delegate, an alias
ID_LENGTH = 64  # room for every id the node makes: a uuid (36) or a sha-256 in hex (64)


def address(name: str, *, key: bool = False, nullable: bool = False, **kw: Any) -> sa.Column[str]:
    """An EVM address column."""
    return _column(name, sa.String(ADDRESS_LENGTH), key, nullable, kw)


def ident(name: str, *, key: bool = False, nullable: bool = False, **kw: Any) -> sa.Column[str]:
    """An id column: a notification's, an event's, a message's, an opt-in's."""
    return _column(name, sa.String(ID_LENGTH), key, nullable, kw)


def chain_id(*, key: bool = False, nullable: bool = False) -> sa.Column[int]:
    """The EIP-155 chain id column, named `chain_id`."""
    return _column("chain_id", sa.BigInteger(), key, nullable, {})


def _column(
    name: str, type_: sa.types.TypeEngine[Any], key: bool, nullable: bool, kw: dict[str, Any]
) -> sa.Column[Any]:
    if key:
        return sa.Column(name, type_, primary_key=True, **kw)
    return sa.Column(name, type_, nullable=nullable, **kw)
