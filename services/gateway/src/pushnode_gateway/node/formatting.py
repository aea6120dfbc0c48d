"""Pure: what the console shows about the node, read from /readyz answers and the log.

Only summaries leave this module: ready or not per check, consumer lags, chain heights and
halt reasons with URLs cut out (an RPC URL may carry an API key). A check's raw text (an
exception's repr naming hosts, say) is never passed on.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import ChainConfig

LAG = re.compile(r"^lag (-?\d+)$")
CURSOR = re.compile(r"^cursor (-?\d+), safe head (-?\d+)$")
URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+")


class CheckPublic(BaseModel):
    """One readiness check of a service: its name and whether it passes."""

    name: str
    ok: bool


class ServicePublic(BaseModel):
    """A service as its /readyz answered (reachable False: no answer at all)."""

    name: str
    ready: bool
    reachable: bool
    version: str | None = None
    checks: list[CheckPublic] = []


class ConsumerPublic(BaseModel):
    """One consumer's worst partition lag, as the service running it reports it."""

    name: str
    service: str
    ok: bool
    lag: int | None


class ChainPublic(BaseModel):
    """One followed chain: the listener's cursor, the safe head and the head behind it."""

    chain_id: int
    state: str  # synced | behind | halted | not started | unknown
    ok: bool
    cursor: int | None = None
    safe_head: int | None = None
    head: int | None = None
    confirmations: int
    halted: str | None = None


class TopicPublic(BaseModel):
    """A topic's end offsets: how many records each partition holds."""

    name: str
    end_offsets: list[int]
    total: int


class DecisionPublic(BaseModel):
    """One validator decision from the tail of protocol-decisions."""

    at: str
    type: str
    channel: str
    notification_id: str | None = None
    reason: str | None = None
    recipients: int | None = None


class NodeStatusPublic(BaseModel):
    """GET /apis/v1/node/status."""

    generated_at: str
    dev_mode: bool
    services: list[ServicePublic]
    consumers: list[ConsumerPublic]
    chains: list[ChainPublic]
    topics: list[TopicPublic]
    decisions: list[DecisionPublic]


def split_check(text: str) -> tuple[bool, str]:
    """'ok: detail' or 'failing: detail' (runtime.Readiness) -> (passed, detail)."""
    passed = text.startswith("ok: ")
    return passed, text.split(": ", 1)[1] if ": " in text else text


def service_public(name: str, body: dict[str, Any] | None) -> ServicePublic:
    """A service from its /readyz JSON; None when it did not answer."""
    if body is None:
        return ServicePublic(name=name, ready=False, reachable=False)
    checks = [
        CheckPublic(name=check, ok=split_check(str(text))[0])
        for check, text in sorted(dict(body.get("checks", {})).items())
    ]
    version = body.get("version")
    return ServicePublic(
        name=name,
        ready=bool(body.get("ready")),
        reachable=True,
        version=str(version) if version is not None else None,
        checks=checks,
    )


def consumers_of(name: str, body: dict[str, Any] | None) -> list[ConsumerPublic]:
    """The `consumer:<name>` checks of one service, with the lag each reports."""
    found = []
    for check, text in sorted(dict((body or {}).get("checks", {})).items()):
        if not check.startswith("consumer:"):
            continue
        ok, detail = split_check(str(text))
        match = LAG.match(detail)
        lag = int(match.group(1)) if match else None
        found.append(ConsumerPublic(name=check.split(":", 1)[1], service=name, ok=ok, lag=lag))
    return found


def chains_of(
    listener: dict[str, Any] | None, chains: tuple[ChainConfig, ...]
) -> list[ChainPublic]:
    """Every configured chain, read from the listener's `chain:<id>` checks."""
    checks = dict((listener or {}).get("checks", {}))
    return [chain_public(chain, checks.get(f"chain:{chain.chain_id}")) for chain in chains]


def chain_public(chain: ChainConfig, text: str | None) -> ChainPublic:
    """One chain from the listener's check text (None: the listener did not say)."""
    base = {"chain_id": chain.chain_id, "confirmations": chain.confirmations}
    if text is None:
        return ChainPublic(state="unknown", ok=False, **base)
    ok, detail = split_check(text)
    if detail.startswith("halted: "):
        reason = URL.sub("<url>", detail.removeprefix("halted: "))
        return ChainPublic(state="halted", ok=False, halted=reason, **base)
    match = CURSOR.match(detail)
    if match is None:
        return ChainPublic(state="not started", ok=False, **base)
    cursor, safe = int(match.group(1)), int(match.group(2))
    return ChainPublic(
        state="synced" if ok else "behind",
        ok=ok,
        cursor=cursor,
        safe_head=safe,
        head=safe + chain.confirmations,
        **base,
    )


def decision_public(envelope: Envelope) -> DecisionPublic:
    """A decision as the console lists it: no recipients' addresses, no free-text detail."""
    payload = envelope.payload
    recipients = payload.get("recipients")
    return DecisionPublic(
        at=envelope.occurred_at.isoformat().replace("+00:00", "Z"),
        type=envelope.type,
        channel=envelope.key,
        notification_id=payload.get("notification_id"),
        reason=payload.get("reason"),
        recipients=len(recipients) if isinstance(recipients, list) else None,
    )


def newest_decisions(envelopes: list[Envelope], limit: int) -> list[DecisionPublic]:
    """The `limit` most recent decisions across partitions, newest first."""
    ordered = sorted(envelopes, key=lambda e: e.occurred_at, reverse=True)
    return [decision_public(e) for e in ordered[:limit]]
