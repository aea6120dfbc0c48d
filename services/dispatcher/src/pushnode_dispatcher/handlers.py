"""Dispatcher handlers.

Registry (a projection): consumes devices (DeviceRegistered, DeviceUnregistered) and
deliveries (DeliveryAttempted, DeliveryAbandoned) into the device registry and the
delivery-status tables.
Sender (effects): consumes messages-stored (MessageStored) and, as the retry consumer,
deliveries (DeliveryRetryScheduled); pushes through the provider the device's platform
routes to and produces DeliveryAttempted, then DeliveryRetryScheduled or DeliveryAbandoned
for retryable failures (deliveries), and DeviceUnregistered for dead tokens (devices).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter

from pushnode_dispatcher import domain
from pushnode_dispatcher.adapters import db
from pushnode_dispatcher.adapters.outcome import Outcome, SendOutcome
from pushnode_dispatcher.adapters.pushers import Pusher
from pushnode_dispatcher.domain import Provider, PushContent, RetryPolicy
from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope, derive_id, utcnow
from pushnode_shared.events import (
    DeliveryAbandoned,
    DeliveryAttempted,
    DeliveryOutcome,
    DeliveryRetryScheduled,
    DeviceRegistered,
    DeviceUnregistered,
    Event,
    MessageStored,
    payload_of,
    wrap,
)
from pushnode_shared.logging import get_logger
from pushnode_shared.topics import DELIVERIES, DEVICES, Topic

PRODUCER = "dispatcher"
log = get_logger(__name__)
# Sends in flight at once for one notification; the HTTP/2 clients multiplex them.
SEND_CONCURRENCY = 200
PUSHES = Counter(
    "pushnode_dispatcher_pushes_total", "Provider answers to pushes", ["provider", "outcome"]
)


async def on_device_registered(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeviceRegistered)
    await db.upsert_device(
        ctx.session, event.wallet, event.device_token, event.platform.value, event.apn_token
    )


async def on_device_unregistered(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeviceUnregistered)
    await db.remove_device(ctx.session, event.wallet, event.device_token)


async def on_delivery_attempted(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeliveryAttempted)
    await db.record_delivery(
        ctx.session,
        event.notification_id,
        event.device_token,
        event.wallet,
        event.outcome.value,
        event.detail,
        event.attempt,
    )


async def on_delivery_abandoned(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeliveryAbandoned)
    await db.record_abandoned(
        ctx.session,
        event.notification_id,
        event.device_token,
        event.wallet,
        event.attempts,
        event.detail,
    )


REGISTRY_HANDLERS: dict[str, Handler] = {
    "DeviceRegistered": on_device_registered,
    "DeviceUnregistered": on_device_unregistered,
    "DeliveryAttempted": on_delivery_attempted,
    "DeliveryAbandoned": on_delivery_abandoned,
}


@dataclass(frozen=True, slots=True)
class Target:
    """One device to push to, and the provider its registration routes to."""

    wallet: str
    token: str
    provider: Provider


class Sender:
    """Sends stored notifications to registered devices through the injected providers."""

    def __init__(
        self,
        pushers: Mapping[Provider, Pusher],
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.pushers = dict(pushers)
        self.policy = policy or RetryPolicy()
        self.clock = clock

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler, for the consumer of messages-stored."""
        return {"MessageStored": self.on_message_stored}

    def retry_mapping(self) -> dict[str, Handler]:
        """Event type -> handler, for the retry consumer of deliveries."""
        return {"DeliveryRetryScheduled": self.on_retry_scheduled}

    async def on_message_stored(self, ctx: HandlerContext, envelope: Envelope) -> None:
        stored = payload_of(envelope, MessageStored)
        if not self.pushers:
            return
        targets = await self._targets(ctx, stored)
        await self._send(ctx, envelope, PushContent.of(stored), targets, attempt=1)

    async def on_retry_scheduled(self, ctx: HandlerContext, envelope: Envelope) -> None:
        retry = payload_of(envelope, DeliveryRetryScheduled)
        provider = Provider(retry.provider)
        if provider not in self.pushers:
            return  # the provider was switched off since; nothing can send it
        before = await db.sent(ctx.session, retry.notification_id, retry.device_token)
        if before is not None and (
            before.outcome == Outcome.DELIVERED.value or before.attempts >= retry.attempt
        ):
            return  # delivered, or this attempt was already made: never push twice
        if not await db.is_registered(ctx.session, retry.wallet, retry.device_token):
            return  # the wallet (or a provider) removed the device meanwhile
        target = Target(retry.wallet, retry.device_token, provider)
        await self._send(ctx, envelope, PushContent.of_retry(retry), [target], retry.attempt)

    async def _targets(self, ctx: HandlerContext, stored: MessageStored) -> list[Target]:
        targets: dict[str, Target] = {}
        for recipient in domain.pushable(stored):
            for token, platform in await db.devices_of(ctx.session, recipient.address):
                provider = domain.route(platform, token, self.pushers.keys())
                if provider is None or token in targets:
                    continue
                if await db.sent(ctx.session, stored.notification_id, token) is not None:
                    continue
                targets[token] = Target(recipient.address, token, provider)
        return list(targets.values())

    async def _send(
        self,
        ctx: HandlerContext,
        cause: Envelope,
        content: PushContent,
        targets: list[Target],
        attempt: int,
    ) -> None:
        for start in range(0, len(targets), SEND_CONCURRENCY):
            chunk = targets[start : start + SEND_CONCURRENCY]
            results = await asyncio.gather(
                *(self.pushers[t.provider].push(content, t.token) for t in chunk),
                return_exceptions=True,
            )
            for target, result in zip(chunk, results, strict=True):
                outcome = _as_outcome(result)
                PUSHES.labels(target.provider.value, outcome.kind.value).inc()
                nid = content.notification_id
                await db.record_send(ctx.session, nid, target.token, outcome.kind.value, attempt)
                for topic, event, tag in self._facts(content, target, outcome, attempt):
                    ident = derive_id(cause.event_id, tag, target.token)
                    envelope = wrap(
                        event, producer=PRODUCER, event_id=ident, causation_id=cause.event_id
                    )
                    ctx.publish(topic, envelope)

    def _facts(
        self, content: PushContent, target: Target, outcome: SendOutcome, attempt: int
    ) -> list[tuple[Topic, Event, str]]:
        """What one provider answer means, as (topic, event, id tag) in publishing order."""
        nid, provider = content.notification_id, target.provider.value
        facts: list[tuple[Topic, Event, str]] = [
            (DELIVERIES, _attempted(content, target, outcome, attempt), "delivery")
        ]
        if outcome.kind is Outcome.DROP_TOKEN:
            reason = f"{provider}: {outcome.error_code or outcome.detail}"
            gone = DeviceUnregistered(
                wallet=target.wallet, device_token=target.token, reason=reason
            )
            facts.append((DEVICES, gone, "drop-token"))
        if outcome.kind is not Outcome.RETRY:
            return facts
        if self.policy.gives_up_after(attempt):
            abandoned = DeliveryAbandoned(
                notification_id=nid,
                wallet=target.wallet,
                device_token=target.token,
                provider=provider,
                attempts=attempt,
                detail=outcome.detail,
            )
            facts.append((DELIVERIES, abandoned, "abandoned"))
            return facts
        delay = self.policy.delay(attempt, outcome.retry_after, f"{nid}\x1f{target.token}")
        retry = DeliveryRetryScheduled(
            notification_id=nid,
            wallet=target.wallet,
            device_token=target.token,
            provider=provider,
            attempt=attempt + 1,
            not_before=self.clock() + timedelta(seconds=delay),
            cid=content.cid,
            channel=content.channel,
            payload=content.payload,
        )
        facts.append((DELIVERIES, retry, "retry"))
        return facts


def _as_outcome(result: SendOutcome | BaseException) -> SendOutcome:
    """A provider client that raised (a bug: they return failures) is a failed push.

    Raising on would roll back the records of the pushes that did go out in the same chunk,
    and the consumer's retry would push those devices twice. No retry either: the push may
    have left before the error.
    """
    if isinstance(result, SendOutcome):
        return result
    if not isinstance(result, Exception):
        raise result
    log.error("provider client raised", error=repr(result))
    return SendOutcome(Outcome.BAD_REQUEST, f"dispatcher error: {type(result).__name__}")


def _attempted(
    content: PushContent, target: Target, outcome: SendOutcome, attempt: int
) -> DeliveryAttempted:
    return DeliveryAttempted(
        notification_id=content.notification_id,
        wallet=target.wallet,
        device_token=target.token,
        provider=target.provider.value,
        outcome=DeliveryOutcome[outcome.kind.name],
        detail=outcome.detail or (outcome.message_name or ""),
        attempt=attempt,
    )
