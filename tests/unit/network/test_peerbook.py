"""The peer set folded from registry decisions: joins, moves, removals, reorgs, and never itself."""

from __future__ import annotations

from pushnode_shared.protocol.events import (
    PeerRefused,
    PeerRegistered,
    PeerRemoved,
    PeerRetracted,
)
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.peerbook import PeerBook
from pushnode_shared.protocol.network.peers import Peer

ME, JOINER, CONFIGURED = (NodeKey.generate().address for _ in range(3))
CHAIN = 11155111


def registered(node: str, url: str, observation: str) -> PeerRegistered:
    return PeerRegistered(node=node, chain_id=CHAIN, observation=observation, url=url)


def removed(node: str, observation: str) -> PeerRemoved:
    return PeerRemoved(node=node, chain_id=CHAIN, observation=observation)


def retracted(node: str, observation: str) -> PeerRetracted:
    return PeerRetracted(node=node, chain_id=CHAIN, observation=observation)


def urls(book: PeerBook) -> dict[str, str]:
    return {p.address: p.url for p in book.peers()}


def test_a_registered_node_joins_the_configured_peers() -> None:
    book = PeerBook(ME, [Peer(url="http://a:4000", address=CONFIGURED)])
    assert book.apply(registered(JOINER, "http://b:4100", "o1")) is True
    assert urls(book) == {CONFIGURED: "http://a:4000", JOINER: "http://b:4100"}


def test_a_second_registration_moves_the_node_to_its_new_url() -> None:
    book = PeerBook(ME)
    book.apply(registered(JOINER, "http://b:4100", "o1"))
    book.apply(registered(JOINER, "https://b.example", "o2"))
    assert urls(book) == {JOINER: "https://b.example"}


def test_a_removed_node_is_no_longer_a_peer() -> None:
    book = PeerBook(ME)
    book.apply(registered(JOINER, "http://b:4100", "o1"))
    assert book.apply(removed(JOINER, "o2")) is True
    assert book.peers() == []


def test_a_retracted_move_puts_the_node_back_at_its_old_url() -> None:
    book = PeerBook(ME)
    book.apply(registered(JOINER, "http://b:4100", "o1"))
    book.apply(registered(JOINER, "http://c:4200", "o2"))
    book.apply(retracted(JOINER, "o2"))
    assert urls(book) == {JOINER: "http://b:4100"}


def test_a_retracted_removal_brings_the_node_back_and_a_retracted_join_drops_it() -> None:
    book = PeerBook(ME)
    book.apply(registered(JOINER, "http://b:4100", "o1"))
    book.apply(removed(JOINER, "o2"))
    book.apply(retracted(JOINER, "o2"))
    assert urls(book) == {JOINER: "http://b:4100"}
    book.apply(retracted(JOINER, "o1"))
    assert book.peers() == []


def test_a_node_never_becomes_its_own_peer() -> None:
    book = PeerBook(ME, [Peer(url="http://me:4000", address=ME)])
    assert book.apply(registered(ME, "http://me:4000", "o1")) is False
    assert book.peers() == []


def test_a_configured_peer_keeps_its_configured_url() -> None:
    book = PeerBook(ME, [Peer(url="http://a:4000", address=CONFIGURED)])
    assert book.apply(registered(CONFIGURED, "http://elsewhere:1", "o1")) is False
    assert urls(book) == {CONFIGURED: "http://a:4000"}


def test_a_decision_read_twice_counts_once_and_a_refusal_changes_nothing() -> None:
    book = PeerBook(ME)
    book.apply(registered(JOINER, "http://b:4100", "o1"))
    book.apply(registered(JOINER, "http://c:4200", "o2"))
    book.apply(registered(JOINER, "http://b:4100", "o1"))  # a replay of the first
    refusal = PeerRefused(
        node=JOINER, chain_id=CHAIN, observation="o3", url="ftp://x", reason="not http(s)"
    )
    assert book.apply(refusal) is False
    assert urls(book) == {JOINER: "http://c:4200"}
