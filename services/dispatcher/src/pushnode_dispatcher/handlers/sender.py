"""The sender: stored notifications and due retries become pushes, and pushes become facts.

Consumes messages-stored (MessageStored) and, as the retry consumer, deliveries
(DeliveryRetryScheduled); pushes through the provider the device's platform routes to and
produces DeliveryAttempted, then DeliveryRetryScheduled or DeliveryAbandoned for retryable
failures (deliveries), and DeviceUnregistered for dead tokens (devices).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Mapping
from datetime import datetime

from prometheus_client import Counter

from pushnode_dispatcher import domain
from pushnode_dispatcher.adapters import db
from pushnode_dispatcher.adapters.sendlog import SendLog, Sent
from pushnode_dispatcher.adapters.watermark import RegistryWatermark
from pushnode_dispatcher.domain import (
    Outcome,
    Provider,
    PushContent,
    Pusher,
    RetryPolicy,
    SendOutcome,
    Target,
)
from pushnode_dispatcher.handlers import registry
from pushnode_dispatcher.handlers.completeness import Completeness
from pushnode_dispatcher.handlers.facts import facts
from pushnode_dispatcher.handlers.window import Settler, send_all
from pushnode_dispatcher.handlers.withdrawals import withheld
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope, derive_id, utcnow
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol.events import (
    DeliveryRetryScheduled,
    MessageStored,
    payload_of,
    wrap,
)

__all__ = ["PRODUCER", "SEND_CONCURRENCY", "Sender"]

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


class Sender:
    """Sends stored notifications to registered devices through the injected providers.

    `pushers` are the default app's (registrations without an app); `apps` the named apps'
    by app id. Each device is pushed through its own app's client, so one app's refused
    credentials hold only that app's pushes. `registry`, when given, is waited for before
    the registry is read, so every device registered before a notification gets it.
    """

    def __init__(
        self,
        pushers: Mapping[Provider, Pusher],
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        log: SendLog | None = None,
        concurrency: int = SEND_CONCURRENCY,
        apps: Mapping[str, Mapping[Provider, Pusher]] | None = None,
        registry: RegistryWatermark | None = None,
    ) -> None:
        self.pushers = dict(pushers)
        self.apps: dict[str, dict[Provider, Pusher]] = {
            name: dict(app) for name, app in (apps or {}).items()
        } | {"": self.pushers}
        self.concurrency = concurrency
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.log = log or SendLog(None)
        self.registry = registry
        self.completeness = Completeness(registry)

    @property
    def sending(self) -> bool:
        """Whether any app has any provider to push through."""
        return any(self.apps.values())

    async def registry_caught_up(self) -> None:
        """Every `devices` record written before now is in the registry (else TransientError)."""
        if self.registry is not None:
            await self.registry.wait()

    def skipped(self, device: db.Device) -> str:
        """Why `target` found no way to push this device."""
        return "unknown_app" if device.app not in self.apps else "provider_off"

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
        if not self.sending or await withheld(ctx, stored.notification_id):
            return
        content = PushContent.of(stored)
        await self.registry_caught_up()
        targets, settled, skipped = await self._targets(ctx, stored)
        self._republish(ctx, envelope, content, settled)
        await self.send(ctx, envelope, content, targets, attempt=1, skipped=skipped)

    async def on_retry_scheduled(self, ctx: HandlerContext, envelope: Envelope) -> None:
        retry = payload_of(envelope, DeliveryRetryScheduled)
        provider = Provider(retry.provider)
        if not any(provider in app for app in self.apps.values()):
            return  # the provider was switched off since; nothing can send it
        if await withheld(ctx, retry.notification_id):
            return
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
        await self.send(ctx, envelope, content, [target], retry.attempt)

    async def _targets(
        self, ctx: HandlerContext, stored: MessageStored
    ) -> tuple[list[Target], list[Sent], Tally[str]]:
        """Devices to push now, devices already answered (a replay after a crash), and
        how many of the devices reached nothing can push, by why."""
        targets: dict[str, Target] = {}
        settled: list[Sent] = []
        skipped: Tally[str] = Tally()
        seen: set[str] = set()  # a token two wallets registered is pushed once
        devices = await registry.devices_for(ctx, stored)
        logged = await self.log.all_of(ctx.session, stored.notification_id) if devices else {}
        for wallet, device in devices:
            token = device.token
            target = self.target(wallet, device)
            if token in targets or token in seen:
                continue
            if target is None:
                skipped[self.skipped(device)] += 1
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
        return list(targets.values()), settled, skipped

    def _republish(
        self, ctx: HandlerContext, cause: Envelope, content: PushContent, settled: list[Sent]
    ) -> None:
        """Publish again the facts of pushes answered before a crash (same event ids)."""
        for sent in settled:
            self._publish(ctx, cause, content, sent.target, sent.answer(), sent.attempts)

    async def send(
        self,
        ctx: HandlerContext,
        cause: Envelope,
        content: PushContent,
        targets: list[Target],
        attempt: int,
        skipped: Tally[str] | None = None,
    ) -> None:
        """Push `content` to `targets` (attempt `attempt`), log each answer, publish its facts;
        what was not pushed (`skipped`, or lost on the way) is counted, never silent."""
        settler = Settler(self.log, ctx, content.notification_id, attempt)

        async def push(target: Target) -> SendOutcome:
            return await self._push(content, target)

        answered = await send_all(targets, push, settler, self.concurrency)
        for target, outcome in answered:
            reason = _reason(outcome)
            PUSHES.labels(target.provider.value, outcome.kind.value, reason).inc()
            self._publish(ctx, cause, content, target, outcome, attempt)
        missing = Tally(skipped or {})
        missing["dropped"] = len(targets) - len(answered)
        self.completeness.not_attempted(content.notification_id, +missing)

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
        for topic, event, tag in facts(
            content, target, outcome, attempt, self.policy, self.clock()
        ):
            ident = derive_id(cause.event_id, tag, target.token)
            envelope = wrap(event, producer=PRODUCER, event_id=ident, causation_id=cause.event_id)
            ctx.publish(topic, envelope)


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
