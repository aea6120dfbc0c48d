"""Channel and subscription facts as the validator understood them from the chains."""

from __future__ import annotations

from pushnode_shared.protocol.events.base import Event, register


@register
class ChannelCreated(Event):
    """A channel became active on Core (AddChannel), with its raw identity."""

    TYPE = "ChannelCreated"

    channel: str
    chain_id: int
    channel_type: int
    identity: str
    block_number: int

    def key(self) -> str:
        return self.channel


@register
class SubscriptionAdded(Event):
    """A wallet opted in to a channel (on-chain Subscribe or signed opt-in).

    `user_setting` is the opt-in's settings string (`<enabled count>+<type>-<on>[-<value>]…`)
    when the wallet chose settings; None for on-chain Subscribe. `position` is the channel's
    subscription position after this fact (see Broadcast): a broadcast at position p reaches
    the wallets whose subscription period [added, removed) contains p.
    """

    TYPE = "SubscriptionAdded"

    channel: str
    subscriber: str
    chain_id: int
    user_setting: str | None = None
    position: int = 0

    def key(self) -> str:
        return self.channel


@register
class SubscriptionRemoved(Event):
    """A wallet opted out of a channel; `position` as on SubscriptionAdded."""

    TYPE = "SubscriptionRemoved"

    channel: str
    subscriber: str
    chain_id: int
    position: int = 0

    def key(self) -> str:
        return self.channel


@register
class DelegateAdded(Event):
    """A channel allowed another address to send on its behalf on one chain (Comm AddDelegate)."""

    TYPE = "DelegateAdded"

    channel: str
    delegate: str
    chain_id: int

    def key(self) -> str:
        return self.channel


@register
class DelegateRemoved(Event):
    """A channel withdrew a delegate's right to send on one chain."""

    TYPE = "DelegateRemoved"

    channel: str
    delegate: str
    chain_id: int

    def key(self) -> str:
        return self.channel


@register
class ChannelStateChanged(Event):
    """A channel was deactivated, reactivated or blocked on Core."""

    TYPE = "ChannelStateChanged"

    channel: str
    chain_id: int
    active: bool
    cause: str

    def key(self) -> str:
        return self.channel


@register
class ChannelUpdated(Event):
    """A channel changed its metadata identity on Core (UpdateChannel)."""

    TYPE = "ChannelUpdated"

    channel: str
    chain_id: int
    identity: str
    block_number: int

    def key(self) -> str:
        return self.channel


@register
class ChannelVerificationChanged(Event):
    """Core verified a channel (ChannelVerified) or revoked it (ChannelVerificationRevoked);
    `by` is the verifier or the revoker. The channel list's `verified_status` follows it."""

    TYPE = "ChannelVerificationChanged"

    channel: str
    chain_id: int
    verified: bool
    by: str

    def key(self) -> str:
        return self.channel


@register
class ChannelSettingsChanged(Event):
    """Core recorded the channel's notification settings (ChannelNotifcationSettingsAdded):
    `settings` as emitted (`<count>+<setting>+…`, protocol/settings.py), `description` the
    `+`-joined descriptions."""

    TYPE = "ChannelSettingsChanged"

    channel: str
    chain_id: int
    settings: str
    description: str

    def key(self) -> str:
        return self.channel
