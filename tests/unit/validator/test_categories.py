"""A notification's category applied to its decision: who is held back, and how it is listed."""

from __future__ import annotations

import pytest

from pushnode_shared.protocol.events import Recipient, RejectReason
from pushnode_shared.protocol.settings import Category
from pushnode_validator.domain import categories
from pushnode_validator.domain.categories import Audience, category_in, narrowed
from pushnode_validator.domain.notifications import Verdict

# Sales (boolean, default on) and Price alert (slider 0..20, on, default 10).
SETTINGS = ("2+1-1+2-1-10-0-20-1", "Sales+Price alert")
SALES, PRICE_AT_10 = Category(1, 1), Category(2, 2, 10)
ON, OFF, AT_12 = "2+1-1+2-1-10", "1+1-0+2-1-10", "2+1-1+2-1-12"


def broadcast() -> Verdict:
    return Verdict(accepted=True, broadcast=True)


def test_a_payload_without_an_index_has_no_category() -> None:
    assert category_in({"data": {"type": "1"}}) is None
    assert category_in({"data": {"type": "1", "index": "2-2-10"}}) == PRICE_AT_10


def test_a_broadcast_holds_back_the_subscribers_who_switched_its_category_off() -> None:
    audience = Audience(SETTINGS, {"0xa": ON, "0xb": OFF, "0xc": None})
    decided = narrowed(broadcast(), SALES, audience)
    assert (decided.accepted, decided.broadcast, decided.held_back) == (True, True, ("0xb",))


def test_a_slider_category_holds_back_subscribers_at_another_value() -> None:
    audience = Audience(SETTINGS, {"0xa": ON, "0xb": AT_12, "0xc": None})
    assert narrowed(broadcast(), PRICE_AT_10, audience).held_back == ("0xb",)


def test_a_targeted_or_subset_notification_drops_held_back_subscribers_but_not_spam() -> None:
    listed = (
        Recipient(address="0xa", spam=False),
        Recipient(address="0xb", spam=False),
        Recipient(address="0xd", spam=True),
    )
    subset = Verdict(accepted=True, recipients=listed)
    decided = narrowed(subset, SALES, Audience(SETTINGS, {"0xa": ON, "0xb": OFF}))
    assert [r.address for r in decided.recipients] == ["0xa", "0xd"]
    assert decided.held_back == ()


def test_a_broadcast_holding_back_too_many_lists_those_it_reaches_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(categories, "MAX_LISTED", 2)
    audience = Audience(SETTINGS, {"0xa": ON, "0xb": OFF, "0xc": OFF, "0xd": OFF})
    decided = narrowed(broadcast(), SALES, audience)
    too_wide = Audience(SETTINGS, {f"0x{i}": ON if i % 2 else OFF for i in range(6)})
    refused = narrowed(broadcast(), SALES, too_wide)
    assert (decided.broadcast, decided.held_back) == (False, ())
    assert decided.recipients == (Recipient(address="0xa", spam=False),)
    assert (refused.accepted, refused.reason) == (False, RejectReason.CATEGORY_TOO_WIDE)


def test_a_category_the_channel_does_not_define_is_refused_even_without_subscribers() -> None:
    for settings in (SETTINGS, None):
        decided = narrowed(broadcast(), Category(3, 1), Audience(settings, {}))
        assert (decided.accepted, decided.reason) == (False, RejectReason.BAD_PAYLOAD)
    mistyped = narrowed(broadcast(), Category(1, 2, 5), Audience(SETTINGS, {}))
    assert mistyped.reason == RejectReason.BAD_PAYLOAD
