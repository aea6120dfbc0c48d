"""An RPC provider's key, planted in its URL, appears in no log line and no error."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator

import pytest
import structlog

from pushnode_listener.adapters.chain import ChainRpc
from pushnode_shared.infra.context import TransientError
from pushnode_shared.infra.logging import configure_logging
from pushnode_shared.infra.untrusted import keep_recursion_limit_safe

KEY = "sEcReTkEy0123456789"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The node's real logging configuration, written to a buffer."""
    keep_recursion_limit_safe()
    buffer = io.StringIO()
    configure_logging("listener")
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(buffer), cache_logger_on_first_use=False
    )
    yield buffer
    structlog.reset_defaults()


async def _refusing_provider() -> tuple[asyncio.Server, int]:
    """An RPC endpoint that answers every request 401, as a provider does for a bad key."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_a_failing_rpc_call_logs_and_raises_without_the_key(log_lines: io.StringIO) -> None:
    server, port = await _refusing_provider()
    rpc = ChainRpc(f"http://user:{KEY}@127.0.0.1:{port}/v2/{KEY}?apikey={KEY}", attempts=2)
    with pytest.raises(TransientError) as raised:
        await rpc.head()
    await rpc.aclose()
    server.close()
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    assert any(line["event"] == "rpc call failed, retrying" for line in lines)
    assert KEY not in log_lines.getvalue()
    assert f"http://127.0.0.1:{port}" in log_lines.getvalue()
    assert KEY not in str(raised.value)


def test_any_url_in_a_log_line_keeps_only_its_scheme_and_host(log_lines: io.StringIO) -> None:
    structlog.get_logger("anywhere").error(
        "upstream failed",
        error=f"HTTPError for url https://eth.example/v3/{KEY}",
        urls=[f"wss://eth.example/ws/{KEY}"],
    )
    assert KEY not in log_lines.getvalue()
    assert "https://eth.example" in log_lines.getvalue()
