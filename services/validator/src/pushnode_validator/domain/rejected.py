"""Pure: the refusal a judgement short-circuits with (a RejectReason and a detail)."""

from __future__ import annotations

from pushnode_shared.protocol.events import RejectReason


class Rejected(Exception):
    """Internal: short-circuits a judgement with a reason."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail
