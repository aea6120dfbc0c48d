"""POST /apis/v1/ipfs/upload: {data} -> {cid}, for channel metadata before createChannelWithPUSH.

The gateway does not write to kubo: it computes the CID (raw block, CIDv1, sha2-256 — the same
the storage service uses) and appends ContentUploaded to the log. Storage, which owns kubo
writes, puts and pins the block; the gateway's own projection reads channel names from the same
event. So the content survives a kubo outage (the log keeps it until storage can write) and a
replay restores it; GET /apis/v1/ipfs/{cid} serves it once storage has put it, usually within
a second.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pushnode_gateway.deps import ProducerDep, SettingsDep
from pushnode_gateway.errors import ApiError
from pushnode_shared.infra.envelope import derive_id, utcnow
from pushnode_shared.infra.ipfs import cid_of
from pushnode_shared.protocol.events import ContentUploaded, wrap
from pushnode_shared.protocol.topics import UPLOADS

router = APIRouter(tags=["ipfs"])
# A ceiling on characters for the schema; the real limit is GATEWAY_UPLOAD_MAX_BYTES in UTF-8
# bytes (a character may take four), checked in the route. Kafka's default record limit is 1 MiB;
# channel metadata (with a base64 icon) stays far below.
MAX_UPLOAD_CHARS = 512 * 1024


class UploadCreate(BaseModel):
    """The SDK's body: the content as a string (channel metadata JSON)."""

    data: str = Field(min_length=1, max_length=MAX_UPLOAD_CHARS)


class UploadPublic(BaseModel):
    """The CID under which GET /apis/v1/ipfs/{cid} serves the content."""

    cid: str


@router.post("/v1/ipfs/upload")
async def upload(body: UploadCreate, producer: ProducerDep, settings: SettingsDep) -> UploadPublic:
    """Content-addressed: uploading the same data twice gives the same CID and one block."""
    data = body.data.encode("utf-8")
    if len(data) > settings.upload_max_bytes:
        limit = settings.upload_max_bytes
        raise ApiError(413, "UPLOAD_TOO_LARGE", f"data is {len(data)} bytes; the limit is {limit}")
    cid = cid_of(data)
    event = ContentUploaded(cid=cid, data=body.data, uploaded_at=utcnow())
    # The same content always gets the same event id, so repeats are one record downstream.
    envelope = wrap(event, producer="gateway", event_id=derive_id("upload", cid))
    await producer.publish(UPLOADS, envelope)
    return UploadPublic(cid=cid)
