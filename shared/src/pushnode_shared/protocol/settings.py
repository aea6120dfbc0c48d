"""Notification settings as the SDK writes them, read into the JSON it reads back.

A channel's settings (Core's ChannelNotifcationSettingsAdded `_notifSettings`, the SDK's
`channel.setting()`) are `<count>+<setting>+<setting>…` with `+`-joined descriptions; each
setting is `1-<default>` (boolean), `2-<enabled>-<default>-<lower>-<upper>[-<ticker>]`
(slider) or `3-<enabled>-<default lower>-<default upper>-<lower>-<upper>[-<ticker>]` (range).
A wallet's settings (the v2 opt-in's `userSetting`) are `<enabled count>+<type>-<enabled>
[-<value>[-<upper>]]…`, one per channel setting, in the same order.
A notification's category (the SDK's `channel.send(…, {payload: {category}})`) is the
payload's `data.index`: `<category>-1` (boolean), `<category>-2-<value>` (slider) or
`<category>-3-<value>` (range), the value being the channel's default as the SDK sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BOOLEAN, SLIDER, RANGE = 1, 2, 3
Setting = dict[str, Any]


class BadSettings(ValueError):
    """A settings string that does not read as the SDK writes them."""


def _number(text: str) -> int | float:
    try:
        value = float(text)
    except ValueError as exc:
        raise BadSettings(f"not a number: {text!r}") from exc
    return int(value) if value.is_integer() else value


def channel_settings(settings: str, description: str) -> list[Setting]:
    """The channel's settings as `channel_settings` lists them (the SDK's parseSettings)."""
    count, _, rest = settings.partition("+")
    parts = [p for p in rest.split("+") if p] if rest else []
    names = description.split("+") if description else []
    if not count.isdigit() or int(count) != len(parts):
        raise BadSettings(f"{settings!r}: the count does not match the settings")
    return [_channel_setting(p, names[i] if i < len(names) else "") for i, p in enumerate(parts)]


def _channel_setting(part: str, description: str) -> Setting:
    kind, *fields = part.split("-")
    values = [_number(f) for f in fields]
    if kind == str(BOOLEAN) and len(values) == 1:
        return {"type": BOOLEAN, "default": values[0], "description": description}
    if kind == str(SLIDER) and len(values) in (4, 5):
        enabled, default, lower, upper, *ticker = values
        limits = {"lowerLimit": lower, "upperLimit": upper, "ticker": ticker[0] if ticker else 1}
        return {"type": SLIDER, "default": default, "enabled": bool(enabled), **limits,
                "description": description}  # fmt: skip
    if kind == str(RANGE) and len(values) in (5, 6):
        enabled, low, high, lower, upper, *ticker = values
        limits = {"lowerLimit": lower, "upperLimit": upper, "ticker": ticker[0] if ticker else 1}
        return {"type": RANGE, "default": {"lower": low, "upper": high},
                "enabled": bool(enabled), **limits, "description": description}  # fmt: skip
    raise BadSettings(f"{part!r} is not a boolean, slider or range setting")


def user_settings(channel: list[Setting], chosen: str) -> list[Setting]:
    """The channel's settings with a wallet's choices (`user`, `enabled`), as the SDK reads
    `user_settings` and a subscriber's `settings`."""
    _, _, rest = chosen.partition("+")
    parts = rest.split("+") if rest else []
    merged = []
    for setting, part in zip(channel, parts, strict=False):
        _, enabled, *fields = [*part.split("-"), ""]
        values = [_number(f) for f in fields if f]
        on = enabled == "1"
        if setting["type"] == BOOLEAN:
            merged.append({**setting, "user": on, "enabled": on})
        elif setting["type"] == SLIDER and values:
            merged.append({**setting, "user": values[0], "enabled": on})
        elif setting["type"] == RANGE and len(values) >= 2:
            merged.append(
                {**setting, "user": {"lower": values[0], "upper": values[1]}, "enabled": on}
            )
        else:
            raise BadSettings(f"{part!r} does not fit the channel's setting {setting['type']}")
    return merged


def enabled_for(channel: list[Setting], chosen: list[Setting] | None, category: int) -> bool:
    """Whether a subscriber gets notifications of `category` (1-based): its own choice, else
    the channel's default (a boolean's default, a slider's or range's `enabled`)."""
    if not 1 <= category <= len(channel):
        raise BadSettings(f"category {category}: the channel defines {len(channel)} settings")
    if chosen is not None and category <= len(chosen):
        return bool(chosen[category - 1]["enabled"])
    setting = channel[category - 1]
    return bool(setting["default"]) if setting["type"] == BOOLEAN else bool(setting["enabled"])


@dataclass(frozen=True)
class Category:
    """A notification's category: the 1-based setting it belongs to, that setting's type and,
    for a slider or range, the value it is about."""

    index: int
    kind: int
    value: int | float | None = None


def category_of(index: object) -> Category | None:
    """The category a payload's `data.index` names; None when it names none (absent or "")."""
    if index is None or index == "":
        return None
    parts = str(index).split("-")
    if len(parts) < 2 or not parts[0].isdigit() or parts[1] not in ("1", "2", "3"):
        raise BadSettings(f"index {index!r} is not <category>-<type>[-<value>]")
    kind = int(parts[1])
    if (kind == BOOLEAN) != (len(parts) == 2) or len(parts) > 3:
        raise BadSettings(f"index {index!r}: a boolean has no value, a slider or range one")
    value = _number(parts[2]) if kind != BOOLEAN else None
    return Category(index=int(parts[0]), kind=kind, value=value)


def receives(channel: list[Setting], chosen: list[Setting] | None, category: Category) -> bool:
    """Whether a subscriber gets a notification of `category`: the setting is on for them
    (enabled_for) and, for a slider, their value is the notification's; for a range, the
    notification's value lies in their range (the channel's default without a choice)."""
    on = enabled_for(channel, chosen, category.index)  # BadSettings: no such category
    setting = channel[category.index - 1]
    if setting["type"] != category.kind:
        raise BadSettings(f"category {category.index} is a type {setting['type']} setting")
    if not on or category.kind == BOOLEAN:
        return on
    mine = chosen[category.index - 1] if chosen and category.index <= len(chosen) else None
    value = mine["user"] if mine is not None else setting["default"]
    if category.kind == SLIDER:
        return bool(value == category.value)
    return bool(value["lower"] <= category.value <= value["upper"])
