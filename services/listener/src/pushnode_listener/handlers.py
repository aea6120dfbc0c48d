"""Listener handlers: consume chain-cursors (its own checkpoints) into the cursor table."""

from __future__ import annotations

from pushnode_listener.adapters import db
from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope
from pushnode_shared.events import ChainCursorAdvanced, payload_of


async def on_chain_cursor_advanced(ctx: HandlerContext, envelope: Envelope) -> None:
    cursor = payload_of(envelope, ChainCursorAdvanced)
    await db.save_cursor(
        ctx.session, cursor.chain_id, cursor.block_number, cursor.block_hash, cursor.logs_emitted
    )


HANDLERS: dict[str, Handler] = {"ChainCursorAdvanced": on_chain_cursor_advanced}
