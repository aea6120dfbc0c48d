"""Dispatcher handlers.

Registry (a projection): consumes devices (DeviceRegistered, DeviceUnregistered) and
deliveries (DeliveryAttempted, DeliveryAbandoned) into the device registry and the
delivery-status tables, and protocol-decisions (SubscriptionAdded/Removed) into the
subscription periods a broadcast's audience is read from (pushnode_shared.periods).
Sender (effects): consumes messages-stored (MessageStored) and, as the retry consumer,
deliveries (DeliveryRetryScheduled); pushes through the provider the device's platform
routes to and produces DeliveryAttempted, then DeliveryRetryScheduled or DeliveryAbandoned
for retryable failures (deliveries), and DeviceUnregistered for dead tokens (devices).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from prometheus_client import Counter

from pushnode_dispatcher import domain
from pushnode_dispatcher.adapters import db
from pushnode_dispatcher.adapters.outcome import Outcome, SendOutcome
from pushnode_dispatcher.adapters.pushers import Pusher
from pushnode_dispatcher.adapters.sendlog import SendLog, Sent
from pushnode_dispatcher.domain import Provider, PushContent, RetryPolicy, Target
from pushnode_dispatcher.window import Settler, send_all
from pushnode_shared import periods
from pushnode_shared.consumer import Handler, HandlerContext, TransientError
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
    SubscriptionAdded,
    SubscriptionRemoved,
    payload_of,
    wrap,
)
from pushnode_shared.logging import get_logger
from pushnode_shared.topics import DELIVERIES, DEVICES, Topic

PRODUCER = "dispatcher"
log = get_logger(__name__)
# Sends in flight at once for one notification (DISPATCHER_SEND_CONCURRENCY).
SEND_CONCURRENCY = 64
PUSHES = Counter(
    "pushnode_dispatcher_pushes_total",
    "Provider answers to pushes, by provider, outcome and the provider's reason",
    ["provider", "outcome", "reason"],
)
UNKNOWN_APP = Counter(
    "pushnode_dispatcher_unknown_app_devices_total",
    "Devices skipped because their registration names an app this node has no credentials for",
)
IN_DOUBT = Counter(
    "pushnode_dispatcher_in_doubt_resends_total",
    "Pushes in flight when the sender died, sent again after the restart",
    ["provider"],
)


async def on_device_registered(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeviceRegistered)
    await db.upsert_device(
        ctx.session,
        event.wallet,
        event.device_token,
        event.platform.value,
        event.apn_token,
        event.app,
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


async def on_subscription_added(ctx: HandlerContext, envelope: Envelope) -> None:
    added = payload_of(envelope, SubscriptionAdded)
    await periods.opened(ctx.session, db.PERIODS, added.channel, added.subscriber, added.position)


async def on_subscription_removed(ctx: HandlerContext, envelope: Envelope) -> None:
    removed = payload_of(envelope, SubscriptionRemoved)
    await periods.closed(
        ctx.session, db.PERIODS, removed.channel, removed.subscriber, removed.position
    )


SUBSCRIPTION_HANDLERS: dict[str, Handler] = {
    "SubscriptionAdded": on_subscription_added,
    "SubscriptionRemoved": on_subscription_removed,
}
DEVICE_HANDLERS: dict[str, Handler] = {
    "DeviceRegistered": on_device_registered,
    "DeviceUnregistered": on_device_unregistered,
}
STATUS_HANDLERS: dict[str, Handler] = {
    "DeliveryAttempted": on_delivery_attempted,
    "DeliveryAbandoned": on_delivery_abandoned,
}
REGISTRY_HANDLERS: dict[str, Handler] = DEVICE_HANDLERS | STATUS_HANDLERS


class Sender:
    """Sends stored notifications to registered devices through the injected providers.

    `pushers` are the default app's (registrations without an app); `apps` the named apps'
    by app id. Each device is pushed through its own app's client, so one app's refused
    credentials hold only that app's pushes.
    """

    def __init__(
        self,
        pushers: Mapping[Provider, Pusher],
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        log: SendLog | None = None,
        concurrency: int = SEND_CONCURRENCY,
        apps: Mapping[str, Mapping[Provider, Pusher]] | None = None,
    ) -> None:
        self.pushers = dict(pushers)
        self.apps: dict[str, dict[Provider, Pusher]] = {
            name: dict(app) for name, app in (apps or {}).items()
        } | {"": self.pushers}
        self.concurrency = concurrency
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.log = log or SendLog(None)

    @property
    def sending(self) -> bool:
        """Whether any app has any provider to push through."""
        return any(self.apps.values())

    def target(self, wallet: str, device: db.Device) -> Target | None:
        """The device with the provider its app routes it to; None if nothing can push it."""
        pushers = self.apps.get(device.app)
        if pushers is None:
            UNKNOWN_APP.inc()
            return None
        provider = domain.route(device.platform, device.token, pushers.keys())
        if provider is None:
            return None
        return Target(wallet, device.token, provider, device.platform, device.app)

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler, for the consumer of messages-stored."""
        return {"MessageStored": self.on_message_stored}

    def retry_mapping(self) -> dict[str, Handler]:
        """Event type -> handler, for the retry consumer of deliveries."""
        return {"DeliveryRetryScheduled": self.on_retry_scheduled}

    async def on_message_stored(self, ctx: HandlerContext, envelope: Envelope) -> None:
        stored = payload_of(envelope, MessageStored)
        if not self.sending:
            return
        content = PushContent.of(stored)
        targets, settled = await self._targets(ctx, stored)
        self._republish(ctx, envelope, content, settled)
        await self._send(ctx, envelope, content, targets, attempt=1)

    async def on_retry_scheduled(self, ctx: HandlerContext, envelope: Envelope) -> None:
        retry = payload_of(envelope, DeliveryRetryScheduled)
        provider = Provider(retry.provider)
        if not any(provider in app for app in self.apps.values()):
            return  # the provider was switched off since; nothing can send it
        content = PushContent.of_retry(retry)
        before = await self.log.get(ctx.session, retry.notification_id, retry.device_token)
        if before is not None and (
            before.attempts > retry.attempt
            or (before.delivered and before.attempts < retry.attempt)
        ):
            return  # delivered, or a later attempt was already made: never push twice
        if before is not None and before.attempts == retry.attempt and not before.in_flight:
            # This attempt was answered and the process died before publishing: facts only.
            self._republish(ctx, envelope, content, [before])
            return
        device = await db.registration(ctx.session, retry.wallet, retry.device_token)
        if device is None:
            return  # the wallet (or a provider) removed the device meanwhile
        if provider not in self.apps.get(device.app, {}):
            return  # its app lost that provider's credentials since
        if before is not None and before.in_flight and before.attempts == retry.attempt:
            IN_DOUBT.labels(provider.value).inc()
        platform = before.target.platform if before is not None else device.platform
        target = Target(retry.wallet, retry.device_token, provider, platform, device.app)
        await self._send(ctx, envelope, content, [target], retry.attempt)

    async def _targets(
        self, ctx: HandlerContext, stored: MessageStored
    ) -> tuple[list[Target], list[Sent]]:
        """Devices to push now, and devices already answered (a replay after a crash)."""
        targets: dict[str, Target] = {}
        settled: list[Sent] = []
        seen: set[str] = set()  # a token two wallets registered is pushed once
        devices = await _devices(ctx, stored)
        logged = await self.log.all_of(ctx.session, stored.notification_id) if devices else {}
        for wallet, device in devices:
            token = device.token
            target = self.target(wallet, device)
            if target is None or token in targets or token in seen:
                continue
            seen.add(token)
            before = logged.get(token)
            if before is not None:
                if before.attempts > 1:
                    continue  # later attempts belong to the retry consumer
                if not before.in_flight:
                    settled.append(before)
                    continue
                IN_DOUBT.labels(target.provider.value).inc()
                log.warning("push in flight at a crash is sent again", provider=target.provider)
            targets[token] = target
        return list(targets.values()), settled

    def _republish(
        self, ctx: HandlerContext, cause: Envelope, content: PushContent, settled: list[Sent]
    ) -> None:
        """Publish again the facts of pushes answered before a crash (same event ids)."""
        for sent in settled:
            self._publish(ctx, cause, content, sent.target, sent.answer(), sent.attempts)

    async def _send(
        self,
        ctx: HandlerContext,
        cause: Envelope,
        content: PushContent,
        targets: list[Target],
        attempt: int,
    ) -> None:
        settler = Settler(self.log, ctx, content.notification_id, attempt)

        async def push(target: Target) -> SendOutcome:
            return await self._push(content, target)

        for target, outcome in await send_all(targets, push, settler, self.concurrency):
            reason = _reason(outcome)
            PUSHES.labels(target.provider.value, outcome.kind.value, reason).inc()
            self._publish(ctx, cause, content, target, outcome, attempt)

    async def _push(self, content: PushContent, target: Target) -> SendOutcome:
        try:
            pusher = self.apps[target.app][target.provider]
            result: SendOutcome | BaseException = await pusher.push(content, target.token)
        except Exception as exc:
            result = exc
        return _as_outcome(result)

    def _publish(
        self,
        ctx: HandlerContext,
        cause: Envelope,
        content: PushContent,
        target: Target,
        outcome: SendOutcome,
        attempt: int,
    ) -> None:
        for topic, event, tag in self._facts(content, target, outcome, attempt):
            ident = derive_id(cause.event_id, tag, target.token)
            envelope = wrap(event, producer=PRODUCER, event_id=ident, causation_id=cause.event_id)
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
        # Refused credentials are the app's fault, not the message's: it waits for the fix.
        if outcome.kind not in (Outcome.RETRY, Outcome.CREDENTIALS):
            return facts
        if self.policy.gives_up_after(attempt):
            abandoned = DeliveryAbandoned(
                notification_id=nid,
                wallet=target.wallet,
                device_token=target.token,
                provider=provider,
                attempts=attempt,
                detail=outcome.detail,
                platform=target.platform or None,
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


async def _devices(ctx: HandlerContext, stored: MessageStored) -> list[tuple[str, db.Device]]:
    """(wallet, device) to push: the inbox recipients' devices, or for a broadcast
    those of the channel's subscribers at its position.

    The broadcast's audience is the dispatcher's own fold of protocol-decisions; until that
    fold has reached the broadcast's position the batch is retried (TransientError), so a
    subscriber whose opt-in is still on its way is never skipped.
    """
    if domain.silent(stored):
        return []
    found: list[tuple[str, db.Device]] = []
    for recipient in domain.pushable(stored):
        for device in await db.devices_of(ctx.session, recipient.address):
            found.append((recipient.address, device))
    audience = stored.broadcast
    if audience is not None:
        folded = await periods.folded_to(ctx.session, db.PERIODS, audience.channel)
        if folded < audience.position:
            raise TransientError(
                f"subscriptions of {audience.channel} folded to {folded}, "
                f"the broadcast is at {audience.position}"
            )
        found += await db.devices_reached(ctx.session, audience.channel, audience.position)
    return found


def _reason(outcome: SendOutcome) -> str:
    """A bounded label for the metric: the provider's error code, else what kind of failure."""
    if outcome.kind is Outcome.DELIVERED:
        return "ok"
    if outcome.error_code:
        return outcome.error_code[:40]
    if outcome.http_status is not None:
        return f"http_{outcome.http_status}"
    return "network" if outcome.detail.startswith("network error") else "local"


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
        platform=target.platform or None,
    )
