"""The HTTP transport signs every request, asks configured peers only and bounds every answer."""

from __future__ import annotations

import json

import httpx
import pytest

from pushnode_listener.network import transport as module
from pushnode_listener.network.transport import HttpTransport
from pushnode_shared.protocol.network.auth import check_request
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.peers import Peer
from pushnode_shared.protocol.network.replication import FrontierEntry, PeerUnreachable

ME, PEER = NodeKey.generate(), NodeKey.generate()
ORIGIN = "0x" + "ab" * 20


def transport_answering(answer: httpx.Response, seen: list[httpx.Request]) -> HttpTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    return HttpTransport(ME, [Peer(url="http://peer:4100", address=PEER.address)], client)


async def test_a_frontier_request_is_signed_so_the_peer_can_name_the_asker() -> None:
    seen: list[httpx.Request] = []
    body = {"frontier": {ORIGIN: {"seq": 3, "hash": "f" * 64}}}
    transport = transport_answering(httpx.Response(200, json=body), seen)
    assert await transport.frontier(PEER.address) == {ORIGIN: FrontierEntry(3, "f" * 64)}
    (request,) = seen
    asker = check_request(
        dict(request.headers),
        "GET",
        request.url.path,
        request.url.query.decode(),
        now=int(request.headers["x-pushnode-time"]),
        peers={ME.address},
    )
    assert asker == ME.address


async def test_a_node_that_is_not_a_configured_peer_is_never_asked() -> None:
    seen: list[httpx.Request] = []
    transport = transport_answering(httpx.Response(200, json={}), seen)
    with pytest.raises(PeerUnreachable):
        await transport.records(NodeKey.generate().address, ORIGIN, 0, 10)
    assert seen == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500),
        httpx.Response(200, content=b"{" * 10),
        httpx.Response(200, json={"frontier": [1, 2]}),
    ],
)
async def test_errors_and_answers_that_are_not_a_frontier_make_the_peer_unreachable(
    answer: httpx.Response,
) -> None:
    with pytest.raises(PeerUnreachable):
        await transport_answering(answer, []).frontier(PEER.address)


async def test_an_answer_over_the_byte_bound_is_not_read_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(module, "MAX_ANSWER_BYTES", 1000)
    big = json.dumps({"records": ["x" * 2000]}).encode()
    with pytest.raises(PeerUnreachable):
        await transport_answering(httpx.Response(200, content=big), []).records(
            PEER.address, ORIGIN, 0, 10
        )


async def test_a_page_longer_than_asked_for_is_cut_to_the_limit() -> None:
    body = {"records": [{"n": i} for i in range(50)]}
    got = await transport_answering(httpx.Response(200, json=body), []).records(
        PEER.address, ORIGIN, 0, 5
    )
    assert len(got) == 5
