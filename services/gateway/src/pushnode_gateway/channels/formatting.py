"""Registry rows as the SDK reads them (channel details, subscriptions, delegates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eth_utils.address import to_checksum_address

from pushnode_gateway.models import ChannelPublic, DelegationPublic, SubscriberPublic

# Identity type 1 is `1+<ipfs cid>`: the channel's metadata JSON lives on IPFS.
IPFS_IDENTITY = "1"


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with a Z, as Push's API writes timestamps."""
    return moment.isoformat().replace("+00:00", "Z")


def ipfs_hash(identity: str) -> str | None:
    """The CID of an IPFS identity (`1+<cid>`), else None."""
    kind, _, rest = identity.partition("+")
    return (rest or None) if kind == IPFS_IDENTITY else None


def caip10(chain_id: int, address: str) -> str:
    """`eip155:<chain>:<checksummed address>`."""
    return f"eip155:{chain_id}:{to_checksum_address(address)}"


def channel_public(row: dict[str, Any], meta: dict[str, Any] | None = None) -> ChannelPublic:
    """One channel. Name, info, url and icon come from its uploaded metadata, else null."""
    meta = meta or {}
    return ChannelPublic(
        channel=to_checksum_address(row["channel"]),
        name=meta.get("name"),
        info=meta.get("info"),
        url=meta.get("url"),
        icon=meta.get("icon"),
        ipfshash=ipfs_hash(row["identity"]),
        activation_status=int(row["active"]),
        blocked=int(row["blocked"]),
        timestamp=row["created_at"],
        subscriber_count=row["subscriber_count"],
        chain_id=row["chain_id"],
        channel_type=row["channel_type"],
        identity=row["identity"],
        created_block=row["created_block"],
    )


def channels_public(
    rows: list[dict[str, Any]],
    metas: dict[str, dict[str, Any]],
    aliases: dict[str, dict[str, Any]],
) -> list[ChannelPublic]:
    """Channel rows with the metadata of their IPFS identities (by CID) and their aliases."""
    answers = []
    for row in rows:
        answer = channel_public(row, metas.get(ipfs_hash(row["identity"]) or ""))
        alias = aliases.get(row["channel"])
        if alias is not None:
            answer = answer.model_copy(
                update={
                    "alias_address": to_checksum_address(alias["alias"]),
                    "alias_blockchain_id": str(alias["alias_chain_id"]),
                    "is_alias_verified": 1,
                }
            )
        answers.append(answer)
    return answers


def subscriber_public(row: dict[str, Any], settings: str | None = None) -> SubscriberPublic:
    """One subscriber of a channel, with its notification settings (JSON text) if it chose any."""
    return SubscriberPublic(subscriber=to_checksum_address(row["subscriber"]), settings=settings)


def delegation_public(row: dict[str, Any]) -> DelegationPublic:
    """One channel a wallet may send for, on one chain."""
    return DelegationPublic(
        channel=to_checksum_address(row["channel"]),
        chain_id=row["chain_id"],
        channel_caip=caip10(row["chain_id"], row["channel"]),
    )
