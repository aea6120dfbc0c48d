"""What one provider answer means on the log; pure, the sender publishes what it returns.

The attempt, then a dropped token, a retry or an abandonment, as (topic, event, id tag) in
publishing order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pushnode_dispatcher.domain import Outcome, PushContent, RetryPolicy, SendOutcome, Target
from pushnode_shared.protocol.events import (
    DeliveryAbandoned,
    DeliveryAttempted,
    DeliveryOutcome,
    DeliveryRetryScheduled,
    DeviceUnregistered,
    Event,
)
from pushnode_shared.protocol.topics import DELIVERIES, DEVICES, Topic

__all__ = ["attempted", "facts"]


def facts(
    content: PushContent,
    target: Target,
    outcome: SendOutcome,
    attempt: int,
    policy: RetryPolicy,
    now: datetime,
) -> list[tuple[Topic, Event, str]]:
    """What one provider answer means, as (topic, event, id tag) in publishing order."""
    nid, provider = content.notification_id, target.provider.value
    facts: list[tuple[Topic, Event, str]] = [
        (DELIVERIES, attempted(content, target, outcome, attempt), "delivery")
    ]
    if outcome.kind is Outcome.DROP_TOKEN:
        reason = f"{provider}: {outcome.error_code or outcome.detail}"
        gone = DeviceUnregistered(wallet=target.wallet, device_token=target.token, reason=reason)
        facts.append((DEVICES, gone, "drop-token"))
    # Refused credentials are the app's fault, not the message's: it waits for the fix.
    if outcome.kind not in (Outcome.RETRY, Outcome.CREDENTIALS):
        return facts
    if policy.gives_up_after(attempt):
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
    delay = policy.delay(attempt, outcome.retry_after, f"{nid}\x1f{target.token}")
    retry = DeliveryRetryScheduled(
        notification_id=nid,
        wallet=target.wallet,
        device_token=target.token,
        provider=provider,
        attempt=attempt + 1,
        not_before=now + timedelta(seconds=delay),
        cid=content.cid,
        channel=content.channel,
        payload=content.payload,
    )
    facts.append((DELIVERIES, retry, "retry"))
    return facts


def attempted(
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
