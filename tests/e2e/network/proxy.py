"""A TCP proxy for one link between two nodes, which a test can cut and heal.

Runs its own event loop in a thread (the nodes are other processes; the test's loop belongs to
each test). A cut closes the open connections and refuses new ones, as a dead link would.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from functools import partial


class LinkProxy:
    """Listens on each of `routes`' ports and forwards to its target port on 127.0.0.1."""

    def __init__(self, routes: dict[int, int]) -> None:
        self.routes = routes
        self.cut = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        for listen, target in self.routes.items():
            self._loop.run_until_complete(
                asyncio.start_server(partial(self._pipe, target), "127.0.0.1", listen)
            )
        self._ready.set()
        self._loop.run_forever()

    def set_cut(self, cut: bool) -> None:
        """Cut (close everything, refuse new connections) or heal the link."""
        self.cut = cut
        if cut:
            self._loop.call_soon_threadsafe(self._close_all)

    def _close_all(self) -> None:
        for writer in list(self._writers):
            writer.close()

    async def _pipe(
        self, target: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if self.cut:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
        self._writers -= {writer, up_writer}


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()
