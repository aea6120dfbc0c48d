"""Device-token registrations signed by wallets, and delivery outcomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pushnode_shared.protocol.events.base import NotificationKeyed, WalletKeyed, register


class Platform(StrEnum):
    """Where a device token came from; decides the provider."""

    ANDROID = "android"
    IOS = "ios"
    WEB = "web"


@register
class DeviceRegistered(WalletKeyed):
    """A wallet proved ownership and registered a device token for pushes."""

    TYPE = "DeviceRegistered"

    wallet: str
    device_token: str
    platform: Platform
    apn_token: str | None = None
    signed_at: datetime
    # The app (FCM project, APNs key, VAPID key set) the token belongs to, as the node's
    # dispatcher configuration names it; None: the node's default app.
    app: str | None = None


@register
class DeviceUnregistered(WalletKeyed):
    """A device token stopped receiving pushes (wallet request or provider said it is dead)."""

    TYPE = "DeviceUnregistered"

    wallet: str
    device_token: str
    reason: str


class DeliveryOutcome(StrEnum):
    """How a provider answered one push."""

    DELIVERED = "DELIVERED"
    DROP_TOKEN = "DROP_TOKEN"
    BAD_REQUEST = "BAD_REQUEST"
    RETRY = "RETRY"
    CREDENTIALS = "CREDENTIALS"


@register
class DeliveryAttempted(NotificationKeyed):
    """The dispatcher sent one notification to one device and recorded the provider's answer."""

    TYPE = "DeliveryAttempted"

    notification_id: str
    wallet: str
    device_token: str
    provider: str
    outcome: DeliveryOutcome
    detail: str
    attempt: int
    # The registration's platform (android, ios, web) for status pages; older records lack it.
    platform: str | None = None


@register
class DeliveryRetryScheduled(NotificationKeyed):
    """A provider asked for another try: attempt `attempt` is due at `not_before`.

    It carries what the push is built from (cid, channel, payload), so the retry consumer
    needs nothing but this record to send again.
    """

    TYPE = "DeliveryRetryScheduled"

    notification_id: str
    wallet: str
    device_token: str
    provider: str
    attempt: int
    not_before: datetime
    cid: str
    channel: str
    payload: dict[str, Any]


@register
class DeliveryAbandoned(NotificationKeyed):
    """The last allowed attempt still failed with a retryable answer: no more tries."""

    TYPE = "DeliveryAbandoned"

    notification_id: str
    wallet: str
    device_token: str
    provider: str
    attempts: int
    detail: str
    platform: str | None = None
