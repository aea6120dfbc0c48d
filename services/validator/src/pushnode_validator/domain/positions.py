"""Pure: numbering a channel's subscription facts, the clock a broadcast's audience is read by.

Each SubscriptionAdded/Removed of a channel takes the next position; a broadcast is stamped
with the channel's position when judged. Consumers fold the facts into subscription periods
(pushnode_shared.protocol.periods) and fan a broadcast out to the periods containing its position,
so "the subscribers at the time of the notification" needs no list in the decision.
"""

from __future__ import annotations

from collections.abc import Iterable

from pushnode_shared.protocol.events import Event, SubscriptionAdded, SubscriptionRemoved


def stamp(facts: Iterable[Event], position: int) -> tuple[list[Event], int]:
    """The facts with their positions (after `position`), and the channel's position after."""
    stamped: list[Event] = []
    for fact in facts:
        if isinstance(fact, SubscriptionAdded | SubscriptionRemoved):
            position += 1
            fact = fact.model_copy(update={"position": position})
        stamped.append(fact)
    return stamped, position
