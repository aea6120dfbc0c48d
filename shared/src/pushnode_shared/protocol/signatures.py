"""Wallet signature helpers: the EIP-712 "EPNS COMM V1" Data proof and EIP-191 personal_sign.

eth-account does the signing and builds the EIP-712 domain; recovery goes straight to
coincurve (libsecp256k1, the backend eth-account itself uses through eth-keys): the validator
recovers thousands of proofs a second, and eth-account's generic path spends most of its time
in validation wrappers and extra keccaks around the one secp256k1 call. tests/unit/shared/
test_signatures.py holds the two paths equal on malformed signatures; high-s ones (the
malleable twin of a low-s signature, EIP-2) are refused here where eth-account accepts them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import coincurve
from eth_account import Account
from eth_account.messages import SignableMessage, encode_defunct, encode_typed_data
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

from pushnode_shared.infra.untrusted import keep_recursion_limit_safe

keep_recursion_limit_safe()  # eth-account just imported py_ecc, which raised it

COMM_DOMAIN_NAME = "EPNS COMM V1"


class BadSignature(ValueError):
    """The signature bytes are malformed or recover to no address."""


def data_typed_message(data: str, chain_id: int, comm_address: str) -> dict[str, Any]:
    """The typed data the SDK signs for `eip712v2` proofs: Data{data: string}."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Data": [{"name": "data", "type": "string"}],
        },
        "primaryType": "Data",
        "domain": {
            "name": COMM_DOMAIN_NAME,
            "chainId": chain_id,
            "verifyingContract": _checksummed(comm_address),
        },
        "message": {"data": data},
    }


@lru_cache(maxsize=256)
def _checksummed(address: str) -> str:
    # The Comm address of every proof: checksumming it costs a keccak each time otherwise.
    return str(to_checksum_address(address))


# keccak("Data(string data)"): the type hash of the one-field struct every eip712v2 proof signs.
_DATA_TYPEHASH = keccak(b"Data(string data)")


@lru_cache(maxsize=256)
def _domain_separator(chain_id: int, comm_address: str) -> bytes:
    typed = data_typed_message("", chain_id, comm_address)
    return bytes(encode_typed_data(full_message=typed).header)


def data_signable(data: str, chain_id: int, comm_address: str) -> SignableMessage:
    """The EIP-712 message of Data{data}, as encode_typed_data builds it, minus its cost.

    The domain separator comes from eth-account once per (chain, Comm); the struct hash of a
    single string field is keccak(typeHash || keccak(data)) (EIP-712 hashStruct). A unit test
    holds it equal to encode_typed_data's for arbitrary data; the validator recovers thousands
    of these a second, and eth-account's generic encoder re-derives the types every time.
    """
    body = keccak(_DATA_TYPEHASH + keccak(data.encode()))
    return SignableMessage(b"\x01", _domain_separator(chain_id, comm_address), body)


def recover_data_signer(data: str, chain_id: int, comm_address: str, signature: str) -> str:
    """Address (checksummed) that signed `data` under the Comm EIP-712 domain."""
    return _recover(data_signable(data, chain_id, comm_address), signature)


def sign_data(data: str, chain_id: int, comm_address: str, private_key: str) -> str:
    """Sign like the SDK does (for tests, the bench and the first-notification example)."""
    signable = encode_typed_data(full_message=data_typed_message(data, chain_id, comm_address))
    signature: bytes = Account.sign_message(signable, private_key).signature
    return "0x" + signature.hex()


def recover_personal_signer(message: str, signature: str) -> str:
    """Address that personal_sign'ed (EIP-191 version 0x45) the UTF-8 message."""
    return _recover(encode_defunct(text=message), signature)


def personal_sign(message: str, private_key: str) -> str:
    """EIP-191 personal_sign of a text message."""
    signature: bytes = Account.sign_message(encode_defunct(text=message), private_key).signature
    return "0x" + signature.hex()


# The order of secp256k1's group: r and s must lie in [1, N).
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _standard_v(v: int) -> int | None:
    """The recovery id as eth-account reads v: 0/1, 27/28, or EIP-155's 35+ (None: invalid)."""
    if v in (0, 1):
        return v
    if v in (27, 28):
        return v - 27
    return (v - 35) % 2 if v >= 35 else None


def _recover(signable: SignableMessage, signature: str) -> str:
    """eth-account's Account.recover_message(signable, signature), checksummed, made direct."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError as exc:
        raise BadSignature("signature is not hex") from exc
    if len(raw) != 65:
        raise BadSignature(f"signature is {len(raw)} bytes, expected 65")
    v = _standard_v(raw[64])
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")
    if v is None or not (0 < r < _SECP256K1_N and 0 < s < _SECP256K1_N):
        raise BadSignature(f"cannot recover signer: v={raw[64]}, r or s out of range")
    if s > _SECP256K1_N // 2:
        # (r, N - s) with v flipped recovers the same signer: a second spelling of one
        # signature, which would make a replay look new. Wallets only make low-s (EIP-2).
        raise BadSignature("high-s signature (s > N/2): use the low-s form (EIP-2)")
    digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    try:
        public = coincurve.PublicKey.from_signature_and_message(
            raw[:64] + bytes((v,)), digest, hasher=None
        )
    except Exception as exc:  # libsecp256k1 found no point for these r, s
        raise BadSignature(f"cannot recover signer: {exc}") from exc
    return _address_of(public.format(compressed=False)[1:])


@lru_cache(maxsize=4096)
def _address_of(public_key: bytes) -> str:
    # A channel signs many proofs with one key: its address (two keccaks) is computed once.
    return str(to_checksum_address(keccak(public_key)[-20:]))


def device_registration_message(
    action: str,
    wallet: str,
    device_token: str,
    platform: str,
    timestamp: int,
    app: str | None = None,
) -> str:
    """The exact text a wallet personal_signs to register or remove a device token.

    A registration naming its app signs one more line, `app: <app>`, so nobody can move a
    signed device to another app; without an app the text is unchanged (old signatures hold).
    """
    text = (
        "pushnode device registration\n"
        f"action: {action}\n"
        f"wallet: {wallet.lower()}\n"
        f"platform: {platform}\n"
        f"device_token: {device_token}\n"
        f"timestamp: {timestamp}"
    )
    return text if app is None else f"{text}\napp: {app}"


def subscribe_v1_typed_message(
    action: str, channel: str, subscriber: str, chain_id: int, comm_address: str
) -> dict[str, Any]:
    """Legacy (v1) opt-in typed data: Subscribe/Unsubscribe(channel, (un)subscriber, action)."""
    who = "subscriber" if action == "Subscribe" else "unsubscriber"
    return {
        "types": {
            "EIP712Domain": data_typed_message("", chain_id, comm_address)["types"]["EIP712Domain"],
            action: [
                {"name": "channel", "type": "address"},
                {"name": who, "type": "address"},
                {"name": "action", "type": "string"},
            ],
        },
        "primaryType": action,
        "domain": data_typed_message("", chain_id, comm_address)["domain"],
        "message": {
            "channel": to_checksum_address(channel),
            who: to_checksum_address(subscriber),
            "action": action,
        },
    }


def recover_typed_signer(typed: dict[str, Any], signature: str) -> str:
    """Signer of any EIP-712 typed-data message."""
    return _recover(encode_typed_data(full_message=typed), signature)


def sign_typed(typed: dict[str, Any], private_key: str) -> str:
    """Sign any EIP-712 typed-data message (tests and examples)."""
    signature: bytes = Account.sign_message(
        encode_typed_data(full_message=typed), private_key
    ).signature
    return "0x" + signature.hex()
