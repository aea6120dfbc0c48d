"""Push Chat facts: PGP user profiles (key: DID) and 1:1 chat inputs (key: conversation).

The chat events here are what a user sent, as the gateway admitted it; the validator judges
each (events/chat_decisions.py) and storage stores only the accepted messages.

The node stores keys and messages exactly as the SDK sent them: a user's private key only
ever arrives encrypted by the wallet, and a `pgp` message only as ciphertext.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pushnode_shared.protocol.events.base import ConversationKeyed, register
from pushnode_shared.protocol.events.users import UserEvent


@register
class UserRegistered(UserEvent):
    """A wallet registered its PGP profile, or a stub (empty keys) was created for it."""

    TYPE = "UserRegistered"

    caip10: str
    public_key: str
    encrypted_private_key: str
    verification_proof: str
    origin: str | None
    registered_at: datetime
    # The input the validator accepted (None: recorded before the validator judged users).
    input_id: str | None = None


@register
class UserKeysRotated(UserEvent):
    """The wallet replaced its PGP keys (PUT /v2/users/{did}/auth), proven by a new signature."""

    TYPE = "UserKeysRotated"

    public_key: str
    encrypted_private_key: str
    verification_proof: str
    rotated_at: datetime
    input_id: str | None = None


@register
class UserProfileUpdated(UserEvent):
    """Name, description, picture or block list changed, PGP-signed by the user's key."""

    TYPE = "UserProfileUpdated"

    profile: dict[str, Any]
    updated_at: datetime
    input_id: str | None = None


@register
class ChatMessageSent(ConversationKeyed):
    """A user sent a message (or a first message = request); admitted, not yet judged.

    `message` is the SDK's body as sent (fromDID … verificationProof); `intent` is true for
    POST /v1/chat/request; `sent_at` is the gateway's stamp (keys in force are judged at it).
    """

    TYPE = "ChatMessageSent"

    message_id: str
    conversation: str
    from_did: str
    to_did: str
    intent: bool
    message: dict[str, Any]
    sent_at: datetime
    # Set by gateways before the validator judged chat; the decision carries it now.
    accepted: bool = False


@register
class ChatMessageStored(ConversationKeyed):
    """Storage put the message on IPFS, linked to the conversation's previous CID."""

    TYPE = "ChatMessageStored"

    message_id: str
    conversation: str
    from_did: str
    to_did: str
    intent: bool
    cid: str
    link: str | None
    message: dict[str, Any]
    accepted: bool = False


@register
class ChatRequestAccepted(ConversationKeyed):
    """The receiver of a request sent its acceptance (pgp-signed {fromDID, toDID, status}).

    `signed` is that object as the client sent it; the validator judges it (ChatRequestAnswered).
    """

    TYPE = "ChatRequestAccepted"

    conversation: str
    from_did: str
    to_did: str
    verification_proof: str
    accepted_at: datetime
    signed: dict[str, Any] = {}


@register
class ChatRequestRejected(ConversationKeyed):
    """The receiver of a request sent its rejection (pgp-signed {fromDID, toDID}, `signed`)."""

    TYPE = "ChatRequestRejected"

    conversation: str
    from_did: str
    to_did: str
    verification_proof: str
    rejected_at: datetime
    signed: dict[str, Any] = {}
