"""A channel's `1+<cid>` identity is read from kubo once, live, and put on the log."""

from __future__ import annotations

import json

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.ipfs import MemoryBlockStore, cid_of
from pushnode_validator.adapters.ipfs import PayloadFetcher
from pushnode_validator.bootstrap import make_handlers
from pushnode_validator.domain.channel_meta import META_MAX_BYTES
from tests.unit.validator.conftest import SEPOLIA, log_of, run

CHANNEL = "0x" + "c1" * 20
META = {
    "name": "Kubo channel",
    "info": "made with ipfs add",
    "url": "https://push.org",
    "icon": "data:image/png;base64," + "A" * 40_000,  # bigger than any notification payload
    "aliasDetails": {},
}


def created_with(identity: str, block: int = 1) -> Envelope:
    args = {"channel": CHANNEL, "channelType": 2, "identity": "0x" + identity.encode().hex()}
    return log_of("AddChannel", CHANNEL, args, block)


async def store_with(data: bytes) -> tuple[MemoryBlockStore, str]:
    store = MemoryBlockStore()
    return store, await store.put(data)


def metadata_events(published: list[Envelope]) -> list[dict[str, object]]:
    return [e.payload for e in published if e.type == "ChannelMetadataResolved"]


async def test_a_created_channels_metadata_is_read_from_kubo_onto_the_log(vdb: Database) -> None:
    store, cid = await store_with(json.dumps(META).encode())
    handlers = make_handlers((SEPOLIA,), payloads=PayloadFetcher(store))
    [meta] = metadata_events(await run(handlers, vdb, created_with(f"1+{cid}")))
    assert meta == {
        "channel": CHANNEL,
        "cid": cid,
        "found": True,
        **{k: META[k] for k in ("name", "info", "url", "icon")},
    }


async def test_a_cid_this_node_lacks_or_that_is_not_json_says_not_found(vdb: Database) -> None:
    store, garbage = await store_with(b"not json")
    missing = cid_of(b"never stored")
    handlers = make_handlers((SEPOLIA,), payloads=PayloadFetcher(store))
    first = await run(handlers, vdb, created_with(f"1+{missing}", block=1))
    second = await run(handlers, vdb, created_with(f"1+{garbage}", block=2))
    assert [m["found"] for m in metadata_events(first + second)] == [False, False]


async def test_metadata_over_the_limit_is_not_read(vdb: Database) -> None:
    store, cid = await store_with(b'{"name": "' + b"x" * META_MAX_BYTES + b'"}')
    handlers = make_handlers((SEPOLIA,), payloads=PayloadFetcher(store))
    [meta] = metadata_events(await run(handlers, vdb, created_with(f"1+{cid}")))
    assert meta["found"] is False


async def test_a_rebuild_neither_reads_kubo_nor_publishes_metadata(vdb: Database) -> None:
    class Unreachable(MemoryBlockStore):
        async def get(self, cid: str) -> bytes:
            raise AssertionError("a rebuild asked kubo")

    handlers = make_handlers((SEPOLIA,), payloads=PayloadFetcher(Unreachable()))
    envelope = created_with(f"1+{cid_of(b'anything')}")
    async with vdb.transaction() as session:
        ctx = HandlerContext(session=session, replay=True)
        await handlers.mapping()[envelope.type](ctx, envelope)
    assert metadata_events([e for _, e in ctx.outbox]) == []
