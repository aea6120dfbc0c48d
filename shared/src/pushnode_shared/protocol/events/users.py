"""Push-user inputs (key: DID) as the gateway admitted them, and the validator's refusals.

The gateway admits a registration, a key rotation or a profile update (shape, size, the
proof's format) and appends it to `users`; the validator judges it (the wallet's eip191v2 or
the key's PGP signature, the key policy, no rollback) and records the decision there: an
accepted one as `UserRegistered` / `UserKeysRotated` / `UserProfileUpdated` (events/chat.py,
with `input_id` naming the input), a refused one as `UserInputRefused`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pushnode_shared.protocol.events.base import UserKeyed, register

UserRefusalReason = Literal[
    "USER_EXISTS",
    "USER_NOT_FOUND",
    "BAD_PROOF_FORMAT",
    "BAD_PGP_KEY",
    "PLAINTEXT_PRIVATE_KEY",
    "BAD_SIGNATURE",
    "SIGNER_NOT_WALLET",
    "INVALID_SIGNATURE",
    "KEY_SUPERSEDED",
    "PROFILE_REPLAYED",
    "PROFILE_OUTDATED",
]
UserInputKind = Literal["register", "rotate", "profile"]


class UserEvent(UserKeyed):
    """An event about one Push user, keyed by its DID (a DID's events share one partition)."""

    did: str


class KeysSubmitted(UserEvent):
    """New PGP keys a wallet asked for; admitted, not judged.

    `signed` is what the wallet's eip191v2 proof covers, as the client wrote it (caip10, did,
    publicKey, encryptedPrivateKey); `did` is the normalised DID; `submitted_at` the gateway's
    stamp, the moment the keys are judged at.
    """

    public_key: str
    encrypted_private_key: str
    verification_proof: str
    signed: dict[str, Any]
    submitted_at: datetime


@register
class UserRegistrationSubmitted(KeysSubmitted):
    """A wallet asked to register its PGP keys (or a key-less stub: empty keys, no proof)."""

    TYPE = "UserRegistrationSubmitted"

    caip10: str
    origin: str | None


@register
class UserKeysRotationSubmitted(KeysSubmitted):
    """A wallet asked to replace its PGP keys (PUT /v2/users/{did}/auth)."""

    TYPE = "UserKeysRotationSubmitted"


@register
class UserProfileSubmitted(UserEvent):
    """A user asked to change its profile; `profile` carries its PGP proof (not judged yet)."""

    TYPE = "UserProfileSubmitted"

    profile: dict[str, Any]
    submitted_at: datetime


@register
class UserInputRefused(UserEvent):
    """The validator refused a user input; `input_id` is the input envelope's event id."""

    TYPE = "UserInputRefused"

    input_id: str
    kind: UserInputKind
    reason: UserRefusalReason
    detail: str
