"""Pure: who authorised a notification — the one place off-chain and on-chain judging differ.

On-chain, the Comm contract already let the channel (or its alias) send: the log is the proof.
Off-chain, the verificationProof must be one of NOTIFICATION_PROOF_KINDS and name a signer
the channel allows on that chain: an EIP-712 signer (eip712v2), or the channel owner's
registered Push-profile PGP key (pgpv4), checked through the PgpCheck port bootstrap injects.
"""

from __future__ import annotations

from datetime import datetime

from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.events import RejectReason
from pushnode_shared.protocol.payloads import NOTIFICATION_PROOF_KINDS, check_size, parse_proof
from pushnode_shared.protocol.signatures import BadSignature, recover_data_signer
from pushnode_validator.domain.keys import PgpCheck, RegisteredKey
from pushnode_validator.domain.notice import Notice
from pushnode_validator.domain.projection import ChannelState
from pushnode_validator.domain.ratelimit import micros
from pushnode_validator.domain.rejected import Rejected


def authenticate(
    notice: Notice,
    chain: ChainConfig,
    channel: ChannelState,
    key: RegisteredKey | None,
    pgp: PgpCheck | None,
) -> tuple[str, str | None]:
    """The signer's address, and the PGP key fingerprint when a pgpv4 proof was checked."""
    if notice.on_chain:
        assert notice.sender.account is not None  # the judge refused an unparsed sender
        return notice.sender.account.lower, None
    sub = notice.sub
    check_size(sub.identity, "identity")
    proof = parse_proof(sub.verification_proof)
    if proof.kind not in NOTIFICATION_PROOF_KINDS:
        kinds = " or ".join(NOTIFICATION_PROOF_KINDS)
        raise Rejected(
            RejectReason.UNSUPPORTED_PROOF,
            f"proof kind {proof.kind} is not accepted off-chain (use {kinds})",
        )
    signing_key = None
    if proof.kind == "pgpv4":
        signer = channel.channel
        signing_key = _verify_pgp(sub.identity, sub.submitted_at, channel, key, pgp, proof.body)
    else:
        try:
            signer = recover_data_signer(sub.identity, chain.chain_id, chain.comm, proof.body)
        except BadSignature as exc:
            raise Rejected(RejectReason.BAD_SIGNATURE, str(exc)) from exc
    if not channel.may_send(chain.chain_id, signer):
        raise Rejected(
            RejectReason.SIGNER_NOT_AUTHORISED,
            f"signed by {signer}, not {channel.channel} or its delegate on chain "
            f"{chain.chain_id} (EIP-712 domain: chainId {chain.chain_id}, Comm {chain.comm})",
        )
    return signer, signing_key


def _verify_pgp(
    identity: str,
    at: datetime,
    channel: ChannelState,
    key: RegisteredKey | None,
    pgp: PgpCheck | None,
    signature: str,
) -> str:
    """pgpv4: the channel owner's registered Push-profile key signed sha256({data: identity})."""
    if key is None or not key.fingerprint:
        why = "no usable key" if key is not None else "no key"
        raise Rejected(
            RejectReason.PGP_KEY_NOT_REGISTERED,
            f"{channel.channel} had {why} registered as a Push user (POST /apis/v2/users) "
            f"at {at.isoformat()}",
        )
    if key.expires_us is not None and key.expires_us <= micros(at):
        raise Rejected(
            RejectReason.PGP_KEY_NOT_REGISTERED, f"key {key.fingerprint} had expired by then"
        )
    if pgp is None:
        raise RuntimeError("no PgpCheck wired: bootstrap injects adapters.pgp.check")
    if not pgp(key.public_key, identity, signature):
        raise Rejected(
            RejectReason.BAD_SIGNATURE,
            f"pgpv4 signature does not verify with {channel.channel}'s key {key.fingerprint}",
        )
    return key.fingerprint
