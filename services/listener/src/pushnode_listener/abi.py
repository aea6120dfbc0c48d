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


def _ev(declaration: str, channel_arg: str) -> EventAbi:
    """An event from its Solidity declaration, e.g. `Subscribe(address indexed channel, …)`."""
    name, _, params = declaration.removesuffix(")").partition("(")
    parsed = []
    for param in params.split(", ") if params else []:
        type_, *indexed, param_name = param.split()
        parsed.append(Param(param_name, type_, indexed == ["indexed"]))
    return EventAbi(name, tuple(parsed), channel_arg)


# As the Push Core/Comm contracts declare them, typos and all.
EVENTS: tuple[EventAbi, ...] = (
    _ev(
        "AddChannel(address indexed channel, uint8 indexed channelType, bytes identity)",
        "channel",
    ),
    _ev(
        "UpdateChannel(address indexed channel, bytes identity, uint256 indexed amountDeposited)",
        "channel",
    ),
    _ev("DeactivateChannel(address indexed channel, uint256 indexed amountRefunded)", "channel"),
    _ev("ReactivateChannel(address indexed channel, uint256 indexed amountDeposited)", "channel"),
    # PushCoreV1 (pushContracts-v1.0) emitted UpdateChannel without the amount: another topic0.
    _ev("UpdateChannel(address indexed channel, bytes identity)", "channel"),
    _ev("ChannelBlocked(address indexed channel)", "channel"),
    _ev("ChannelVerified(address indexed channel, address indexed verifier)", "channel"),
    _ev("ChannelVerificationRevoked(address indexed channel, address indexed revoker)", "channel"),
    _ev(
        "ChannelNotifcationSettingsAdded(address _channel, uint256 totalNotifOptions, "
        "string _notifSettings, string _notifDescription)",
        "_channel",
    ),
    _ev("AddSubGraph(address indexed channel, bytes _subGraphData)", "channel"),
    _ev(
        "TimeBoundChannelDestroyed(address indexed channel, uint256 indexed amountRefunded)",
        "channel",
    ),
    _ev("ChannelOwnershipTransfer(address indexed channel, address indexed newOwner)", "channel"),
    _ev(
        "UserNotifcationSettingsAdded(address _channel, address _user, uint256 _notifID, "
        "string _notifSettings)",
        "_channel",
    ),
    _ev("Subscribe(address indexed channel, address indexed user)", "channel"),
    _ev("Unsubscribe(address indexed channel, address indexed user)", "channel"),
    _ev("AddDelegate(address channel, address delegate)", "channel"),
    _ev("RemoveDelegate(address channel, address delegate)", "channel"),
    _ev(
        "SendNotification(address indexed channel, address indexed recipient, bytes identity)",
        "channel",
    ),
    _ev(
        "ChannelAlias(string _chainName, uint256 indexed _chainID, "
        "address indexed _channelOwnerAddress, string _ethereumChannelAddress)",
        "_ethereumChannelAddress",
    ),
    # The network's NodeRegistry (home chain): keyed by the node, which stands in for a channel.
    _ev("NodeRegistered(address indexed node, string url)", "node"),
    _ev("NodeRemoved(address indexed node)", "node"),
)
BY_TOPIC0: dict[str, EventAbi] = {e.topic0: e for e in EVENTS}
