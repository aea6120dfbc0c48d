"""Closing a provider client over one httpx.AsyncClient: by hand or with `async with`."""

from __future__ import annotations

from typing import Self

import httpx


class OwnsHttpClient:
    """Closes `_http` on aclose() or on leaving `async with`."""

    _http: httpx.AsyncClient

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
