"""Channel and subscription facts as the validator understood them from the chains."""

from __future__ import annotations

from pushnode_shared.protocol.events.base import ChannelKeyed, register


@register
class ChannelCreated(ChannelKeyed):
    """A channel became active on Core (AddChannel), with its raw identity."""

    TYPE = "ChannelCreated"

    channel: str
    chain_id: int
    channel_type: int
    identity: str
    block_number: int


@register
class SubscriptionAdded(ChannelKeyed):
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


@register
class SubscriptionRemoved(ChannelKeyed):
    """A wallet opted out of a channel; `position` as on SubscriptionAdded."""

    TYPE = "SubscriptionRemoved"

    channel: str
    subscriber: str
    chain_id: int
    position: int = 0


@register
class DelegateAdded(ChannelKeyed):
    """A channel allowed another address to send on its behalf on one chain (Comm AddDelegate)."""

    TYPE = "DelegateAdded"

    channel: str
    delegate: str
    chain_id: int


@register
class DelegateRemoved(ChannelKeyed):
    """A channel withdrew a delegate's right to send on one chain."""

    TYPE = "DelegateRemoved"

    channel: str
    delegate: str
    chain_id: int


@register
class ChannelStateChanged(ChannelKeyed):
    """A channel was deactivated, reactivated or blocked on Core."""

    TYPE = "ChannelStateChanged"

    channel: str
    chain_id: int
    active: bool
    cause: str


@register
class ChannelUpdated(ChannelKeyed):
    """A channel changed its metadata identity on Core (UpdateChannel)."""

    TYPE = "ChannelUpdated"

    channel: str
    chain_id: int
    identity: str
    block_number: int


@register
class ChannelVerificationChanged(ChannelKeyed):
    """Core verified a channel (ChannelVerified) or revoked it (ChannelVerificationRevoked);
    `by` is the verifier or the revoker. The channel list's `verified_status` follows it."""

    TYPE = "ChannelVerificationChanged"

    channel: str
    chain_id: int
    verified: bool
    by: str


@register
class ChannelSettingsChanged(ChannelKeyed):
    """Core recorded the channel's notification settings (ChannelNotifcationSettingsAdded):
    `settings` as emitted (`<count>+<setting>+…`, protocol/settings.py), `description` the
    `+`-joined descriptions."""

    TYPE = "ChannelSettingsChanged"

    channel: str
    chain_id: int
    settings: str
    description: str
