"""Gateway HTTP models (role-suffixed: Create for requests, Public for answers)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from pushnode_shared.protocol.events import Platform

# A subset notification's recipients are capped, as a list or as one comma-separated string
# (a CAIP-10 is at most ~60 characters).
MAX_RECIPIENTS = 1000
RecipientText = Annotated[str, Field(max_length=MAX_RECIPIENTS * 64)]
RecipientList = Annotated[
    list[Annotated[str, Field(max_length=200)]], Field(max_length=MAX_RECIPIENTS)
]


class PayloadCreate(BaseModel):
    """POST /apis/v1/payloads/ as the SDK sends it."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    verification_proof: str = Field(alias="verificationProof", min_length=1, max_length=2000)
    identity: str = Field(min_length=2, max_length=20_000)
    sender: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=64)
    recipient: RecipientText | RecipientList = Field(default="")
    rules: dict[str, Any] | None = None


class PushTokenCreate(BaseModel):
    """POST /apis/v1/pushtokens/register: Push's shape plus a wallet signature."""

    wallet: str = Field(max_length=200)
    device_token: str = Field(min_length=1, max_length=4096)
    platform: Platform
    apn_token: str | None = Field(default=None, max_length=4096)
    # pushnode's addition: which of the node's apps the token belongs to (absent: the default).
    app: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,64}$")
    timestamp: int
    signature: str = Field(max_length=200)


class PushTokenDelete(BaseModel):
    """DELETE /apis/v1/pushtokens/ (Push's walletAddress/deviceToken names accepted)."""

    model_config = ConfigDict(populate_by_name=True)

    wallet: str = Field(alias="walletAddress", max_length=200)
    device_token: str = Field(alias="deviceToken", max_length=4096)
    timestamp: int
    signature: str = Field(max_length=200)


class FeedsPublic(BaseModel):
    """A page of a wallet's inbox or spam box."""

    feeds: list[dict[str, Any]]
    itemcount: int


class ChannelPublic(BaseModel):
    """A channel as the SDK's getChannel reads it, plus pushnode's own chain facts.

    Fields pushnode does not model yet keep Push's "nothing here" values: no alias, not
    verified, no settings, no subgraph; name/info/url/icon are null until the identity is
    resolved from IPFS.
    """

    channel: str
    ipfshash: str | None
    name: str | None = None
    info: str | None = None
    url: str | None = None
    icon: str | None = None
    processed: int = 0
    attempts: int = 0
    alias_address: str | None = None
    alias_blockchain_id: str | None = None
    alias_verification_event: str | None = None
    is_alias_verified: int = 0
    activation_status: int
    verified_status: int = 0
    blocked: int
    counter: int | None = None
    timestamp: str
    subscriber_count: int
    channel_settings: str | None = None
    subgraph_details: str | None = None
    subgraph_attempts: int = 0
    chain_id: int
    channel_type: int
    identity: str
    created_block: int


class ChannelsPublic(BaseModel):
    """A page of channels."""

    channels: list[ChannelPublic]
    itemcount: int


class SubscriptionPublic(BaseModel):
    """One channel a wallet is subscribed to (`user_settings`: null until settings exist)."""

    channel: str
    user_settings: str | None = None


class SubscriptionsPublic(BaseModel):
    """GET /v1/users/{user}/subscriptions."""

    subscriptions: list[SubscriptionPublic]


class SubscriberPublic(BaseModel):
    """One subscriber of a channel (`settings`: null until settings exist)."""

    subscriber: str
    settings: str | None = None


class SubscribersPublic(BaseModel):
    """A page of a channel's subscribers."""

    subscribers: list[SubscriberPublic]
    itemcount: int


class DelegatesPublic(BaseModel):
    """A channel's delegates as CAIP-10 ids (chain = the chain they may send on)."""

    delegates: list[str]


class DelegationPublic(BaseModel):
    """One channel a wallet may send for, on one chain."""

    channel: str
    chain_id: int
    channel_caip: str


class DelegationsPublic(BaseModel):
    """GET /v1/users/{user}/delegations."""

    delegations: list[DelegationPublic]
