"""Reading the node's topics as any consumer of its public wire types would (envelopes from
`pushnode_shared`), and the notification ids the gateway gave the bodies a test posted.

A test never derives a notification id with the node's own helper: it reads the id the
gateway put on `protocol-inputs` with the submission (NotificationSubmitted carries both the
body's verificationProof and the id), so a wrong id on the node's side is seen, not copied.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition

from pushnode_shared.infra.envelope import Envelope, MalformedEvent, from_record
from pushnode_shared.infra.kafka import topic_partitions
from pushnode_shared.protocol.events import unwrap
from pushnode_shared.protocol.topics import PROTOCOL_INPUTS, Topic


async def read_to_end(
    bootstrap: str, topic: Topic, positions: dict[TopicPartition, int] | None = None
) -> list[Envelope]:
    """Every envelope on `topic` from `positions` (the beginning where none) to its current
    end; `positions` is moved to that end. Records no consumer could read are skipped
    (test_poison's garbage: dead-lettered, never an event)."""
    positions = {} if positions is None else positions
    tps = await topic_partitions(bootstrap, [topic])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, positions.get(tp, 0))
        ends = await consumer.end_offsets(tps)
        found: list[Envelope] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                found += [e for r in records if (e := _event(r.value, r.headers)) is not None]
        positions.update({tp: await consumer.position(tp) for tp in tps})
        return found
    finally:
        await consumer.stop()


def _event(value: bytes | None, headers: Iterable[tuple[str, bytes]]) -> Envelope | None:
    try:
        envelope = from_record(value, list(headers))
        unwrap(envelope)
    except MalformedEvent:
        return None
    return envelope


class SubmittedIds:
    """verificationProof -> notification id, for the bodies the gateway acknowledged."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.ids: dict[str, str] = {}
        self._positions: dict[TopicPartition, int] = {}

    async def of(self, proofs: Iterable[str]) -> dict[str, str]:
        """The id of each proof the topic holds so far (reads on only while one is unknown)."""
        wanted = set(proofs)
        if not wanted <= set(self.ids):
            for envelope in await read_to_end(self.bootstrap, PROTOCOL_INPUTS, self._positions):
                if envelope.type == "NotificationSubmitted":
                    proof = envelope.payload["verification_proof"]
                    self.ids[proof] = envelope.payload["notification_id"]
        return {proof: self.ids[proof] for proof in wanted if proof in self.ids}

    async def one(self, proof: str) -> str:
        """The id of one acknowledged body (its submission is on the topic once acknowledged)."""
        found = await self.of([proof])
        assert proof in found, f"no NotificationSubmitted for {proof[:40]}…"
        return found[proof]
