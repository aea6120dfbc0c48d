"""The delivery-status table: one row per (notification, device), the latest attempt.

Fed by the `deliveries` topic (DeliveryAttempted, DeliveryAbandoned). The device token is
kept only as a hash (the row key) and its last eight characters (what the page shows), so
the gateway never stores, and the API never returns, a whole push token.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_gateway.channels.formatting import iso
from pushnode_shared.infra import columns as col

metadata = sa.MetaData()
deliveries = sa.Table(
    "gateway_deliveries",
    metadata,
    col.ident("notification_id", key=True),
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("token_tail", sa.String(8), nullable=False),
    sa.Column("platform", sa.String(10), nullable=False),
    sa.Column("wallet", sa.String(64), nullable=False),
    sa.Column("provider", sa.String(10), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
STATE_TABLES = [deliveries.name]
# The status of a device whose every allowed attempt failed (DeliveryAbandoned).
GAVE_UP = "GAVE_UP"
# Where a registration's platform is missing (records older than the field), the provider
# says enough: APNs is iOS, Web Push is a browser, FCM is Android or an iPhone through FCM.
PLATFORM_OF_PROVIDER = {"apns": "ios", "webpush": "web", "fcm": "android"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def record(
    session: AsyncSession,
    *,
    notification_id: str,
    token: str,
    wallet: str,
    provider: str,
    platform: str | None,
    status: str,
    detail: str,
    attempts: int,
    at: datetime,
) -> None:
    """Fold one outcome in: a later attempt replaces an earlier one, never the other way.

    A crash-replayed earlier attempt must not turn a status back, and at the same attempt
    a give-up (which follows that attempt's RETRY) stays.
    """
    key = (deliveries.c.notification_id == notification_id) & (
        deliveries.c.token_hash == token_hash(token)
    )
    current = (
        await session.execute(sa.select(deliveries.c.attempts, deliveries.c.status).where(key))
    ).first()
    if current is not None and (
        current.attempts > attempts or (current.attempts == attempts and current.status == GAVE_UP)
    ):
        return
    await session.execute(sa.delete(deliveries).where(key))
    await session.execute(
        sa.insert(deliveries).values(
            notification_id=notification_id,
            token_hash=token_hash(token),
            token_tail=token[-8:],
            platform=platform or PLATFORM_OF_PROVIDER.get(provider, provider),
            wallet=wallet,
            provider=provider,
            status=status,
            detail=detail[:500],
            attempts=attempts,
            updated_at=iso(at),
        )
    )


async def of_notification(conn: AsyncConnection, notification_id: str) -> list[dict[str, Any]]:
    """Every device's status for one notification, in the API's shape, by device."""
    rows = await conn.execute(
        sa.select(deliveries)
        .where(deliveries.c.notification_id == notification_id)
        .order_by(deliveries.c.platform, deliveries.c.token_tail, deliveries.c.token_hash)
    )
    return [
        {
            "device": f"{row.platform}:\u2026{row.token_tail}",
            "wallet": row.wallet if ":" in row.wallet else f"eip155:{row.wallet}",
            "provider": row.provider,
            "status": row.status,
            "detail": row.detail,
            "attempts": row.attempts,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]
