"""JSON-RPC to one EVM chain through web3's async HTTP provider, raw results (no formatting).

Each call waits for the chain's rate limit (if one is configured), and a failed call is retried
with exponential backoff and jitter, each retry logged; a refused eth_getLogs range is not
retried here, the poller asks for fewer blocks instead. After the last attempt the fault goes
up to the poller, which backs off the whole step.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from web3 import AsyncHTTPProvider

from pushnode_listener.domain import Header
from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.redact import redact_url, redact_urls

log = get_logger(__name__)

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


def limiter(max_rps: float | None) -> AsyncLimiter | None:
    """A limiter allowing `max_rps` requests per second (bursts up to one second's worth)."""
    if not max_rps:
        return None
    if max_rps >= 1:
        return AsyncLimiter(max_rps, 1.0)
    return AsyncLimiter(1, 1.0 / max_rps)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, TransientError) and not isinstance(exc, RangeTooLarge)


class ChainRpc:
    """The calls the listener needs: chain id, head, block headers, logs."""

    def __init__(
        self,
        url: str,
        *,
        chain_id: int = 0,
        max_rps: float | None = None,
        attempts: int = 8,
        max_delay: float = 5.0,
        timeout: float = 30.0,
    ) -> None:
        # web3's own retries are off: they are silent, ours are logged and rate limited.
        self._provider = AsyncHTTPProvider(
            url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
        )
        self.url, self.chain = url, chain_id
        self._limiter = limiter(max_rps)
        self._attempts, self._max_delay = attempts, max_delay

    async def _call(self, method: str, params: list[Any]) -> Any:
        retrying = AsyncRetrying(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.05, max=self._max_delay),
            before_sleep=lambda state: self._log_retry(method, state),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._once(method, params)
        raise AssertionError("unreachable: tenacity re-raises the last fault")

    def _log_retry(self, method: str, state: RetryCallState) -> None:
        outcome = state.outcome.exception() if state.outcome else None
        log.log(
            logging.WARNING if state.attempt_number >= 3 else logging.INFO,
            "rpc call failed, retrying",
            chain=self.chain,
            rpc=redact_url(self.url),
            method=method,
            attempt=state.attempt_number,
            retry_in_s=round(state.upcoming_sleep, 3),
            error=redact_urls(str(outcome)),
        )

    async def _once(self, method: str, params: list[Any]) -> Any:
        if self._limiter is not None:
            await self._limiter.acquire()
        try:
            response = await self._provider.make_request(method, params)
        except TimeoutError as exc:  # aiohttp timeouts are TimeoutError too
            if method == "eth_getLogs":
                raise RangeTooLarge(f"{method}: timed out") from exc
            raise TransientError(f"{method}: timed out") from exc
        except Exception as exc:  # aiohttp errors: the RPC is unavailable for now
            raise TransientError(f"{method}: {redact_urls(_describe(exc))}") from exc
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


def _describe(exc: Exception) -> str:
    """Short enough for a log line: an HTTP status without the request's headers."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return f"HTTP {status} {getattr(exc, 'message', '')}".strip()
    return repr(exc)


def _rpc_error(method: str, error: Any) -> TransientError:
    text = str(error).lower()
    code = error.get("code") if isinstance(error, dict) else None
    if method == "eth_getLogs" and (code == LIMIT_CODE or any(t in text for t in TOO_MUCH)):
        return RangeTooLarge(f"{method}: {error}")
    return TransientError(f"{method}: {error}")
