"""An event keyed by one of its fields declares that field: its partition key is never missing."""

from __future__ import annotations

import pytest

from pushnode_shared.protocol.events import registered
from pushnode_shared.protocol.events.base import KeyedByField

KEYED = sorted(
    (cls for cls in registered().values() if issubclass(cls, KeyedByField)),
    key=lambda cls: cls.TYPE,
)


@pytest.mark.parametrize("cls", KEYED, ids=lambda cls: cls.TYPE)
def test_the_key_field_is_one_of_the_event_s_own_fields(cls: type[KeyedByField]) -> None:
    assert cls.KEY_FIELD in cls.model_fields
