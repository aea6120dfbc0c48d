"""JSON-RPC to one EVM chain through web3's async HTTP provider, raw results (no formatting)."""

from __future__ import annotations

from typing import Any, Protocol

from web3 import AsyncHTTPProvider

from pushnode_listener.domain import Header
from pushnode_shared.consumer import TransientError

# Fragments of the errors providers answer when an eth_getLogs range holds too much
# (geth/erigon "query returned more than 10000 results", Infura -32005 "limit exceeded",
# Alchemy "Log response size exceeded", "block range is too wide", QuickNode "range too large").
TOO_MUCH = (
    "more than",
    "limit exceeded",
    "size exceeded",
    "too many",
    "too large",
    "too wide",
    "range is too",
    "exceed maximum block range",
    "timeout",
    "timed out",
)
LIMIT_CODE = -32005


class RangeTooLarge(TransientError):
    """eth_getLogs refused or timed out on a range: ask again for fewer blocks."""


class ChainReader(Protocol):
    """What the poller asks a chain (the real RPC, or an in-memory chain in unit tests)."""

    async def chain_id(self) -> int: ...
    async def head(self) -> int: ...
    async def header(self, number: int) -> Header | None: ...
    async def logs(self, addresses: list[str], start: int, end: int) -> list[dict[str, Any]]: ...


class ChainRpc:
    """The calls the listener needs: chain id, head, block headers, logs."""

    def __init__(self, url: str) -> None:
        self._provider = AsyncHTTPProvider(url, request_kwargs={"timeout": 30})

    async def _call(self, method: str, params: list[Any]) -> Any:
        try:
            response = await self._provider.make_request(method, params)
        except TimeoutError as exc:  # aiohttp timeouts are TimeoutError too
            if method == "eth_getLogs":
                raise RangeTooLarge(f"{method}: timed out") from exc
            raise TransientError(f"{method}: timed out") from exc
        except Exception as exc:  # aiohttp errors: the RPC is unavailable for now
            raise TransientError(f"{method}: {exc!r}") from exc
        if "error" in response:
            raise _rpc_error(method, response["error"])
        return response["result"]

    async def head(self) -> int:
        """eth_blockNumber."""
        return int(await self._call("eth_blockNumber", []), 16)

    async def header(self, number: int) -> Header | None:
        """Number, hash and parent hash of the block at that height; None if the RPC lacks it."""
        block = await self._call("eth_getBlockByNumber", [hex(number), False])
        if block is None:
            return None
        return Header(number=number, hash=str(block["hash"]), parent_hash=str(block["parentHash"]))

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


def _rpc_error(method: str, error: Any) -> TransientError:
    text = str(error).lower()
    code = error.get("code") if isinstance(error, dict) else None
    if method == "eth_getLogs" and (code == LIMIT_CODE or any(t in text for t in TOO_MUCH)):
        return RangeTooLarge(f"{method}: {error}")
    return TransientError(f"{method}: {error}")
