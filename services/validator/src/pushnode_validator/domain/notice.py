"""Pure: a notification as the judge sees it, off-chain or on-chain, its sender parsed once.

An off-chain notification is the gateway's NotificationSubmitted; an on-chain one is a Comm
SendNotification log, turned here into the same NotificationSubmitted (its proof the chain's
`eip155:<chain>:<tx hash>`) so both are judged, recorded and decided by one path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pushnode_shared.infra.envelope import derive_id
from pushnode_shared.protocol.caip import Account, BadAddress, parse_account
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.events import ChainEventObserved, NotificationSubmitted
from pushnode_shared.protocol.payloads import CHAIN_PROOF_KIND, PayloadError
from pushnode_validator.domain import identities


@dataclass(frozen=True)
class Sender:
    """A notification's CAIP-10 sender, parsed once; `account` is None when it does not parse."""

    text: str
    account: Account | None
    error: str = ""

    @classmethod
    def parse(cls, text: str) -> Sender:
        """The parsed sender, or one carrying why it is not an account."""
        try:
            return cls(text, parse_account(text))
        except BadAddress as exc:
            return cls(text, None, str(exc))

    @property
    def chain_id(self) -> int:
        """The chain the sender names; 0 when it names none or does not parse."""
        return (self.account.chain_id or 0) if self.account is not None else 0


@dataclass(frozen=True)
class Notice:
    """One notification to judge: the submission its decision records, with its parsed sender.

    `on_chain`: a Comm log is the proof (the contract authorised the sender, gas paid for it).
    """

    sub: NotificationSubmitted
    sender: Sender
    on_chain: bool = False
    bad_identity: str = ""  # on-chain: why the log's identity bytes are not UTF-8
    to_itself: bool = False  # on-chain: sent to the channel itself, Push's broadcast

    @property
    def content_id(self) -> str:
        """What its authorisation covers, as an id: the key replays are refused by.

        `notification_id` hashes the whole proof, `::uid::` tail included, which anyone
        carrying a proof can change. Off-chain, a signature covers the identity under the
        sender's chain (the EIP-712 domain) and the channel; pgpv4 armour is left out too (its
        headers and comments can be altered without breaking it). On-chain, the log is the
        proof and its place (chain, tx, log index) the identity.
        """
        if self.on_chain:
            return self.sub.notification_id
        kind = self.sub.verification_proof.partition(":")[0]
        chain = str(self.sender.chain_id)
        return derive_id("content", kind, chain, self.sub.channel, self.sub.identity)

    @property
    def rate_limited(self) -> bool:
        """Off-chain sends spend the channel's bucket; the chain charged gas for on-chain ones."""
        return not self.on_chain

    def wanted(self, blocks: Mapping[str, bytes | None]) -> set[str] | None:
        """The subscribers its decision needs to know about (None: all)."""
        broadcast_to = self.sub.channel if self.on_chain else None
        return wanted_wallets(self.sub.identity, self.sub.recipient, broadcast_to, blocks)


def submitted(sub: NotificationSubmitted) -> Notice:
    """An off-chain notification, as the gateway appended it."""
    return Notice(sub, Sender.parse(sub.sender))


def from_log(log: ChainEventObserved, chain: ChainConfig | None, at: datetime) -> Notice:
    """A Comm SendNotification log as the submission its decision records."""
    proof = f"{CHAIN_PROOF_KIND}:{log.chain_id}:{log.tx_hash}"
    try:
        onchain_identity(log, strict=True)
        bad = ""
    except UnicodeDecodeError as exc:
        bad = str(exc)
    recipient = str(log.args.get("recipient", ""))
    sub = NotificationSubmitted(
        notification_id=onchain_notification_id(log.chain_id, log.tx_hash, log.log_index),
        channel=log.channel,
        sender=f"eip155:{log.chain_id}:{log.channel}",
        recipient=f"eip155:{log.chain_id}:{recipient}",
        identity=onchain_identity(log),
        verification_proof=proof,
        source=chain.source if chain else f"EIP155_{log.chain_id}",
        submitted_at=at,
    )
    to_itself = recipient.lower() == log.channel
    return Notice(sub, Sender.parse(sub.sender), True, bad, to_itself)


def onchain_notification_id(chain_id: int, tx_hash: str, log_index: int) -> str:
    """The id of the notification a Comm SendNotification log carries (and a retraction names)."""
    return derive_id("notification", f"{CHAIN_PROOF_KIND}:{chain_id}:{tx_hash}", str(log_index))


def onchain_identity(log: ChainEventObserved, *, strict: bool = False) -> str:
    """The identity bytes of a SendNotification log as text (strict: UnicodeDecodeError)."""
    raw = bytes.fromhex(str(log.args["identity"]).removeprefix("0x"))
    return raw.decode("utf-8", errors="strict" if strict else "replace")


def wanted_wallets(
    identity: str,
    recipient: str,
    broadcast_to: str | None = None,
    blocks: Mapping[str, bytes | None] | None = None,
) -> set[str] | None:
    """Which subscribers a notification decision needs to know about; None means all of them.

    A broadcast needs none: it is stamped with the channel's position instead of a list.

    `broadcast_to` is the channel for on-chain sends, where recipient == channel broadcasts.
    """
    try:
        payload = identities.resolve(identity, blocks or {})
        kind = str(payload.get("data", {}).get("type"))
        if kind == "4":
            return {parse_account(a).lower for a in payload.get("recipients") or {}}
        target = parse_account(recipient).lower
    except (PayloadError, BadAddress, TypeError):
        return set()  # the verdict will be a rejection; no subscriber is needed
    if kind == "1" or (broadcast_to is not None and target == broadcast_to):
        return set()
    return {target}
