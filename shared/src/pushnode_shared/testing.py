"""Fakes shipped beside the real adapters, for unit tests: an in-memory producer."""

from __future__ import annotations

from collections.abc import Sequence

from pushnode_shared.envelope import Envelope
from pushnode_shared.topics import Topic


class InMemoryProducer:
    """Records what would have been published, per topic, in order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, Envelope]] = []

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to close."""

    async def publish(self, topic: Topic, envelope: Envelope) -> None:
        """Append one envelope."""
        self.published.append((topic.name, envelope))

    async def publish_many(self, items: Sequence[tuple[Topic, Envelope]]) -> None:
        """Append several envelopes."""
        for topic, envelope in items:
            await self.publish(topic, envelope)

    def on(self, topic: Topic) -> list[Envelope]:
        """Envelopes published to one topic."""
        return [e for name, e in self.published if name == topic.name]
