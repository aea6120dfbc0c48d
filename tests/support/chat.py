"""Chat clients in Python, signing exactly as @pushprotocol/restapi does (tests and bench).

Keys are pgpy RSA-2048 (the SDK's kind); the wallet is an eth-account key. Only what the
node checks is reproduced: the eip191v2 registration proof and the pgpv3 / pgp signatures.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account

from pushnode_shared.protocol.chat import sdk_hash
from pushnode_shared.protocol.signatures import personal_sign

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pgpy
    from pgpy.constants import HashAlgorithm, KeyFlags, PubKeyAlgorithm, SymmetricKeyAlgorithm


def new_pgp_key(bits: int = 2048) -> pgpy.PGPKey:
    """An RSA key with one user id, like openpgp.generateKey({type: 'rsa', rsaBits: 2048})."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        key = pgpy.PGPKey.new(PubKeyAlgorithm.RSAEncryptOrSign, bits)
        key.add_uid(
            pgpy.PGPUID.new("chat"),
            usage={KeyFlags.Sign, KeyFlags.EncryptCommunications},
            hashes=[HashAlgorithm.SHA256],
            ciphers=[SymmetricKeyAlgorithm.AES256],
        )
    return key


def pgp_sign(key: pgpy.PGPKey, text: str) -> str:
    """A detached, armored signature over `text`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return str(key.sign(text))


@dataclass
class ChatWallet:
    """A wallet with its PGP key; builds the bodies the SDK would send."""

    private_key: str = field(default_factory=lambda: Account.create().key.hex())
    pgp: pgpy.PGPKey | None = None

    @property
    def did(self) -> str:
        return f"eip155:{Account.from_key(self.private_key).address}"

    @property
    def public_key(self) -> str:
        assert self.pgp is not None
        return json.dumps({"key": str(self.pgp.pubkey), "signature": "DEPRECATED"})

    def registration(self, encrypted_private_key: str | None = None) -> dict[str, Any]:
        """POST /v2/users/ body: keys plus the wallet's eip191v2 proof."""
        if self.pgp is None:
            self.pgp = new_pgp_key()
        data = {
            "caip10": self.did,
            "did": self.did,
            "publicKey": self.public_key,
            "encryptedPrivateKey": encrypted_private_key
            or json.dumps(
                {
                    "ciphertext": "00",
                    "salt": "00",
                    "nonce": "00",
                    "version": "eip191-aes256-gcm-hkdf-sha256",
                    "preKey": "00",
                }
            ),
        }
        proof = personal_sign(sdk_hash(data), self.private_key)
        return {**data, "origin": "tests", "verificationProof": f"eip191v2:{proof}"}

    def message(
        self, to: str, content: str, enc_type: str = "PlainText", signer: pgpy.PGPKey | None = None
    ) -> dict[str, Any]:
        """A 1:1 message body as sendMessagePayloadCore builds it (ciphertext is opaque here)."""
        obj: Any = {"content": content} if enc_type == "PlainText" else "U2FsdGVkX1" + content
        body: dict[str, Any] = {
            "fromDID": self.did,
            "toDID": to,
            "fromCAIP10": self.did,
            "toCAIP10": to,
            "messageType": "Text",
            "messageObj": obj,
            "encType": enc_type,
            "sessionKey": None,
            "encryptedSecret": "" if enc_type == "PlainText" else "-----BEGIN PGP MESSAGE-----",
            "messageContent": content if enc_type == "PlainText" else obj,
            "signature": "",
            "sigType": "pgpv3",
        }
        hashed = {
            k: body[k]
            for k in (
                "fromDID",
                "toDID",
                "fromCAIP10",
                "toCAIP10",
                "messageObj",
                "messageType",
                "encType",
                "sessionKey",
                "encryptedSecret",
            )
        }
        hashed["toDID"] = self.did
        body["verificationProof"] = "pgpv3:" + pgp_sign(signer or self._key(), sdk_hash(hashed))
        return body

    def answer(self, requester: str, accept: bool = True) -> dict[str, Any]:
        """PUT /v1/chat/request/accept (or /reject) body, signed by this (receiving) wallet."""
        signed: dict[str, Any] = {"fromDID": requester, "toDID": self.did}
        if accept:
            signed["status"] = "Approved"
        proof = "pgp:" + pgp_sign(self._key(), sdk_hash(signed))
        return {**signed, "verificationProof": proof}

    def _key(self) -> pgpy.PGPKey:
        assert self.pgp is not None, "register first"
        return self.pgp
