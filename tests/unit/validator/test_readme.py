"""The validator README's reason table names every reason code the code can give."""

from __future__ import annotations

import re
from pathlib import Path

from pushnode_shared.protocol.events import AliasRejectReason, RejectReason

README = (Path(__file__).resolve().parents[3] / "services" / "validator" / "README.md").read_text()


def test_every_reject_reason_has_a_row_in_the_reason_table() -> None:
    rows = set(re.findall(r"^\| `([A-Z_]+)` \|", README, re.M))
    assert {r.value for r in RejectReason} - rows == set()


def test_every_alias_reason_is_explained() -> None:
    assert all(f"`{r.value}`" in README for r in AliasRejectReason)
