"""python-socketio's room manager, plus an index of each socket's rooms for cheap disconnects.

The stock `basic_disconnect` finds a leaving socket's rooms by looking for it in every room of
the namespace, and every socket has a room of its own (its sid). With N sockets a disconnect
costs N lookups, so N sockets dropping at once (a load balancer restart, a network blip) is N^2:
for 10,000 sockets, 10^8 lookups and the event loop blocked for tens of seconds. Here each
socket's rooms are kept as it enters and leaves them, and a disconnect leaves just those.
"""

from __future__ import annotations

from typing import Any

import socketio


class IndexedRooms(socketio.AsyncManager):  # type: ignore[misc]
    """AsyncManager whose disconnect does not scan every room."""

    def __init__(self) -> None:
        super().__init__()
        self.rooms_of: dict[tuple[str, str], set[str | None]] = {}

    def basic_enter_room(
        self, sid: str, namespace: str, room: str | None, eio_sid: str | None = None
    ) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self.rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: str | None) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self.rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self.rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **_: Any) -> None:
        """The stock method's work (python-socketio 5.x), with the room scan replaced."""
        if namespace not in self.rooms:
            return
        for room in list(self.rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]
