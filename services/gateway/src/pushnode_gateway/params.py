"""Shared read parameters: CAIP path segments and the SDK's page/limit (default 10, max 50)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from pushnode_gateway.errors import ApiError
from pushnode_shared.protocol.caip import Account, BadAddress, parse_account

# A bound keeps (page - 1) * limit inside a 64-bit OFFSET: past it the database, not the
# request, would fail (a 500 found by the fuzz test). A million pages of 50 is plenty.
MAX_PAGE = 1_000_000
PageQuery = Annotated[int, Query(ge=1, le=MAX_PAGE)]
LimitQuery = Annotated[int, Query(ge=1, le=50)]


def account_or_400(text: str) -> Account:
    """Parse a CAIP-10, partial CAIP or bare address; a 400 BAD_ADDRESS otherwise."""
    try:
        return parse_account(text)
    except BadAddress as exc:
        raise ApiError(400, "BAD_ADDRESS", str(exc)) from exc
