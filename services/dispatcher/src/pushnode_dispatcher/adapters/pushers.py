"""One push interface over FCM, APNs and Web Push: build the provider's message, send it."""

from __future__ import annotations

from typing import Protocol

from pushnode_dispatcher import domain
from pushnode_dispatcher.adapters.apns import ApnsClient
from pushnode_dispatcher.adapters.fcm import FcmClient
from pushnode_dispatcher.adapters.outcome import Outcome, SendOutcome
from pushnode_dispatcher.adapters.webpush import WebPushClient
from pushnode_dispatcher.domain import PushContent

__all__ = ["ApnsPusher", "FcmPusher", "Pusher", "WebPushPusher"]


class Pusher(Protocol):
    """Sends one notification to one device token; every failure comes back as an outcome."""

    async def push(self, content: PushContent, token: str) -> SendOutcome: ...


class FcmPusher:
    """Android (and iOS through Firebase) registration tokens, over FCM HTTP v1."""

    def __init__(self, client: FcmClient) -> None:
        self.client = client

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        return await self.client.send(domain.fcm_message(content, token))


class ApnsPusher:
    """iOS device tokens, straight to APNs."""

    def __init__(self, client: ApnsClient) -> None:
        self.client = client

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        return await self.client.send(domain.apns_notification(content, token))


class WebPushPusher:
    """Browsers: the registered token is the PushSubscription JSON."""

    def __init__(self, client: WebPushClient) -> None:
        self.client = client

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        subscription = domain.web_subscription(token)
        if subscription is None:
            # Nothing can ever be pushed to it; unregistering it is the only useful answer.
            return SendOutcome(Outcome.DROP_TOKEN, "device_token is not a PushSubscription JSON")
        return await self.client.send(domain.webpush_message(content, subscription))
