"""The indexed room manager leaves rooms exactly as python-socketio's own manager does."""

from __future__ import annotations

from typing import Any

import socketio

from pushnode_gateway.sockets.rooms import IndexedRooms

NS = "/"


async def connected(manager: Any, count: int) -> list[str]:
    """Sockets connected to the namespace as the server connects them (eio sids eio0, eio1…)."""
    socketio.AsyncServer(client_manager=manager)  # the manager draws sids from its server
    return [await manager.connect(f"eio{n}", NS) for n in range(count)]


async def rooms_after_a_session(manager: Any) -> dict[str, list[str]]:
    """Room -> member eio sids, after sockets join wallet rooms, leave one and disconnect."""
    alice, bob, carol = await connected(manager, 3)
    for sid, room in ((alice, "0xaa"), (bob, "0xaa"), (carol, "0xcc"), (alice, "delivery")):
        await manager.enter_room(sid, NS, room)
    await manager.leave_room(alice, NS, "delivery")
    manager.pre_disconnect(bob, NS)
    await manager.disconnect(bob, NS)
    await manager.disconnect(carol, NS)
    named = {alice: "own:alice", bob: "own:bob", carol: "own:carol"}
    return {
        str(named.get(room, room)): sorted(members.values())
        for room, members in manager.rooms.get(NS, {}).items()
    }


async def test_disconnecting_leaves_the_same_rooms_as_the_stock_manager() -> None:
    indexed = await rooms_after_a_session(IndexedRooms())
    stock = await rooms_after_a_session(socketio.AsyncManager())

    assert indexed == stock
    assert indexed == {"None": ["eio0"], "own:alice": ["eio0"], "0xaa": ["eio0"]}


async def test_a_disconnected_socket_is_in_no_room_and_forgotten() -> None:
    manager = IndexedRooms()
    alice, bob = await connected(manager, 2)
    await manager.enter_room(alice, NS, "0xaa")
    await manager.enter_room(bob, NS, "0xaa")

    await manager.disconnect(alice, NS)

    assert all(alice not in members for members in manager.rooms[NS].values())
    assert (NS, alice) not in manager.rooms_of
    assert [sid for sid, _ in manager.get_participants(NS, "0xaa")] == [bob]
