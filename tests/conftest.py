"""Shared fixtures: anvil's well-known dev keys (public test keys, never real funds); the order
in which the tiers run."""

from __future__ import annotations

from pathlib import Path

import pytest

# Cheapest first, e2e last. The e2e node is a session fixture that follows both chains; run
# before the integration tests, it kept following them while they reorganised the chains
# (snapshot, revert) and reacted to reorgs no e2e test made. Last, it starts after them and
# stops at the end of the session, right after the last e2e test.
TIERS = ("unit", "contract", "integration", "e2e")
HERE = Path(__file__).parent
# Within e2e, the tests that put tens of thousands of records on the session node's log run
# last: every test that replays the log (rebuild == live, the scale-out's rebuilds) or waits
# for a restarted service to catch up would otherwise fold those records again. The bulk is
# for them alone; replay speed at volume is `make bench`'s row, not a test's wait.
BULK_LAST = ("test_dispatch_throughput.py", "test_readiness.py")


def _tier(item: pytest.Item) -> int:
    parts = item.path.relative_to(HERE).parts if item.path.is_relative_to(HERE) else ()
    return TIERS.index(parts[0]) if parts and parts[0] in TIERS else len(TIERS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tiers in TIERS' order, bulk e2e tests last (stable: each keeps its order)."""
    items.sort(key=lambda item: (_tier(item), item.path.name in BULK_LAST))


# anvil's default mnemonic accounts 0..3: published test keys, safe to commit.
ANVIL_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
)


@pytest.fixture
def anvil_keys() -> tuple[str, ...]:
    return ANVIL_KEYS
