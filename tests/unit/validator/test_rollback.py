"""The pgpv4 key fold never goes backwards: a superseded key replayed onto `users` (as a
rotation or a registration with a later stamp) never becomes the channel's key again."""

from __future__ import annotations

from datetime import timedelta

from pushnode_shared.infra.db import Database
from pushnode_validator.bootstrap import make_handlers
from tests.unit.validator.conftest import SEPOLIA, T0, created, run
from tests.unit.validator.test_pgpv4 import (
    CHANNEL,
    NEW,
    OLD,
    decide,
    fold_users,
    pgp_signed,
    registered,
    rotated,
)


async def outcomes_after(vdb: Database, *replayed: object) -> tuple[object, object]:
    await run(make_handlers((SEPOLIA,)), vdb, created(CHANNEL))
    await fold_users(vdb, registered(OLD, T0), rotated(NEW, T0 + timedelta(seconds=10)))
    await fold_users(vdb, *replayed)  # type: ignore[arg-type]
    later = T0 + timedelta(seconds=60)
    old = await decide(vdb, pgp_signed(OLD, later, uid="old"))
    new = await decide(vdb, pgp_signed(NEW, later, uid="new"))
    return old.get("reason"), new["type"]


async def test_a_superseded_key_rotated_in_again_stays_superseded(vdb: Database) -> None:
    outcomes = await outcomes_after(vdb, rotated(OLD, T0 + timedelta(seconds=20)))
    assert outcomes == ("BAD_SIGNATURE", "NotificationAccepted")


async def test_a_replayed_registration_does_not_bring_the_old_key_back(vdb: Database) -> None:
    outcomes = await outcomes_after(vdb, registered(OLD, T0 + timedelta(seconds=20)))
    assert outcomes == ("BAD_SIGNATURE", "NotificationAccepted")
