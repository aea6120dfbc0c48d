"""One push interface over FCM, APNs and Web Push: build the provider's message, send it."""

from __future__ import annotations

from typing import Any, Protocol

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
    """Android (and iOS through Firebase) registration tokens, over FCM HTTP v1.

    One notification's FCM message differs between devices only in the token, and FCM's size
    limit does not count the token: the message is built, trimmed and checked once per
    notification and only the token is set per device.
    """

    def __init__(self, client: FcmClient) -> None:
        self.client = client
        self._built: tuple[PushContent, dict[str, Any], str | None] | None = None

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        if self._built is None or self._built[0] is not content:
            message = domain.fcm_message(content, token)
            self._built = content, message.to_wire(), message.local_problem()
        _, wire, problem = self._built
        if problem:
            return SendOutcome(Outcome.BAD_REQUEST, problem, error_code="INVALID_ARGUMENT")
        return await self.client.send_wire(wire | {"token": token})


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
