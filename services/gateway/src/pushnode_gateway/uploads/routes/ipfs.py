"""GET /apis/v1/ipfs/{cid}: a stored object, checked against its CID before it is served."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response

from pushnode_gateway.errors import ApiError
from pushnode_shared.infra.ipfs import BlockNotFound, BlockStore, cid_of, parse_cid

router = APIRouter(tags=["ipfs"])


@router.get(
    "/v1/ipfs/{cid}",
    responses={
        200: {
            "description": "the stored bytes: JSON objects as JSON, anything else as bytes",
            "content": {"application/json": {}, "application/octet-stream": {}},
        }
    },
)
async def get_object(cid: str, request: Request) -> Response:
    """JSON objects come back as JSON; other content as bytes. Only local blocks are served."""
    try:
        parsed = parse_cid(cid)
    except ValueError as exc:
        raise ApiError(400, "BAD_CID", str(exc)) from exc
    if parsed.codec.name != "raw":
        raise ApiError(400, "UNSUPPORTED_CID", "this node stores raw blocks (CIDv1, raw codec)")
    blocks: BlockStore | None = request.app.state.ipfs
    if blocks is None:
        raise ApiError(503, "IPFS_UNAVAILABLE", "this gateway has no IPFS node configured")
    try:
        data = await blocks.get(cid)
    except BlockNotFound as exc:
        raise ApiError(404, "NOT_FOUND", f"{cid} is not stored on this node") from exc
    if cid_of(data) != str(parsed.set(base="base32")):
        raise ApiError(502, "CID_MISMATCH", "kubo returned bytes that do not hash to the CID")
    try:
        json.loads(data)
    except ValueError:
        return Response(content=data, media_type="application/octet-stream")
    return Response(content=data, media_type="application/json")
