"""One batch's state for judging notifications, off-chain and on-chain alike: read in bulk at
its first notification, kept in memory while the batch's handlers run in order, written in
bulk when it ends.

Chain facts and opt-ins in the same batch still write through db.py; they call `forget` for
their channel, so the next notification of that channel reads it again. Verdict rows and
rate buckets written here are the same rows the per-record path would write, so a rebuild
reaches the same state whatever the batch boundaries (test_determinism checks both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_validator.adapters import bulk, db, replays, verdicts
from pushnode_validator.domain.notice import Notice
from pushnode_validator.domain.projection import ChannelState
from pushnode_validator.domain.ratelimit import Bucket


class BatchView:
    """Channels, verdicts seen, aliases and buckets for the notifications of one batch."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.owners: dict[tuple[int, str], str] = {}
        self.owners_known: set[tuple[int, str]] = set()
        self.channels: dict[str, ChannelState] = {}
        self.loaded: dict[str, set[str] | None] = {}  # wallets each channel was read for
        self.seen_ids: set[str] = set()
        self.seen_known: set[str] = set()  # ids whose answer seen_ids holds
        self.buckets: dict[str, Bucket] = {}
        self.buckets_known: set[str] = set()
        self.changed: dict[str, Bucket] = {}
        self.verdicts: list[dict[str, object]] = []
        self.contents: set[str] = set()  # signed contents accepted (before or in this batch)
        self.contents_known: set[str] = set()
        self.new_contents: list[dict[str, object]] = []
        self.positions: dict[str, int] = {}
        # Every wallet the batch's notifications need, per channel: what a re-read loads.
        self.wanted: dict[str, set[str] | None] = {}

    async def preload(self, notices: list[tuple[Notice, Mapping[str, bytes | None]]]) -> None:
        """Read everything these notifications (with their IPFS blocks) need, a few queries."""
        pairs = {(n.sender.chain_id, n.sub.channel) for n, _ in notices}
        self.owners = await bulk.alias_owners(self.session, pairs)
        self.owners_known = set(pairs)
        wanted: dict[str, set[str] | None] = {}
        for notice, blocks in notices:
            home = self.owners.get((notice.sender.chain_id, notice.sub.channel), notice.sub.channel)
            wallets = notice.wanted(blocks)
            wanted[home] = _union(wanted[home], wallets) if home in wanted else wallets
        self.channels = await bulk.load_channels(self.session, wanted)
        self.loaded = dict(wanted)
        self.wanted = dict(wanted)
        ids = {n.sub.notification_id for n, _ in notices}
        self.seen_ids = await bulk.seen_among(self.session, ids)
        self.seen_known = ids
        contents = {n.content_id for n, _ in notices}
        self.contents = await replays.contents_among(self.session, contents)
        self.contents_known = contents
        self.buckets = await bulk.load_buckets(self.session, wanted)
        self.buckets_known = set(wanted)

    async def home(self, chain_id: int, address: str) -> str:
        """The channel an address speaks for (itself, or the channel it is an alias of)."""
        if (chain_id, address) not in self.owners_known:
            owner = await db.alias_owner(self.session, chain_id, address)
            self.owners_known.add((chain_id, address))
            if owner is not None:
                self.owners[(chain_id, address)] = owner
        return self.owners.get((chain_id, address), address)

    async def channel(self, home: str, wallets: set[str] | None) -> ChannelState | None:
        """The channel's state with the subscribers among `wallets` (None: all)."""
        loaded = self.loaded.get(home, set())
        covered = home in self.loaded and (
            loaded is None or (wallets is not None and wallets <= loaded)
        )
        if not covered:
            # A fact in this batch changed the channel (or it was never preloaded): read it
            # again once, for the rest of the batch's notifications, and keep it.
            need = _union(self.wanted.get(home, set()), wallets)
            if home in self.loaded:
                need = _union(need, loaded)
            self.wanted[home] = need
            found = await db.load_channel(self.session, home, need)
            self.loaded[home] = need
            if found is None:
                self.channels.pop(home, None)
            else:
                self.channels[home] = found
        state = self.channels.get(home)
        if state is None or wallets is None:
            return state
        return replace(state, subscribers=state.subscribers & wallets)

    def forget(self, channel: str) -> None:
        """A fact or opt-in changed this channel (or an alias): read it again next time."""
        self.loaded.pop(channel, None)
        self.channels.pop(channel, None)
        self.positions.pop(channel, None)
        # An alias fact names its alias address, not the channel: ask the database again.
        self.owners_known.clear()
        self.owners.clear()

    async def position(self, channel: str) -> int:
        """The channel's subscription position, which a broadcast judged now is stamped with."""
        if channel not in self.positions:
            self.positions[channel] = await db.load_position(self.session, channel)
        return self.positions[channel]

    async def seen(self, notification_id: str) -> bool:
        """Judged before, in an earlier batch or earlier in this one."""
        if notification_id not in self.seen_known:
            self.seen_known.add(notification_id)
            if await db.seen(self.session, notification_id):
                self.seen_ids.add(notification_id)
        return notification_id in self.seen_ids

    async def content_seen(self, content_id: str) -> bool:
        """A notification with this signed content was accepted before (or in this batch)."""
        if content_id not in self.contents_known:
            self.contents_known.add(content_id)
            self.contents |= await replays.contents_among(self.session, [content_id])
        return content_id in self.contents

    def accepted_content(self, content_id: str, notification_id: str, channel: str) -> None:
        """Queue an accepted notification's content; later copies in the batch are replays."""
        self.contents.add(content_id)
        self.contents_known.add(content_id)
        row: dict[str, object] = {
            "content_id": content_id,
            "notification_id": notification_id,
            "channel": channel,
        }
        self.new_contents.append(row)

    async def accepted(self, notification_id: str) -> bool:
        """Whether it was accepted, earlier in this batch or in an earlier one."""
        queued = [v["accepted"] for v in self.verdicts if v["notification_id"] == notification_id]
        if queued:
            return bool(queued[-1])
        return bool(await verdicts.verdict_of(self.session, notification_id))

    async def withdraw(self, notification_id: str) -> None:
        """Forget its verdict (queued or written): a re-mined log is judged again."""
        self.verdicts = [v for v in self.verdicts if v["notification_id"] != notification_id]
        self.seen_ids.discard(notification_id)
        self.seen_known.add(notification_id)
        await verdicts.forget_verdict(self.session, notification_id)
        # Its content was recorded as accepted: the same log mined again is not a replay.
        gone = {
            str(r["content_id"])
            for r in self.new_contents
            if r["notification_id"] == notification_id
        }
        self.new_contents = [r for r in self.new_contents if r["content_id"] not in gone]
        self.contents -= gone
        self.contents_known -= gone
        await replays.forget_contents_of(self.session, notification_id)

    async def bucket(self, channel: str) -> Bucket | None:
        """The channel's rate bucket as of this point in the batch."""
        if channel not in self.buckets_known:
            found = await db.load_bucket(self.session, channel)
            self.buckets_known.add(channel)
            if found is not None:
                self.buckets[channel] = found
        return self.buckets.get(channel)

    def record(
        self, notification_id: str, channel: str, accepted: bool, reason: str | None
    ) -> None:
        """Queue the verdict row; the id counts as seen for the rest of the batch."""
        self.seen_ids.add(notification_id)
        self.seen_known.add(notification_id)
        self.verdicts.append(
            {
                "notification_id": notification_id,
                "channel": channel,
                "accepted": accepted,
                "reason": reason,
            }
        )

    def spend(self, channel: str, bucket: Bucket) -> None:
        """The bucket after an accepted notification; written at the end of the batch."""
        self.buckets_known.add(channel)
        self.buckets[channel] = bucket
        self.changed[channel] = bucket

    async def flush(self) -> None:
        """Write the queued verdicts, accepted contents and changed buckets."""
        await bulk.write(self.session, self.verdicts, self.changed)
        await replays.insert_contents(self.session, self.new_contents)
        self.verdicts, self.changed, self.new_contents = [], {}, []


def _union(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    return None if a is None or b is None else a | b
