"""The Push Core/Comm events the listener decodes, keyed by topic0 (typos are part of the ABI).

Every event that concerns a channel is followed, in every known version (a version with other
parameter types has another topic0). Events about stakers, chat incentives and public keys
name no channel and are left out: nothing downstream reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from eth_utils.crypto import keccak


@dataclass(frozen=True)
class Param:
    """One event parameter."""

    name: str
    type: str
    indexed: bool


@dataclass(frozen=True)
class EventAbi:
    """An event signature, its topic0, and which argument names the channel."""

    name: str
    params: tuple[Param, ...]
    channel_arg: str

    @cached_property
    def signature(self) -> str:
        """Canonical signature, e.g. AddChannel(address,uint8,bytes)."""
        return f"{self.name}({','.join(p.type for p in self.params)})"

    @cached_property
    def indexed(self) -> tuple[Param, ...]:
        """The parameters carried in topics 1..3, in order."""
        return tuple(p for p in self.params if p.indexed)

    @cached_property
    def plain(self) -> tuple[Param, ...]:
        """The parameters ABI-encoded in the data, in order."""
        return tuple(p for p in self.params if not p.indexed)

    @cached_property
    def plain_types(self) -> tuple[str, ...]:
        """The types of the data part, for eth-abi."""
        return tuple(p.type for p in self.plain)

    @cached_property
    def topic0(self) -> str:
        """keccak256 of the signature, 0x-hex."""
        return "0x" + keccak(text=self.signature).hex()


def _ev(name: str, channel_arg: str, *params: tuple[str, str, bool]) -> EventAbi:
    return EventAbi(name, tuple(Param(*p) for p in params), channel_arg)


EVENTS: tuple[EventAbi, ...] = (
    _ev(
        "AddChannel",
        "channel",
        ("channel", "address", True),
        ("channelType", "uint8", True),
        ("identity", "bytes", False),
    ),
    _ev(
        "UpdateChannel",
        "channel",
        ("channel", "address", True),
        ("identity", "bytes", False),
        ("amountDeposited", "uint256", True),
    ),
    _ev(
        "DeactivateChannel",
        "channel",
        ("channel", "address", True),
        ("amountRefunded", "uint256", True),
    ),
    _ev(
        "ReactivateChannel",
        "channel",
        ("channel", "address", True),
        ("amountDeposited", "uint256", True),
    ),
    # PushCoreV1 (pushContracts-v1.0) emitted UpdateChannel without the amount: another topic0.
    _ev("UpdateChannel", "channel", ("channel", "address", True), ("identity", "bytes", False)),
    _ev("ChannelBlocked", "channel", ("channel", "address", True)),
    _ev(
        "ChannelVerified",
        "channel",
        ("channel", "address", True),
        ("verifier", "address", True),
    ),
    _ev(
        "ChannelVerificationRevoked",
        "channel",
        ("channel", "address", True),
        ("revoker", "address", True),
    ),
    _ev(
        "ChannelNotifcationSettingsAdded",
        "_channel",
        ("_channel", "address", False),
        ("totalNotifOptions", "uint256", False),
        ("_notifSettings", "string", False),
        ("_notifDescription", "string", False),
    ),
    _ev("AddSubGraph", "channel", ("channel", "address", True), ("_subGraphData", "bytes", False)),
    _ev(
        "TimeBoundChannelDestroyed",
        "channel",
        ("channel", "address", True),
        ("amountRefunded", "uint256", True),
    ),
    _ev(
        "ChannelOwnershipTransfer",
        "channel",
        ("channel", "address", True),
        ("newOwner", "address", True),
    ),
    _ev(
        "UserNotifcationSettingsAdded",
        "_channel",
        ("_channel", "address", False),
        ("_user", "address", False),
        ("_notifID", "uint256", False),
        ("_notifSettings", "string", False),
    ),
    _ev("Subscribe", "channel", ("channel", "address", True), ("user", "address", True)),
    _ev("Unsubscribe", "channel", ("channel", "address", True), ("user", "address", True)),
    _ev("AddDelegate", "channel", ("channel", "address", False), ("delegate", "address", False)),
    _ev("RemoveDelegate", "channel", ("channel", "address", False), ("delegate", "address", False)),
    _ev(
        "SendNotification",
        "channel",
        ("channel", "address", True),
        ("recipient", "address", True),
        ("identity", "bytes", False),
    ),
    _ev(
        "ChannelAlias",
        "_ethereumChannelAddress",
        ("_chainName", "string", False),
        ("_chainID", "uint256", True),
        ("_channelOwnerAddress", "address", True),
        ("_ethereumChannelAddress", "string", False),
    ),
    # The network's NodeRegistry (home chain): keyed by the node, which stands in for a channel.
    _ev("NodeRegistered", "node", ("node", "address", True), ("url", "string", False)),
    _ev("NodeRemoved", "node", ("node", "address", True)),
)
BY_TOPIC0: dict[str, EventAbi] = {e.topic0: e for e in EVENTS}
