"""A node's secp256k1 key: its address is its node id; it signs 32-byte digests recoverably.

coincurve (libsecp256k1) signs and recovers; eth-keys' checksummed-address rule names the
node. Signatures are r || s || v with v in {0, 1} and s in the lower half of the group order:
a high-s twin of a valid signature is refused, so one record has exactly one valid signature.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import coincurve
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = SECP256K1_N // 2


class BadNodeSignature(ValueError):
    """The bytes are not a canonical node signature, or recover to no key."""


class NodeKey:
    """The private key a node signs its records and its requests with."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ValueError("a node key is 32 bytes")
        self._key = coincurve.PrivateKey(secret)
        self.address = address_of(self._key.public_key.format(compressed=False)[1:])

    @classmethod
    def generate(cls) -> NodeKey:
        """A fresh random key."""
        return cls(os.urandom(32))

    @classmethod
    def load_or_create(cls, path: Path) -> NodeKey:
        """The key in `path` (hex), created there (mode 0600) on first start."""
        if path.exists():
            return cls(bytes.fromhex(path.read_text().strip().removeprefix("0x")))
        key = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.new")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(key.secret_hex() + "\n")
        try:  # two services start at once: the first link wins, the other reads it
            os.link(partial, path)
        except FileExistsError:
            key = cls(bytes.fromhex(path.read_text().strip().removeprefix("0x")))
        finally:
            partial.unlink()
        return key

    def secret_hex(self) -> str:
        """The secret as hex (for the key file and the k8s Secret)."""
        return self._key.secret.hex()

    def sign_digest(self, digest: bytes) -> str:
        """0x-hex r || s || v of a 32-byte digest (libsecp256k1 always gives low s)."""
        if len(digest) != 32:
            raise ValueError("sign a 32-byte digest")
        return "0x" + self._key.sign_recoverable(digest, hasher=None).hex()


def recover_digest_signer(digest: bytes, signature: str) -> str:
    """The checksummed address that signed `digest`; BadNodeSignature for anything else."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError as exc:
        raise BadNodeSignature("signature is not hex") from exc
    if len(raw) != 65 or len(digest) != 32:
        raise BadNodeSignature("a node signature is 65 bytes over a 32-byte digest")
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    if v not in (0, 1) or not (0 < r < SECP256K1_N) or not (0 < s <= _HALF_N):
        raise BadNodeSignature("not a canonical signature (v, r or s out of range, or high s)")
    try:
        public = coincurve.PublicKey.from_signature_and_message(raw, digest, hasher=None)
    except Exception as exc:  # libsecp256k1 found no point for these r, s
        raise BadNodeSignature(f"cannot recover signer: {exc}") from exc
    return address_of(public.format(compressed=False)[1:])


@lru_cache(maxsize=1024)
def address_of(public_key: bytes) -> str:
    """Checksummed Ethereum address of a 64-byte uncompressed public key."""
    return str(to_checksum_address(keccak(public_key)[-20:]))


def normalise_address(address: str) -> str:
    """A node id as written everywhere: the checksummed address (ValueError if not one)."""
    return str(to_checksum_address(address))
