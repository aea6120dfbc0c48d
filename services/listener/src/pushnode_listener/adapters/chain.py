"""JSON-RPC to one EVM chain through web3's async HTTP provider, raw results (no formatting)."""

from __future__ import annotations

from typing import Any

from web3 import AsyncHTTPProvider

from pushnode_shared.consumer import TransientError


class ChainRpc:
    """The three calls the listener needs: head, block hash, logs."""

    def __init__(self, url: str) -> None:
        self._provider = AsyncHTTPProvider(url, request_kwargs={"timeout": 30})

    async def _call(self, method: str, params: list[Any]) -> Any:
        try:
            response = await self._provider.make_request(method, params)
        except Exception as exc:  # aiohttp/timeout errors: the RPC is unavailable for now
            raise TransientError(f"{method}: {exc!r}") from exc
        if "error" in response:
            raise TransientError(f"{method}: {response['error']}")
        return response["result"]

    async def head(self) -> int:
        """eth_blockNumber."""
        return int(await self._call("eth_blockNumber", []), 16)

    async def block_hash(self, number: int) -> str:
        """Hash of the block at that height."""
        block = await self._call("eth_getBlockByNumber", [hex(number), False])
        if block is None:
            raise TransientError(f"block {number} not available yet")
        return str(block["hash"])

    async def logs(self, addresses: list[str], start: int, end: int) -> list[dict[str, Any]]:
        """eth_getLogs over an inclusive block range for the given contracts."""
        result = await self._call(
            "eth_getLogs",
            [{"address": addresses, "fromBlock": hex(start), "toBlock": hex(end)}],
        )
        return list(result)

    async def chain_id(self) -> int:
        """eth_chainId, to refuse a misconfigured RPC URL."""
        return int(await self._call("eth_chainId", []), 16)

    async def aclose(self) -> None:
        """Release the provider's HTTP session."""
        disconnect = getattr(self._provider, "disconnect", None)
        if disconnect is not None:
            await disconnect()
