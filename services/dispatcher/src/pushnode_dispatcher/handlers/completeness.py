"""Whether a notification's pushes were complete, said out loud: metrics, a log line, readiness.

Every registered device a notification reaches is either pushed (an answer, published as
DeliveryAttempted) or counted here with why it was not: its app has no credentials on this
node (`unknown_app`), its platform's provider is off (`provider_off`), or it was lost between
the registry and the provider (`dropped`, a bug). A device registry that cannot catch up with
the `devices` topic holds notifications back (the sender retries); both make `/readyz` fail.
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
# How long one silently lost push keeps the sender unready: long enough to be seen.
DROP_UNREADY_SECONDS = 600.0
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
        self.last_drop: float | None = None

    def not_attempted(self, notification_id: str, reasons: Tally[str]) -> None:
        """Devices of one notification left unpushed, counted by reason (nothing if none)."""
        for reason, count in reasons.items():
            NOT_ATTEMPTED.labels(reason).inc(count)
            INCOMPLETE.labels(reason).inc()
        if reasons["dropped"]:
            self.last_drop = self.clock()
            log.error("pushes lost", notification_id=notification_id, lost=reasons["dropped"])
        elif reasons:
            log.info("devices not pushed", notification_id=notification_id, **dict(reasons))

    async def check(self) -> tuple[bool, str]:
        """Readiness: not ready while notifications wait on a stuck registry or lose pushes."""
        now = self.clock()
        behind = self.registry.behind_since if self.registry is not None else None
        if behind is not None and now - behind > BEHIND_UNREADY_SECONDS:
            return False, f"device registry behind the devices topic for {now - behind:.0f}s"
        if self.last_drop is not None and now - self.last_drop < DROP_UNREADY_SECONDS:
            return False, f"pushes lost {now - self.last_drop:.0f}s ago (see the log)"
        return True, "every registered device pushed or counted"
