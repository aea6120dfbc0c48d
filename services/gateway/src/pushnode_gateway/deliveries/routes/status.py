"""GET /apis/v1/payloads/{sid}/deliveries: how each device's push of a notification went."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pushnode_gateway.deliveries.adapters import store as deliveries_store
from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.errors import ApiError

router = APIRouter(tags=["deliveries"])
# A notification id (the feed item's sid) fits the dispatcher's 64-character key.
SID_LIMIT = 64


@router.get("/v1/payloads/{sid}/deliveries")
async def deliveries(sid: str, database: DatabaseDep) -> dict[str, Any]:
    """Per-device status: empty while nothing was pushed (or nothing is registered)."""
    if not sid or len(sid) > SID_LIMIT:
        raise ApiError(400, "BAD_SID", f"sid must be 1 to {SID_LIMIT} characters")
    async with database.engine.connect() as conn:
        rows = await deliveries_store.of_notification(conn, sid)
    return {"sid": sid, "deliveries": rows}
