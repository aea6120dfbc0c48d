"""Aliases, the rate limit, IPFS identities and opt-in settings, through the real handlers."""

from __future__ import annotations

import json
from datetime import timedelta

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.ipfs import MemoryBlockStore
from pushnode_validator.adapters.ipfs import PayloadFetcher
from pushnode_validator.bootstrap import make_handlers
from pushnode_validator.domain.ratelimit import RateLimit
from tests.conftest import ANVIL_KEYS
from tests.unit.validator.conftest import (
    AMOY,
    SEPOLIA,
    T0,
    address,
    alias_log,
    created,
    log_of,
    notification,
    retraction_of,
    run,
    signed_optin,
)

CHANNEL_KEY, ALICE_KEY, ALIAS_KEY, OTHER_KEY = ANVIL_KEYS
CHANNEL, ALICE, ALIAS, OTHER = (address(k) for k in ANVIL_KEYS)


def reason_of(decisions: list[Envelope]) -> str:
    [decision] = decisions
    return str(decision.payload.get("reason", decision.type))


class TestAliases:
    async def test_a_verified_alias_on_amoy_sends_for_the_ethereum_channel(
        self, vdb: Database
    ) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        before = await run(handlers, vdb, notification(CHANNEL_KEY, ALICE, uid="a", chain=AMOY))
        assert reason_of(before) == "ALIAS_NOT_VERIFIED"
        [fact] = await run(handlers, vdb, alias_log(CHANNEL, CHANNEL))
        assert (fact.type, fact.payload["alias_chain_id"]) == ("ChannelAliasVerified", 80002)
        after = await run(handlers, vdb, notification(CHANNEL_KEY, ALICE, uid="b", chain=AMOY))
        assert reason_of(after) == "NotificationAccepted"

    async def test_an_alias_with_its_own_address_speaks_for_the_channel(
        self, vdb: Database
    ) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        await run(handlers, vdb, alias_log(CHANNEL, ALIAS))
        [decision] = await run(handlers, vdb, notification(ALIAS_KEY, ALICE, chain=AMOY))
        assert decision.type == "NotificationAccepted"
        assert decision.payload["signer"].lower() == ALIAS

    async def test_a_second_alias_on_the_same_chain_is_a_duplicate(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        await run(handlers, vdb, alias_log(CHANNEL, ALIAS, block=2))
        [fact] = await run(handlers, vdb, alias_log(CHANNEL, OTHER, block=3))
        assert (fact.type, fact.payload["reason"]) == ("ChannelAliasRejected", "DUPLICATE_ALIAS")

    async def test_an_address_cannot_alias_two_channels(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL, block=1))
        await run(handlers, vdb, created(OTHER, block=2))
        await run(handlers, vdb, alias_log(CHANNEL, ALIAS, block=3))
        [fact] = await run(handlers, vdb, alias_log(OTHER, ALIAS, block=4))
        assert fact.payload["reason"] == "DUPLICATE_ALIAS"

    async def test_an_alias_on_the_core_chain_is_the_wrong_chain(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        [fact] = await run(handlers, vdb, alias_log(CHANNEL, ALIAS, chain=SEPOLIA))
        assert fact.payload["reason"] == "WRONG_CHAIN"

    async def test_an_alias_naming_another_chain_is_the_wrong_chain(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        [fact] = await run(handlers, vdb, alias_log(CHANNEL, ALIAS, named=137))
        assert fact.payload["reason"] == "WRONG_CHAIN"

    async def test_an_alias_of_no_channel_is_refused(self, vdb: Database) -> None:
        [fact] = await run(make_handlers((SEPOLIA, AMOY)), vdb, alias_log(CHANNEL, ALIAS))
        assert fact.payload["reason"] == "UNKNOWN_CHANNEL"

    async def test_a_retracted_alias_no_longer_speaks_for_the_channel(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        linked = alias_log(CHANNEL, ALIAS)
        await run(handlers, vdb, linked)
        [undo] = await run(handlers, vdb, retraction_of(linked))
        assert undo.type == "ChannelAliasRemoved"
        [decision] = await run(handlers, vdb, notification(ALIAS_KEY, ALICE, chain=AMOY))
        assert decision.payload["reason"] == "UNKNOWN_CHANNEL"


class TestRateLimit:
    async def test_a_channel_over_its_burst_is_rate_limited_until_tokens_refill(
        self, vdb: Database
    ) -> None:
        handlers = make_handlers((SEPOLIA, AMOY), RateLimit(burst=2, per_second=0.5))
        await run(handlers, vdb, created(CHANNEL))
        reasons = []
        for uid, seconds in (("1", 0), ("2", 0), ("3", 1), ("4", 2)):
            sent = notification(CHANNEL_KEY, ALICE, uid=uid, at=T0 + timedelta(seconds=seconds))
            reasons.append(reason_of(await run(handlers, vdb, sent)))
        accepted = "NotificationAccepted"
        assert reasons == [accepted, accepted, "RATE_LIMITED", accepted]

    async def test_forged_submissions_do_not_spend_the_channels_tokens(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY), RateLimit(burst=1, per_second=0.0))
        await run(handlers, vdb, created(CHANNEL))
        forged = notification(OTHER_KEY, ALICE, uid="f", claim=CHANNEL)
        assert reason_of(await run(handlers, vdb, forged)) == "SIGNER_NOT_AUTHORISED"
        real = notification(CHANNEL_KEY, ALICE, uid="r")
        assert reason_of(await run(handlers, vdb, real)) == "NotificationAccepted"

    async def test_the_limit_is_off_with_a_zero_burst(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY), RateLimit(burst=0, per_second=0.0))
        await run(handlers, vdb, created(CHANNEL))
        for uid in "abc":
            sent = notification(CHANNEL_KEY, ALICE, uid=uid)
            assert reason_of(await run(handlers, vdb, sent)) == "NotificationAccepted"


class TestIpfsIdentities:
    async def test_a_type_one_identity_is_judged_on_the_payload_kubo_holds(
        self, vdb: Database
    ) -> None:
        store = MemoryBlockStore()
        body = {"notification": {"title": "From IPFS", "body": "B"}, "data": {"type": "1"}}
        cid = await store.put(json.dumps(body).encode())
        handlers = make_handlers((SEPOLIA, AMOY), payloads=PayloadFetcher(store))
        await run(handlers, vdb, created(CHANNEL))
        await run(handlers, vdb, log_of("Subscribe", CHANNEL, {"user": ALICE}, 2))
        sent = notification(CHANNEL_KEY, ALICE, identity=f"1+{cid}")
        [decision] = await run(handlers, vdb, sent)
        assert decision.payload["payload"]["notification"]["title"] == "From IPFS"
        # a broadcast read from IPFS is a broadcast, as an inline one is
        assert decision.payload["broadcast"] == {"channel": CHANNEL, "position": 1}

    async def test_a_cid_kubo_does_not_hold_is_identity_not_found(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY), payloads=PayloadFetcher(MemoryBlockStore()))
        await run(handlers, vdb, created(CHANNEL))
        missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
        sent = notification(CHANNEL_KEY, ALICE, identity=f"1+{missing}")
        assert reason_of(await run(handlers, vdb, sent)) == "IDENTITY_NOT_FOUND"


def optin(setting: str) -> Envelope:
    """Alice's signed opt-in to CHANNEL with `setting`."""
    return signed_optin(CHANNEL, ALICE_KEY, setting=setting)


class TestUserSettings:
    async def test_an_opt_in_carries_the_settings_the_wallet_signed(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        [fact] = await run(handlers, vdb, optin("2+1-1+2-1-50+3-0-1-9"))
        assert (fact.type, fact.payload["user_setting"]) == (
            "SubscriptionAdded",
            "2+1-1+2-1-50+3-0-1-9",
        )

    async def test_a_settings_string_in_another_shape_is_refused(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        [fact] = await run(handlers, vdb, optin("1+4-1"))
        assert (fact.type, fact.payload["reason"]) == ("SubscriptionRejected", "BAD_PAYLOAD")

    async def test_a_settings_count_that_does_not_match_is_refused(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA, AMOY))
        await run(handlers, vdb, created(CHANNEL))
        [fact] = await run(handlers, vdb, optin("2+1-1+1-0"))
        assert fact.payload["reason"] == "BAD_PAYLOAD"


async def test_a_destroyed_time_bound_channel_can_no_longer_send(vdb: Database) -> None:
    handlers = make_handlers((SEPOLIA, AMOY))
    await run(handlers, vdb, created(CHANNEL))
    args = {"channel": CHANNEL, "amountRefunded": 1}
    [fact] = await run(handlers, vdb, log_of("TimeBoundChannelDestroyed", CHANNEL, args, 2))
    assert (fact.type, fact.payload["cause"]) == ("ChannelStateChanged", "destroyed")
    [decision] = await run(handlers, vdb, notification(CHANNEL_KEY, ALICE))
    assert (decision.payload["reason"], decision.payload["detail"]) == (
        "CHANNEL_INACTIVE",
        f"{CHANNEL} is destroyed",
    )
