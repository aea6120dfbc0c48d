"""Pure: a registered PGP key as the judge sees it, and the port that checks a pgpv4 proof."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

_WALLET = re.compile(r"0x[0-9a-f]{40}")


@dataclass(frozen=True)
class RegisteredKey:
    """The PGP key a wallet had registered at some moment of the log."""

    public_key: str
    fingerprint: str
    expires_us: int | None = None


class PgpCheck(Protocol):
    """Whether `signature` is a pgpv4 proof of `identity` by `public_key` (adapters/pgp.py)."""

    def __call__(self, public_key: str, identity: str, signature: str) -> bool: ...


def wallet_of(did: str) -> str | None:
    """The lower-case address of a wallet DID (`eip155:0x…`, `eip155:<chain>:0x…`)."""
    address = did.rsplit(":", 1)[-1].lower()
    return address if _WALLET.fullmatch(address) else None
