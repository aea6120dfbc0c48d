"""Gateway HTTP models (role-suffixed: Create for requests, Public for answers)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pushnode_shared.events import Platform


class PayloadCreate(BaseModel):
    """POST /apis/v1/payloads/ as the SDK sends it."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    verification_proof: str = Field(alias="verificationProof", min_length=1, max_length=2000)
    identity: str = Field(min_length=2, max_length=20_000)
    sender: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=64)
    recipient: str | list[str] = Field(default="")
    rules: dict[str, Any] | None = None


class PushTokenCreate(BaseModel):
    """POST /apis/v1/pushtokens/register: Push's shape plus a wallet signature."""

    wallet: str = Field(max_length=200)
    device_token: str = Field(min_length=1, max_length=4096)
    platform: Platform
    apn_token: str | None = Field(default=None, max_length=4096)
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
