"""Core's verification and settings logs become facts the gateway folds."""

from __future__ import annotations

from pushnode_shared.infra.db import Database
from tests.unit.validator.conftest import CHANNEL, created, handle, log_of, retraction_of

VERIFIER = "0x" + "ab" * 20


async def test_a_verified_channel_is_recorded_with_its_verifier_and_a_revocation_undoes_it(
    vdb: Database,
) -> None:
    await handle(vdb, created(CHANNEL, 5))
    args = {"channel": CHANNEL, "verifier": VERIFIER}
    [verified] = await handle(vdb, log_of("ChannelVerified", CHANNEL, args, 7))
    assert verified.type == "ChannelVerificationChanged"
    assert (verified.payload["verified"], verified.payload["by"]) == (True, VERIFIER)
    revoke = log_of(
        "ChannelVerificationRevoked", CHANNEL, {"channel": CHANNEL, "revoker": VERIFIER}, 8
    )
    [revoked] = await handle(vdb, revoke)
    assert revoked.payload["verified"] is False


async def test_a_retracted_verification_is_undone(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    log = log_of("ChannelVerified", CHANNEL, {"channel": CHANNEL, "verifier": VERIFIER}, 7)
    await handle(vdb, log)
    [undo] = await handle(vdb, retraction_of(log))
    assert (undo.type, undo.payload["verified"]) == ("ChannelVerificationChanged", False)


async def test_channel_settings_defined_on_core_become_a_settings_fact(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    args = {
        "_channel": CHANNEL,
        "totalNotifOptions": 1,
        "_notifSettings": "1+1-1",
        "_notifDescription": "Sales",
    }
    log = log_of("ChannelNotifcationSettingsAdded", CHANNEL, args, 9)
    [fact] = await handle(vdb, log)
    assert fact.type == "ChannelSettingsChanged"
    assert (fact.payload["settings"], fact.payload["description"]) == ("1+1-1", "Sales")
