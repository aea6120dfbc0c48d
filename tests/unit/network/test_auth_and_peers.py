"""Node-to-node requests carry a node signature; peers come from a bounded, checked list."""

from __future__ import annotations

import json

import pytest

from pushnode_shared.protocol.network.auth import (
    MAX_SKEW_SECONDS,
    NODE_ID,
    Unauthorised,
    check_request,
    sign_request,
)
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.peers import MAX_PEERS, parse_peers

PEER, STRANGER = NodeKey.generate(), NodeKey.generate()
PATH, QUERY = "/apis/v1/node/records", "origin=0xabc&after=3"
WIDE_1000 = "\uff11\uff10\uff10\uff10"  # fullwidth digits: isdigit() is true, int() works


def check(headers: dict[str, str], now: int = 1000, query: str = QUERY) -> str:
    return check_request(headers, "GET", PATH, query, now=now, peers={PEER.address})


def test_a_request_signed_by_a_configured_peer_names_it() -> None:
    assert check(sign_request(PEER, "GET", PATH, QUERY, 1000)) == PEER.address


@pytest.mark.parametrize(
    "headers",
    [
        {},
        sign_request(STRANGER, "GET", PATH, QUERY, 1000),
        sign_request(STRANGER, "GET", PATH, QUERY, 1000) | {NODE_ID: PEER.address},
        sign_request(PEER, "GET", PATH, "origin=0xabc&after=0", 1000),
        sign_request(PEER, "GET", PATH, QUERY, 1000 - MAX_SKEW_SECONDS - 1),
        sign_request(PEER, "GET", PATH, QUERY, 1000) | {"x-pushnode-time": WIDE_1000},
    ],
)
def test_strangers_other_queries_stale_times_and_odd_digits_are_refused(
    headers: dict[str, str],
) -> None:
    with pytest.raises(Unauthorised):
        check(headers)


def test_peers_are_read_with_checksummed_node_ids_and_bare_urls() -> None:
    (peer,) = parse_peers(
        json.dumps([{"url": "http://127.0.0.1:4100/", "address": PEER.address.lower()}])
    )
    assert peer.url == "http://127.0.0.1:4100" and peer.address == PEER.address


@pytest.mark.parametrize(
    "text",
    [
        '[{"url": "file:///etc/passwd", "address": "0x0000000000000000000000000000000000000001"}]',
        '[{"url": "http://a", "address": "nope"}]',
        json.dumps([{"url": "http://a", "address": PEER.address}] * (MAX_PEERS + 1)),
        "{",
    ],
)
def test_other_schemes_bad_addresses_too_many_peers_and_bad_json_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_peers(text)
