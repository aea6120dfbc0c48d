"""Typed, versioned event payloads: past-tense facts, one module per area."""

from pushnode_shared.protocol.events.aliases import (
    AliasRejectReason,
    ChannelAliasRejected,
    ChannelAliasRemoved,
    ChannelAliasVerified,
)
from pushnode_shared.protocol.events.base import (
    Event,
    UnknownEvent,
    payload_of,
    registered,
    unwrap,
    wrap,
)
from pushnode_shared.protocol.events.chain import (
    ChainBlocksRecorded,
    ChainCursorAdvanced,
    ChainCursorRewound,
    ChainEventObserved,
    ChainEventRetracted,
)
from pushnode_shared.protocol.events.channel_meta import ChannelMetadataResolved
from pushnode_shared.protocol.events.channels import (
    ChannelCreated,
    ChannelSettingsChanged,
    ChannelStateChanged,
    ChannelUpdated,
    ChannelVerificationChanged,
    DelegateAdded,
    DelegateRemoved,
    SubscriptionAdded,
    SubscriptionRemoved,
)
from pushnode_shared.protocol.events.chat import (
    ChatMessageSent,
    ChatMessageStored,
    ChatRequestAccepted,
    ChatRequestRejected,
    UserKeysRotated,
    UserProfileUpdated,
    UserRegistered,
)
from pushnode_shared.protocol.events.chat_decisions import (
    ChatInputRefused,
    ChatMessageAccepted,
    ChatRefusalReason,
    ChatRequestAnswered,
)
from pushnode_shared.protocol.events.dead_letters import DeadLetterReplayed, EventDeadLettered
from pushnode_shared.protocol.events.devices import (
    DeliveryAbandoned,
    DeliveryAttempted,
    DeliveryOutcome,
    DeliveryRetryScheduled,
    DeviceRegistered,
    DeviceUnregistered,
    Platform,
)
from pushnode_shared.protocol.events.network import NodeRecordAppended, PeerMisbehaved
from pushnode_shared.protocol.events.notifications import (
    Broadcast,
    NotificationAccepted,
    NotificationRejected,
    NotificationSubmitted,
    NotificationWithdrawn,
    Recipient,
    RejectReason,
)
from pushnode_shared.protocol.events.storage import MessageStored, MessageWithdrawn
from pushnode_shared.protocol.events.subscriptions import (
    SubscriptionAction,
    SubscriptionRejected,
    SubscriptionSubmitted,
)
from pushnode_shared.protocol.events.uploads import ContentUploaded

__all__ = [
    "AliasRejectReason",
    "Broadcast",
    "ChainBlocksRecorded",
    "ChainCursorAdvanced",
    "ChainCursorRewound",
    "ChainEventObserved",
    "ChainEventRetracted",
    "ChannelAliasRejected",
    "ChannelAliasRemoved",
    "ChannelAliasVerified",
    "ChannelCreated",
    "ChannelMetadataResolved",
    "ChannelSettingsChanged",
    "ChannelStateChanged",
    "ChannelUpdated",
    "ChannelVerificationChanged",
    "ChatInputRefused",
    "ChatMessageAccepted",
    "ChatMessageSent",
    "ChatMessageStored",
    "ChatRefusalReason",
    "ChatRequestAccepted",
    "ChatRequestAnswered",
    "ChatRequestRejected",
    "ContentUploaded",
    "DeadLetterReplayed",
    "DelegateAdded",
    "DelegateRemoved",
    "DeliveryAbandoned",
    "DeliveryAttempted",
    "DeliveryOutcome",
    "DeliveryRetryScheduled",
    "DeviceRegistered",
    "DeviceUnregistered",
    "Event",
    "EventDeadLettered",
    "MessageStored",
    "MessageWithdrawn",
    "NodeRecordAppended",
    "NotificationAccepted",
    "NotificationRejected",
    "NotificationSubmitted",
    "NotificationWithdrawn",
    "PeerMisbehaved",
    "Platform",
    "Recipient",
    "RejectReason",
    "SubscriptionAction",
    "SubscriptionAdded",
    "SubscriptionRejected",
    "SubscriptionRemoved",
    "SubscriptionSubmitted",
    "UnknownEvent",
    "UserKeysRotated",
    "UserProfileUpdated",
    "UserRegistered",
    "payload_of",
    "registered",
    "unwrap",
    "wrap",
]
