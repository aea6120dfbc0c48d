"""POST /apis/v1/node/test-notification: dev mode only (make up), the console's one-click send.

Signs a targeted notification as the demo channel whose key GATEWAY_CONSOLE_DEMO_KEY holds
(a public anvil test key), exactly as the SDK would, and submits it through the same route as
POST /apis/v1/payloads/. Without that key this router is not mounted at all.
"""

from __future__ import annotations

import json
import time
import uuid

from eth_account import Account
from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from pushnode_gateway.deps import ProducerDep, SettingsDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.feeds.routes.send import send_notification
from pushnode_gateway.models import PayloadCreate
from pushnode_gateway.params import account_or_400
from pushnode_shared.protocol.signatures import sign_data

router = APIRouter(tags=["node"])


class TestNotificationCreate(BaseModel):
    """Who gets the test notification (CAIP-10)."""

    recipient: str = Field(max_length=200)


@router.post("/v1/node/test-notification", status_code=204)
async def send_test_notification(
    body: TestNotificationCreate, producer: ProducerDep, settings: SettingsDep
) -> Response:
    """Sign as the demo channel on the first chain with a Core contract, then submit."""
    recipient = account_or_400(body.recipient)
    chain = next((c for c in settings.chains if c.core), None)
    if chain is None or settings.console_demo_key is None:
        raise ApiError(409, "NO_DEMO_CHANNEL", "no chain with a Core contract, or no demo key")
    key = settings.console_demo_key.get_secret_value()
    channel = Account.from_key(key).address
    target = f"eip155:{chain.chain_id}:{recipient.address}"
    title, text = "Test from the console", f"Sent at {time.strftime('%H:%M:%S')}"
    payload = {
        "notification": {"title": title, "body": text},
        "data": {"type": "3", "asub": title, "amsg": text, "app": "pushnode console"},
        "recipients": target,
    }
    identity = "2+" + json.dumps(payload)
    signature = sign_data(identity, chain.chain_id, chain.comm, key)
    signed = PayloadCreate.model_validate(
        {
            "verificationProof": f"eip712v2:{signature}::uid::{uuid.uuid4()}",
            "identity": identity,
            "sender": f"eip155:{chain.chain_id}:{channel}",
            "source": chain.source,
            "recipient": target,
        }
    )
    return await send_notification(signed, producer, settings)
