"""Dispatcher tables: device registry and delivery status (projections), and the send log."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra import columns as col
from pushnode_shared.infra.db import offsets_table
from pushnode_shared.protocol.periods import covering, period_tables

metadata = sa.MetaData()
devices = sa.Table(
    "dispatcher_devices",
    metadata,
    col.address("wallet", key=True),
    sa.Column("device_token", sa.String(4096), primary_key=True),
    sa.Column("platform", sa.String(10), nullable=False),
    sa.Column("apn_token", sa.Text, nullable=True),
    # The configured app the token belongs to; NULL: the node's default app.
    sa.Column("app", sa.String(64), nullable=True),
)
deliveries = sa.Table(
    "dispatcher_deliveries",
    metadata,
    col.ident("notification_id", key=True),
    sa.Column("device_token", sa.String(4096), primary_key=True),
    col.address("wallet"),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
)
# The sender's own record of what it handed to a provider; kept across rebuilds so a
# replay never pushes twice.
sends = sa.Table(
    "dispatcher_sends",
    metadata,
    col.ident("notification_id", key=True),
    sa.Column("device_token", sa.String(4096), primary_key=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    # The number of the latest attempt handed to the provider (1 for the first send).
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    # The provider's whole answer, so a replay can publish the facts without pushing again.
    col.address("wallet", nullable=True),
    sa.Column("provider", sa.String(10), nullable=True),
    sa.Column("platform", sa.String(10), nullable=True),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("retry_after", sa.Float, nullable=True),
)
# Subscription periods folded from protocol-decisions: who a broadcast reaches.
# Notifications withdrawn after acceptance (a reorg removed their log): never pushed.
withdrawn = sa.Table(
    "dispatcher_withdrawn",
    metadata,
    col.ident("notification_id", key=True),
    sa.Column("reason", sa.String(40), nullable=False),
)
PERIODS = period_tables(metadata, "dispatcher")
offsets = offsets_table(metadata, "dispatcher")
STATE_TABLES = [devices.name, deliveries.name, withdrawn.name, *PERIODS.names]
# The status a device ends in when every allowed attempt failed with a retryable answer.
GAVE_UP = "GAVE_UP"


@dataclass(frozen=True, slots=True)
class Device:
    """One registered device: its token, platform and app ("" for the default app)."""

    token: str
    platform: str
    app: str = ""


async def upsert_device(
    session: AsyncSession,
    wallet: str,
    token: str,
    platform: str,
    apn_token: str | None,
    app: str | None = None,
) -> None:
    """Register (or refresh) a device token for a wallet."""
    where = (devices.c.wallet == wallet) & (devices.c.device_token == token)
    await session.execute(sa.delete(devices).where(where))
    await session.execute(
        sa.insert(devices).values(
            wallet=wallet, device_token=token, platform=platform, apn_token=apn_token, app=app
        )
    )


async def remove_device(session: AsyncSession, wallet: str, token: str) -> None:
    """Forget a device token."""
    where = (devices.c.wallet == wallet) & (devices.c.device_token == token)
    await session.execute(sa.delete(devices).where(where))


async def devices_of(session: AsyncSession, wallet: str) -> list[Device]:
    """Every device registered for the wallet."""
    rows = await session.execute(
        sa.select(devices.c.device_token, devices.c.platform, devices.c.app)
        .where(devices.c.wallet == wallet)
        .order_by(devices.c.device_token)
    )
    return [Device(r.device_token, r.platform, r.app or "") for r in rows]


async def devices_reached(
    session: AsyncSession, channel: str, position: int
) -> list[tuple[str, Device]]:
    """(wallet, device) for the devices of the channel's subscribers at `position`."""
    p = PERIODS.periods.c
    rows = await session.execute(
        sa.select(devices.c.wallet, devices.c.device_token, devices.c.platform, devices.c.app)
        .select_from(PERIODS.periods.join(devices, devices.c.wallet == p.subscriber))
        .where((p.channel == channel) & covering(PERIODS, position))
        .order_by(devices.c.wallet, devices.c.device_token)
    )
    return [(r.wallet, Device(r.device_token, r.platform, r.app or "")) for r in rows]


async def record_delivery(
    session: AsyncSession,
    nid: str,
    token: str,
    wallet: str,
    outcome: str,
    detail: str,
    attempt: int,
) -> None:
    """Fold one DeliveryAttempted into the status table (the latest attempt wins).

    One statement per outcome (there is one per push): a re-published earlier attempt (sender
    crash between publish and commit) must not turn a later status back, so an existing row
    is only overwritten by an attempt at least as late.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(deliveries).values(
        notification_id=nid,
        device_token=token,
        wallet=wallet,
        outcome=outcome,
        detail=detail,
        attempts=attempt,
    )
    changed = ("wallet", "outcome", "detail", "attempts")
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[deliveries.c.notification_id, deliveries.c.device_token],
            set_={name: statement.excluded[name] for name in changed},
            where=deliveries.c.attempts <= statement.excluded.attempts,
        )
    )


async def record_abandoned(
    session: AsyncSession, nid: str, token: str, wallet: str, attempts: int, detail: str
) -> None:
    """Fold one DeliveryAbandoned: the device's status for the notification is GAVE_UP."""
    await record_delivery(session, nid, token, wallet, GAVE_UP, detail, attempts)


async def registration(session: AsyncSession, wallet: str, token: str) -> Device | None:
    """The token's registration for the wallet, or None if it is no longer registered."""
    where = (devices.c.wallet == wallet) & (devices.c.device_token == token)
    query = sa.select(devices.c.platform, devices.c.app).where(where)
    row = (await session.execute(query)).first()
    return None if row is None else Device(token, row.platform, row.app or "")
