"""Listener handlers: consume chain-cursors (its own checkpoints, window and rewinds) into the
cursor tables; produce nothing."""

from __future__ import annotations

from pushnode_listener.adapters import db
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import ChainCursorAdvanced, payload_of
from pushnode_shared.protocol.events.chain import ChainBlocksRecorded, ChainCursorRewound


async def on_chain_cursor_advanced(ctx: HandlerContext, envelope: Envelope) -> None:
    cursor = payload_of(envelope, ChainCursorAdvanced)
    await db.save_cursor(
        ctx.session, cursor.chain_id, cursor.block_number, cursor.block_hash, cursor.logs_emitted
    )


async def on_chain_blocks_recorded(ctx: HandlerContext, envelope: Envelope) -> None:
    recorded = payload_of(envelope, ChainBlocksRecorded)
    await db.record_blocks(ctx.session, recorded.chain_id, recorded.blocks, recorded.window)


async def on_chain_cursor_rewound(ctx: HandlerContext, envelope: Envelope) -> None:
    rewound = payload_of(envelope, ChainCursorRewound)
    await db.rewind_cursor(ctx.session, rewound.chain_id, rewound.block_number, rewound.block_hash)


HANDLERS: dict[str, Handler] = {
    "ChainCursorAdvanced": on_chain_cursor_advanced,
    "ChainBlocksRecorded": on_chain_blocks_recorded,
    "ChainCursorRewound": on_chain_cursor_rewound,
}
