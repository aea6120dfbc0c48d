"""The README's network section names tests that exist, so each promise there has a live proof."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SECTION = (ROOT / "README.md").read_text().split("\n## The network\n", 1)[1].split("\n## ", 1)[0]


def test_every_network_guarantee_names_a_test_that_exists() -> None:
    rows = [line for line in SECTION.splitlines() if line.startswith("| ")][2:]
    assert len(rows) >= 10
    for row in rows:
        named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", row)
        assert named, row
        for path, name in named:
            source = (ROOT / path).read_text()
            assert re.search(rf"^\s*(async def|def) {name}\b", source, re.M), (path, name)
