"""The validator's decisions on chat inputs (key: conversation), recorded on `chats`.

The gateway admits chat inputs (`ChatMessageSent`, `ChatRequestAccepted`,
`ChatRequestRejected`: what the user sent) and the validator judges them: an accepted message
carries what storage needs to store it, an answered request the conversation's new status,
and a refusal a machine-readable reason the gateway answers the client with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pushnode_shared.protocol.events.base import ConversationKeyed, register

ChatRefusalReason = Literal[
    "SENDER_HAS_NO_KEYS",
    "RECEIVER_HAS_NO_KEYS",
    "PLAINTEXT_TO_KEYED_USER",
    "BLOCKED",
    "CHAT_EXISTS",
    "NOT_A_PARTICIPANT",
    "REQUEST_NOT_ACCEPTED",
    "NO_PENDING_REQUEST",
    "NOT_REQUEST_RECEIVER",
    "INVALID_SIGNATURE",
    "BAD_PROOF_FORMAT",
    "UNSUPPORTED_ENC_TYPE",
]
ChatInputKind = Literal["request", "message", "accept", "reject"]


@register
class ChatMessageAccepted(ConversationKeyed):
    """The validator accepted a sent message (or request): storage stores it next."""

    TYPE = "ChatMessageAccepted"

    message_id: str
    conversation: str
    from_did: str
    to_did: str
    intent: bool
    message: dict[str, Any]
    sent_at: datetime
    # The receiver had accepted the conversation: only then do its phones hear of it.
    accepted: bool
    # Fingerprint of the sender's key in force when the message was sent.
    signing_key: str


@register
class ChatRequestAnswered(ConversationKeyed):
    """The validator accepted the receiver's answer: the conversation is approved or rejected."""

    TYPE = "ChatRequestAnswered"

    input_id: str
    conversation: str
    from_did: str
    to_did: str
    status: Literal["approved", "rejected"]
    answered_at: datetime


@register
class ChatInputRefused(ConversationKeyed):
    """The validator refused a chat input; `input_id` is the input envelope's event id."""

    TYPE = "ChatInputRefused"

    input_id: str
    kind: ChatInputKind
    conversation: str
    from_did: str
    to_did: str
    reason: ChatRefusalReason
    detail: str
    # The refused message's id (requests and messages), so its sender's wait can find it.
    message_id: str | None = None
