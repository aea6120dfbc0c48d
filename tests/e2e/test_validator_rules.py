"""The validator's rules through the real pipeline: reasons reach the API and the log.

A refusal the gateway can see up front is a 400 with the reason; the rest reaches
protocol-decisions as NotificationRejected with the reason. An IPFS identity is read from the
node's kubo. A second validator joining and then dying mid-stream loses and duplicates nothing.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import uuid
from typing import Any

import httpx
from eth_account import Account

from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.ipfs import KuboClient
from pushnode_shared.protocol.topics import PROTOCOL_DECISIONS
from tests.e2e.conftest import RunningNode
from tests.e2e.test_crash import whole_inbox
from tests.e2e.test_notification_path import (
    CHAIN_ID,
    RPC,
    channel_with_subscriber,
    connected_socket,
    wait_for,
)
from tests.support.chat import ChatWallet, new_pgp_key, pgp_sign
from tests.support.devchain import ROOT, deploy_module, fresh_wallet
from tests.support.signing import pgpv4_text, sign_data
from tests.support.topics import SubmittedIds, read_to_end

MISSING_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


def body_for(
    key: str, comm: str, identity: str, recipient: str, signer: str = ""
) -> dict[str, Any]:
    channel = Account.from_key(key).address
    signature = sign_data(identity, CHAIN_ID, comm, signer or key)
    return {
        "verificationProof": f"eip712v2:{signature}::uid::{uuid.uuid4()}",
        "identity": identity,
        "sender": f"eip155:{CHAIN_ID}:{channel}",
        "source": "ETH_TEST_SEPOLIA",
        "recipient": f"eip155:{CHAIN_ID}:{recipient}",
    }


def targeted(title: str = "Rules", **data: Any) -> str:
    payload = {"notification": {"title": title, "body": "b"}, "data": {"type": "3", **data}}
    return "2+" + json.dumps(payload)


def bootstrap_of(node: RunningNode) -> str:
    return node.env.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")


async def decisions(node: RunningNode) -> dict[str, list[Envelope]]:
    """Every decision on protocol-decisions so far, by notification id."""
    found: dict[str, list[Envelope]] = {}
    for envelope in await read_to_end(bootstrap_of(node), PROTOCOL_DECISIONS):
        if envelope.type.startswith("Notification"):
            found.setdefault(envelope.payload["notification_id"], []).append(envelope)
    return found


@functools.cache
def submitted(bootstrap: str) -> SubmittedIds:
    """One reader per broker for the whole module: each call reads on from the last."""
    return SubmittedIds(bootstrap)


async def notification_id(node: RunningNode, body: dict[str, Any]) -> str:
    """The id the gateway gave this acknowledged body (read back, not derived)."""
    return await submitted(bootstrap_of(node)).one(body["verificationProof"])


async def reason_on_the_log(node: RunningNode, body: dict[str, Any]) -> str:
    ident = await notification_id(node, body)

    async def decided() -> list[Envelope]:
        return (await decisions(node)).get(ident, [])

    [decision] = await wait_for(f"the decision on {ident}", decided, 60)
    return str(decision.payload.get("reason", decision.type))


async def post(http: httpx.AsyncClient, node: RunningNode, body: dict[str, Any]) -> httpx.Response:
    return await http.post(node.gateway + "/apis/v1/payloads/", json=body)


async def test_reasons_reach_the_api_answer_and_the_rejection_event(node: RunningNode) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    stranger_key = fresh_wallet(w3, deploy, push=0)
    user = Account.from_key(user_key).address
    comm = deploy.comm_address(CHAIN_ID)
    async with httpx.AsyncClient(timeout=15) as http:
        await channel_with_subscriber(http, node, deploy, w3, channel_key, user_key)
        up_front = {
            "PAYLOAD_TOO_LARGE": body_for(channel_key, comm, targeted(acta="x" * 17_000), user),
            "BAD_PAYLOAD": body_for(
                channel_key, comm, targeted(additionalMeta={"type": "video"}), user
            ),
            "BAD_IDENTITY": body_for(channel_key, comm, "9+what", user),
            "UNSUPPORTED_IDENTITY": body_for(channel_key, comm, "3+graph:a/b+1", user),
        }
        for reason, body in up_front.items():
            response = await post(http, node, body)
            assert response.status_code == 400, response.text
            assert response.json()["error"]["reason"] == reason
        kubo = KuboClient(node.env.get("IPFS_API", "http://127.0.0.1:5001"))
        try:
            cid = await kubo.put(targeted("From kubo")[2:].encode())
        finally:
            await kubo.aclose()
        later = {
            "SIGNER_NOT_AUTHORISED": body_for(
                channel_key, comm, targeted(), user, signer=stranger_key
            ),
            "IDENTITY_NOT_FOUND": body_for(channel_key, comm, f"1+{MISSING_CID}", user),
            "NotificationAccepted": body_for(channel_key, comm, f"1+{cid}", user),
        }
        for body in later.values():
            assert (await post(http, node, body)).status_code == 204
        outcomes = {reason: await reason_on_the_log(node, body) for reason, body in later.items()}
    assert outcomes == {reason: reason for reason in later}


async def test_a_pgpv4_notification_signed_with_the_channel_owners_push_key_is_accepted(
    node: RunningNode,
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    user = Account.from_key(user_key).address
    owner, stranger = ChatWallet(private_key=channel_key), new_pgp_key()
    comm = deploy.comm_address(CHAIN_ID)
    async with httpx.AsyncClient(timeout=15) as http:
        await channel_with_subscriber(http, node, deploy, w3, channel_key, user_key)
        unregistered = pgp_body(channel_key, comm, stranger, user)
        assert (await post(http, node, unregistered)).status_code == 204
        assert await reason_on_the_log(node, unregistered) == "PGP_KEY_NOT_REGISTERED"
        registration = await http.post(f"{node.gateway}/apis/v2/users/", json=owner.registration())
        assert registration.status_code == 201, registration.text
        assert owner.pgp is not None
        signed = pgp_body(channel_key, comm, owner.pgp, user)
        forged = pgp_body(channel_key, comm, stranger, user)
        for body in (signed, forged):
            assert (await post(http, node, body)).status_code == 204, body
        outcomes = [await reason_on_the_log(node, body) for body in (signed, forged)]
    assert outcomes == ["NotificationAccepted", "BAD_SIGNATURE"]


def pgp_body(channel_key: str, comm: str, key: Any, recipient: str) -> dict[str, Any]:
    """The SDK's sendNotification body with a pgpPrivateKey: `pgpv4:<armored signature>`."""
    body = body_for(channel_key, comm, targeted(f"PGP {uuid.uuid4().hex[:6]}"), recipient)
    return {**body, "verificationProof": "pgpv4:" + pgp_sign(key, pgpv4_text(body["identity"]))}


PER_PHASE = 15


async def test_a_second_validator_joining_then_dying_loses_and_duplicates_no_decision(
    node: RunningNode,
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    user = Account.from_key(user_key).address
    comm = deploy.comm_address(CHAIN_ID)
    async with httpx.AsyncClient(timeout=15) as http:
        await channel_with_subscriber(http, node, deploy, w3, channel_key, user_key)

        async def send_phase(phase: int) -> list[dict[str, Any]]:
            bodies = [
                body_for(channel_key, comm, targeted(f"Phase {phase} {n}"), user)
                for n in range(PER_PHASE)
            ]
            for body in bodies:
                assert (await post(http, node, body)).status_code == 204
            return bodies

        sent = await send_phase(0)
        second = start_second_validator(node)
        try:
            sent += await send_phase(1)  # while the group rebalances onto two members
            await wait_for("the second validator ready", lambda: ready(http, 4022), 60)
            sent += await send_phase(2)  # partitions now split between the two
        finally:
            os.killpg(second.pid, signal.SIGKILL)  # mid-stream, no goodbye to the group
            second.wait(timeout=10)
        sent += await send_phase(3)  # the survivor takes them back once the session expires
        items = await inbox_of(http, node, user, len(sent))
    found = await decisions(node)
    proofs = [body["verificationProof"] for body in sent]
    ids = list((await submitted(bootstrap_of(node)).of(proofs)).values())
    assert len(ids) == len(sent)
    assert [i for i in ids if len({e.event_id for e in found.get(i, [])}) != 1] == []
    sids = [item["sid"] for item in items]
    assert len(sids) == len(set(sids)) == len(sent)


async def inbox_of(
    http: httpx.AsyncClient, node: RunningNode, user: str, expected: int
) -> list[Any]:
    async def all_there() -> list[Any]:
        items = await whole_inbox(http, node, user)
        return items if len(items) >= expected else []

    return list(await wait_for(f"{expected} notifications in the inbox", all_there, 120))


def start_second_validator(node: RunningNode) -> subprocess.Popen[bytes]:
    env = {**node.env, "VALIDATOR_HTTP_PORT": "4022"}
    with (node.var / "validator-2.log").open("ab") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "pushnode"), "run", "validator"],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


async def ready(http: httpx.AsyncClient, port: int) -> bool:
    try:
        return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.TransportError:
        return False


def independently_signed(key: str, comm: str, identity: str, recipient: str) -> dict[str, Any]:
    """The SDK's body, signed with eth-account's typed-data signer (not the node's helper)."""
    signed = Account.sign_typed_data(
        key,
        domain_data={"name": "EPNS COMM V1", "chainId": CHAIN_ID, "verifyingContract": comm},
        message_types={"Data": [{"name": "data", "type": "string"}]},
        message_data={"data": identity},
    )
    body = body_for(key, comm, identity, recipient)
    return {**body, "verificationProof": f"eip712v2:0x{signed.signature.hex()}::uid::first"}


def with_uid(body: dict[str, Any], uid: str) -> dict[str, Any]:
    signature = body["verificationProof"].split("::uid::")[0]
    return {**body, "verificationProof": f"{signature}::uid::{uid}"}


async def test_a_repost_with_a_fresh_uid_reaches_no_feed_or_socket_again(
    node: RunningNode,
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    user = Account.from_key(user_key).address
    comm = deploy.comm_address(CHAIN_ID)
    events: list[Any] = []
    async with httpx.AsyncClient(timeout=15) as http:
        await channel_with_subscriber(http, node, deploy, w3, channel_key, user_key)
        socket = await connected_socket(node, user, events, [])
        try:
            original = independently_signed(channel_key, comm, targeted("Once"), user)
            assert (await post(http, node, original)).status_code == 204
            assert await reason_on_the_log(node, original) == "NotificationAccepted"
            replay = with_uid(original, f"replay-{uuid.uuid4()}")
            assert (await post(http, node, replay)).status_code == 204
            assert await reason_on_the_log(node, replay) == "DUPLICATE_NOTIFICATION"
            # Decisions are in log order per channel: once a later notification is in the
            # feed and on the socket, the replay's would have been too.
            later = independently_signed(channel_key, comm, targeted("Later"), user)
            assert (await post(http, node, later)).status_code == 204
            feed = await inbox_of(http, node, user, 2)
            await wait_for("both socket events", lambda: _at_least(events, 2))
        finally:
            await socket.disconnect()
    titles = sorted(item["payload"]["notification"]["title"] for item in feed)
    assert titles == ["Later", "Once"]
    assert sorted(e["sid"] for e in events) == sorted(item["sid"] for item in feed)


async def _at_least(items: list[Any], count: int) -> bool:
    return len(items) >= count
