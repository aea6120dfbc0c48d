"""Base class and registry for typed, versioned event payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pushnode_shared.infra.envelope import Envelope, MalformedEvent, new_id, utcnow


class UnknownEvent(MalformedEvent):
    """An envelope whose (type, schema_version) this build does not know."""


class Event(BaseModel):
    """A fact or command payload. Subclasses set TYPE and VERSION and are registered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def key(self) -> str:
        """The partition key: the entity whose events must stay in order."""
        raise NotImplementedError


class KeyedByField(Event):
    """An event whose partition key is one of its own fields, named by KEY_FIELD."""

    KEY_FIELD: ClassVar[str]

    def key(self) -> str:
        return str(getattr(self, self.KEY_FIELD))


class ChannelKeyed(KeyedByField):
    """An event about one channel: keyed by it, so that channel's facts stay in order."""

    KEY_FIELD = "channel"


class ConversationKeyed(KeyedByField):
    """A chat event: keyed by its conversation, so one conversation's messages stay in order."""

    KEY_FIELD = "conversation"


class UserKeyed(KeyedByField):
    """A chat user's event: keyed by the user's DID."""

    KEY_FIELD = "did"


class WalletKeyed(KeyedByField):
    """A wallet's own event (its devices): keyed by the wallet."""

    KEY_FIELD = "wallet"


class NotificationKeyed(KeyedByField):
    """An event about one notification's delivery: keyed by the notification id."""

    KEY_FIELD = "notification_id"


class ChainKeyed(KeyedByField):
    """A chain cursor's event: keyed by the chain id, so one chain's cursor moves in order."""

    KEY_FIELD = "chain_id"


_REGISTRY: dict[tuple[str, int], type[Event]] = {}
E = TypeVar("E", bound=type[Event])


def register(cls: E) -> E:
    """Class decorator: make an event type decodable from the log."""
    ident = (cls.TYPE, cls.VERSION)
    if ident in _REGISTRY:
        raise ValueError(f"event {ident} registered twice")
    _REGISTRY[ident] = cls
    return cls


def registered() -> dict[tuple[str, int], type[Event]]:
    """Every known (type, version) -> model; used by the envelope round-trip tests."""
    return dict(_REGISTRY)


def wrap(
    event: Event,
    *,
    producer: str,
    event_id: str | None = None,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Put an event in an envelope; pass event_id for deterministic (idempotent) output."""
    return Envelope(
        event_id=event_id or new_id(),
        type=event.TYPE,
        schema_version=event.VERSION,
        key=event.key(),
        occurred_at=occurred_at or utcnow(),
        producer=producer,
        causation_id=causation_id,
        payload=event.model_dump(mode="json"),
    )


def unwrap(envelope: Envelope) -> Event:
    """The typed payload; UnknownEvent for an unknown type/version, MalformedEvent for bad shape."""
    cls = _REGISTRY.get((envelope.type, envelope.schema_version))
    if cls is None:
        raise UnknownEvent(f"unknown event {envelope.type} v{envelope.schema_version}")
    try:
        return cls.model_validate(envelope.payload)
    except ValidationError as exc:
        raise MalformedEvent(f"{envelope.type} payload: {exc.error_count()} errors") from exc


def payload_of(envelope: Envelope, cls: type[Any]) -> Any:
    """unwrap() narrowed to an expected class; handlers use it after dispatching on type."""
    event = unwrap(envelope)
    if not isinstance(event, cls):
        raise MalformedEvent(f"expected {cls.__name__}, got {type(event).__name__}")
    return event
