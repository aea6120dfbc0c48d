"""Typed, versioned event payloads: past-tense facts, one module per area."""

from pushnode_shared.events.base import Event, UnknownEvent, payload_of, registered, unwrap, wrap
from pushnode_shared.events.chain import ChainCursorAdvanced, ChainEventObserved
from pushnode_shared.events.channels import ChannelCreated, SubscriptionAdded, SubscriptionRemoved
from pushnode_shared.events.dead_letters import EventDeadLettered
from pushnode_shared.events.devices import (
    DeliveryAttempted,
    DeliveryOutcome,
    DeviceRegistered,
    DeviceUnregistered,
    Platform,
)
from pushnode_shared.events.notifications import (
    NotificationAccepted,
    NotificationRejected,
    NotificationSubmitted,
    Recipient,
    RejectReason,
)
from pushnode_shared.events.storage import MessageStored

__all__ = [
    "ChainCursorAdvanced",
    "ChainEventObserved",
    "ChannelCreated",
    "DeliveryAttempted",
    "DeliveryOutcome",
    "DeviceRegistered",
    "DeviceUnregistered",
    "Event",
    "EventDeadLettered",
    "MessageStored",
    "NotificationAccepted",
    "NotificationRejected",
    "NotificationSubmitted",
    "Platform",
    "Recipient",
    "RejectReason",
    "SubscriptionAdded",
    "SubscriptionRemoved",
    "UnknownEvent",
    "payload_of",
    "registered",
    "unwrap",
    "wrap",
]
