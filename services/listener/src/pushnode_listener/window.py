"""The reorg-detection window: the last blocks the listener emitted past, by number. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from pushnode_shared.protocol.events.chain import EmittedBlock


@dataclass
class BlockWindow:
    """Blocks within `depth` of the newest one recorded; older blocks count as final.

    Entries need not be contiguous: far behind the head only each range's last block is
    recorded (those blocks are final by then), near the head every block is.
    """

    depth: int
    blocks: dict[int, EmittedBlock] = field(default_factory=dict)

    @property
    def tip(self) -> EmittedBlock | None:
        """The newest recorded block."""
        return self.blocks[max(self.blocks)] if self.blocks else None

    def record(self, blocks: list[EmittedBlock]) -> None:
        """Add blocks, then forget those `depth` or more below the newest."""
        for block in blocks:
            self.blocks[block.number] = block
        if self.blocks:
            floor = max(self.blocks) - self.depth
            self.blocks = {n: b for n, b in self.blocks.items() if n > floor}

    def newest_first(self) -> list[EmittedBlock]:
        """Recorded blocks from the tip down."""
        return [self.blocks[n] for n in sorted(self.blocks, reverse=True)]

    def drop_above(self, number: int) -> list[EmittedBlock]:
        """Forget and return the blocks above `number` (a reorg dropped them)."""
        dropped = [b for n, b in self.blocks.items() if n > number]
        self.blocks = {n: b for n, b in self.blocks.items() if n <= number}
        return sorted(dropped, key=lambda b: b.number)
