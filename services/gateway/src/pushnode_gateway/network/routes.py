"""GET /apis/v1/node/{frontier,records,evidence,peers,state-hash}: the node API.

`frontier` and `records` answer known peers only, configured or registered (a node signature
in the headers);
`evidence`, `peers` and `state-hash` are public, for the console and for anyone checking that
nodes agree. Every page is bounded; records stream out as they are read.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.network import adapters
from pushnode_gateway.network.peers import NodeIdentity
from pushnode_gateway.network.state import state_hash
from pushnode_shared.infra.untrusted import load_json
from pushnode_shared.protocol.network.auth import Unauthorised, check_request

router = APIRouter(tags=["network"])
MAX_PAGE = 256
MAX_EVIDENCE = 256


def _identity(request: Request) -> NodeIdentity:
    identity: NodeIdentity | None = getattr(request.app.state, "node_identity", None)
    if identity is None:
        raise ApiError(404, "NOT_IN_A_NETWORK", "this node is not in a network")
    return identity


IdentityDep = Annotated[NodeIdentity, Depends(_identity)]


async def _peer(request: Request, identity: IdentityDep) -> str:
    peers = await identity.addresses()
    try:
        return check_request(
            request.headers,
            request.method,
            request.url.path,
            request.url.query,
            now=int(time.time()),
            peers=peers,
        )
    except Unauthorised as exc:
        raise ApiError(401, "NOT_A_PEER", str(exc)) from exc


PeerDep = Annotated[str, Depends(_peer)]


@router.get("/v1/node/frontier")
async def node_frontier(_: PeerDep, identity: IdentityDep, database: DatabaseDep) -> dict[str, Any]:
    """Per origin, the contiguous frontier this node holds and the hash of the record there."""
    async with database.engine.connect() as conn:
        heads = await adapters.frontier(conn)
    frontier = {o: {"seq": s, "hash": h} for o, (s, h) in sorted(heads.items())}
    return {"node": identity.key.address, "frontier": frontier}


@router.get("/v1/node/records")
async def node_records(
    _: PeerDep,
    database: DatabaseDep,
    origin: Annotated[str, Query(pattern=r"^0x[0-9a-fA-F]{40}$")],
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
) -> StreamingResponse:
    """Up to `limit` records of `origin` after `after`, in order, streamed as one JSON object."""
    async with database.engine.connect() as conn:
        bodies = await adapters.page(conn, origin, after, limit)

    async def stream() -> AsyncIterator[bytes]:
        yield b'{"records":['
        for i, body in enumerate(bodies):
            yield (b"," if i else b"") + body.encode()
        yield b"]}"

    return StreamingResponse(stream(), media_type="application/json")


@router.get("/v1/node/evidence")
async def node_evidence(database: DatabaseDep) -> dict[str, Any]:
    """Evidence this node holds against origins (bounded)."""
    async with database.engine.connect() as conn:
        bodies = await adapters.all_evidence(conn, MAX_EVIDENCE)
    return {"evidence": [load_json(b) for b in bodies]}


@router.get("/v1/node/peers")
async def node_peers(identity: IdentityDep, database: DatabaseDep) -> dict[str, Any]:
    """Each known peer: node id, url, reachable, frontier, lag behind it."""
    async with database.engine.connect() as conn:
        ours = {o: s for o, (s, _) in (await adapters.frontier(conn)).items()}
    return {"node": identity.key.address, "peers": await identity.view(ours)}


@router.get("/v1/node/state-hash")
async def node_state_hash(database: DatabaseDep) -> dict[str, Any]:
    """A hash over the replicated state and the frontier it was computed at."""
    digest, frontier = await state_hash(database)
    return {"hash": digest, "frontier": frontier}
