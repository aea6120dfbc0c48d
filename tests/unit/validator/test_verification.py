"""Core's verification and settings logs become facts the gateway folds."""

from __future__ import annotations

from eth_account import Account

from pushnode_shared.infra.db import Database
from tests.unit.validator.test_handlers import chain_log, db, handle, new_channel, retraction_of

__all__ = ["db"]  # the fixture, shared with test_handlers

VERIFIER = "0x" + "ab" * 20


async def test_a_verified_channel_is_recorded_with_its_verifier_and_a_revocation_undoes_it(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    args = {"channel": channel, "verifier": VERIFIER}
    [verified] = await handle(db, chain_log("ChannelVerified", channel, args, 7))
    assert verified.type == "ChannelVerificationChanged"
    assert (verified.payload["verified"], verified.payload["by"]) == (True, VERIFIER)
    revoke = chain_log(
        "ChannelVerificationRevoked", channel, {"channel": channel, "revoker": VERIFIER}, 8
    )
    [revoked] = await handle(db, revoke)
    assert revoked.payload["verified"] is False


async def test_a_retracted_verification_is_undone(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    log = chain_log("ChannelVerified", channel, {"channel": channel, "verifier": VERIFIER}, 7)
    await handle(db, log)
    [undo] = await handle(db, retraction_of(log))
    assert (undo.type, undo.payload["verified"]) == ("ChannelVerificationChanged", False)


async def test_channel_settings_defined_on_core_become_a_settings_fact(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    args = {
        "_channel": channel,
        "totalNotifOptions": 1,
        "_notifSettings": "1+1-1",
        "_notifDescription": "Sales",
    }
    log = chain_log("ChannelNotifcationSettingsAdded", channel, args, 9)
    [fact] = await handle(db, log)
    assert fact.type == "ChannelSettingsChanged"
    assert (fact.payload["settings"], fact.payload["description"]) == ("1+1-1", "Sales")
