"""CAIP-10 account ids, partial CAIP (chain-less DIDs) and bare Ethereum addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from eth_utils.address import is_address, to_checksum_address

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
# ASCII digits that fit a signed 64-bit column: str.isdigit() admits superscripts and other
# scripts' digits, and an unbounded number would reach the database (or int()'s digit limit)
# as a server error.
_CHAIN_ID = re.compile(r"[0-9]{1,19}")
MAX_CHAIN_ID = 2**63 - 1


class BadAddress(ValueError):
    """Not a CAIP-10 / partial CAIP / bare address this node understands."""


@dataclass(frozen=True)
class Account:
    """An EVM account, optionally on a chain (None for partial CAIP `eip155:0x…`)."""

    address: str
    chain_id: int | None

    @property
    def lower(self) -> str:
        """The lower-case bare address: the node's canonical key for a wallet."""
        return self.address.lower()

    def caip10(self, default_chain: int | None = None) -> str:
        """`eip155:<chain>:<checksummed>`; partial form when no chain is known."""
        chain = self.chain_id if self.chain_id is not None else default_chain
        if chain is None:
            return f"eip155:{self.address}"
        return f"eip155:{chain}:{self.address}"


# Checksumming costs a keccak; the same few channel and wallet addresses come back all the time.
@lru_cache(maxsize=65_536)
def parse_account(text: str) -> Account:
    """Parse `eip155:<chain>:0x…`, `eip155:0x…` or `0x…` into an Account (checksummed)."""
    parts = text.strip().split(":")
    if len(parts) == 3 and parts[0] == "eip155" and _CHAIN_ID.fullmatch(parts[1]):
        if int(parts[1]) > MAX_CHAIN_ID:
            raise BadAddress(f"chain id {parts[1]} is out of range")
        chain: int | None = int(parts[1])
        raw = parts[2]
    elif len(parts) == 2 and parts[0] == "eip155":
        chain, raw = None, parts[1]
    elif len(parts) == 1:
        chain, raw = None, parts[0]
    else:
        raise BadAddress(f"not a CAIP-10 account: {text!r}")
    if not _ADDRESS.match(raw) or not is_address(raw):
        raise BadAddress(f"not an Ethereum address: {raw!r}")
    return Account(to_checksum_address(raw), chain)
