"""Whether a notification's pushes were complete, said out loud: metrics, a log line, readiness.

Every registered device a notification reaches is either pushed (an answer, published as
DeliveryAttempted) or counted here with why it was not: its app has no credentials on this
node (`unknown_app`), its platform's provider is off (`provider_off`), or it was lost between
the registry and the provider (`dropped`, a bug). Those are past facts, for metrics and the
`PushnodeNotificationPushesIncomplete` alert, not readiness: a sender that lost a push can
still serve the next one. A device registry that cannot catch up with the `devices` topic holds
notifications back (the sender retries): the sender is not caught up, so `/readyz` fails.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Callable

from prometheus_client import Counter

from pushnode_dispatcher.adapters.watermark import RegistryWatermark
from pushnode_shared.infra.logging import get_logger

__all__ = ["Completeness"]

log = get_logger(__name__)
NOT_ATTEMPTED = Counter(
    "pushnode_dispatcher_targets_not_attempted_total",
    "Registered devices a notification reached that were not pushed, by why",
    ["reason"],
)
INCOMPLETE = Counter(
    "pushnode_dispatcher_incomplete_notifications_total",
    "Notifications whose registered devices were not all pushed, by why",
    ["reason"],
)
# A registry behind for longer than this (the sender retrying meanwhile) is unready.
BEHIND_UNREADY_SECONDS = 30.0


class Completeness:
    """Counts what a notification did not push, and answers the sender's readiness check."""

    def __init__(
        self,
        registry: RegistryWatermark | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry, self.clock = registry, clock

    def not_attempted(self, notification_id: str, reasons: Tally[str]) -> None:
        """Devices of one notification left unpushed, counted by reason (nothing if none)."""
        for reason, count in reasons.items():
            NOT_ATTEMPTED.labels(reason).inc(count)
            INCOMPLETE.labels(reason).inc()
        if reasons["dropped"]:
            log.error("pushes lost", notification_id=notification_id, lost=reasons["dropped"])
        elif reasons:
            log.info("devices not pushed", notification_id=notification_id, **dict(reasons))

    async def check(self) -> tuple[bool, str]:
        """Readiness: not ready while notifications wait on a registry that cannot catch up."""
        now = self.clock()
        behind = self.registry.behind_since if self.registry is not None else None
        if behind is not None and now - behind > BEHIND_UNREADY_SECONDS:
            return False, f"device registry behind the devices topic for {now - behind:.0f}s"
        return True, "device registry caught up (unpushed devices: see the metrics)"
