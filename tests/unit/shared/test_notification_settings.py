"""Notification settings strings read as the SDK writes them and reads them back."""

from __future__ import annotations

import pytest

from pushnode_shared.protocol.settings import (
    BadSettings,
    Category,
    category_of,
    channel_settings,
    enabled_for,
    receives,
    user_settings,
)

# What `channel.setting([boolean, slider, range])` puts on Core, as Core emits it.
SETTINGS = "3+1-0+2-1-10-0-20-1+3-1-3-5-0-10-1"
DESCRIPTION = "Sales+Price alert+Hours"


def test_a_channels_boolean_slider_and_range_settings_read_as_the_sdk_parses_them() -> None:
    boolean, slider, span = channel_settings(SETTINGS, DESCRIPTION)
    assert boolean == {"type": 1, "default": 0, "description": "Sales"}
    assert (slider["default"], slider["lowerLimit"], slider["upperLimit"]) == (10, 0, 20)
    assert (slider["enabled"], slider["ticker"], slider["description"]) == (True, 1, "Price alert")
    assert span["default"] == {"lower": 3, "upper": 5}
    assert (span["lowerLimit"], span["upperLimit"]) == (0, 10)


def test_a_wallets_choices_are_merged_into_the_channels_settings() -> None:
    chosen = user_settings(channel_settings(SETTINGS, DESCRIPTION), "2+1-1+2-0-7+3-1-2-4")
    assert [(s["user"], s["enabled"]) for s in chosen] == [
        (True, True),
        (7, False),
        ({"lower": 2, "upper": 4}, True),
    ]


@pytest.mark.parametrize("bad", ["2+1-0", "x+1-0", "1+4-1", "1+2-1-a-0-20"])
def test_settings_that_do_not_read_are_refused(bad: str) -> None:
    with pytest.raises(BadSettings):
        channel_settings(bad, "d")


def test_a_choice_that_does_not_fit_the_channels_setting_is_refused() -> None:
    with pytest.raises(BadSettings):
        user_settings(channel_settings("1+3-1-3-5-0-10", "d"), "1+3-1-2")


def test_a_category_is_on_by_the_wallets_choice_else_by_the_channels_default() -> None:
    channel = channel_settings(SETTINGS, DESCRIPTION)
    chosen = user_settings(channel, "2+1-1+2-0-7+3-1-2-4")
    assert [enabled_for(channel, chosen, i) for i in (1, 2, 3)] == [True, False, True]
    assert [enabled_for(channel, None, i) for i in (1, 2, 3)] == [False, True, True]
    with pytest.raises(BadSettings):
        enabled_for(channel, None, 4)


@pytest.mark.parametrize(
    ("index", "category"),
    [
        ("1-1", Category(1, 1)),
        ("2-2-10", Category(2, 2, 10)),
        ("3-3-4.5", Category(3, 3, 4.5)),
        ("", None),
        (None, None),
    ],
)
def test_a_payloads_index_names_the_category_as_the_sdk_writes_it(
    index: str | None, category: Category | None
) -> None:
    assert category_of(index) == category


@pytest.mark.parametrize("bad", ["1", "a-1", "1-4", "1-1-3", "2-2", "2-2-x", "2-2-1-2"])
def test_an_index_that_does_not_read_is_refused(bad: str) -> None:
    with pytest.raises(BadSettings):
        category_of(bad)


def receives_with(chosen: str | None, index: str) -> bool:
    defined = channel_settings(SETTINGS, DESCRIPTION)
    choices = user_settings(defined, chosen) if chosen else None
    category = category_of(index)
    assert category is not None
    return receives(defined, choices, category)


@pytest.mark.parametrize(
    ("chosen", "index", "gets"),
    [
        ("2+1-1+2-1-10+3-1-3-5", "1-1", True),  # boolean switched on
        ("1+1-0+2-1-10+3-0-3-5", "1-1", False),  # boolean switched off
        (None, "1-1", False),  # no choice: the channel's default (off)
        ("2+1-1+2-1-10+3-0-3-5", "2-2-10", True),  # slider on, at the notification's value
        ("2+1-1+2-1-12+3-0-3-5", "2-2-10", False),  # slider on, at another value
        ("1+1-1+2-0-10+3-0-3-5", "2-2-10", False),  # slider off
        (None, "2-2-10", True),  # no choice: on, at its default 10
        ("2+1-0+2-0-10+3-1-2-4", "3-3-3", True),  # range on, 3 within 2..4
        ("2+1-0+2-0-10+3-1-2-4", "3-3-5", False),  # range on, 5 outside 2..4
        ("1+1-1+2-0-10+3-0-2-4", "3-3-3", False),  # range off
        (None, "3-3-5", True),  # no choice: on, 5 within the default 3..5
    ],
)
def test_a_subscriber_receives_a_category_when_it_is_on_and_the_value_matches(
    chosen: str | None, index: str, gets: bool
) -> None:
    assert receives_with(chosen, index) is gets


@pytest.mark.parametrize("index", ["4-1", "1-2-3"])
def test_a_category_the_channel_does_not_define_as_sent_is_refused(index: str) -> None:
    with pytest.raises(BadSettings):
        receives_with(None, index)
