"""SIGKILL the dispatcher while a notification's pushes are out: afterwards every device got
it exactly once, by the FCM emulator's own log, and the status API shows each delivered.

The emulator accepts some of the pushes and holds the rest unaccepted; the dispatcher dies
with its batch uncommitted and the held pushes unanswered, which the emulator then refuses
(503, as FCM does when overloaded, to a client that is gone). After the restart the
dispatcher must push the held ones and only those: the accepted ones are in its send log.
What no client can resolve without an idempotency key at the provider (a push the provider
accepted whose answer died with the process) is left out here by construction; the
dispatcher sends those again under the same collapse key (see the dispatcher README).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter
from typing import Any

import httpx

from tests.e2e.conftest import RunningNode
from tests.e2e.test_delivery import RETRY_WINDOW_SECONDS, notify, register, subscribed_user
from tests.e2e.test_notification_path import wait_for

DEVICES = 40
ACCEPTED_BEFORE_THE_KILL = 15


async def accepted(http: httpx.AsyncClient, node: RunningNode, tokens: set[str]) -> Counter[str]:
    messages = (await http.get(node.fcm + "/_emulator/messages")).json()
    return Counter(m["token"] for m in messages if m.get("token") in tokens)


async def held(http: httpx.AsyncClient, node: RunningNode) -> int:
    return int((await http.get(node.fcm + "/_emulator/stats")).json()["held"])


async def deliveries(http: httpx.AsyncClient, node: RunningNode, sid: str) -> list[Any]:
    response = await http.get(f"{node.gateway}/apis/v1/payloads/{sid}/deliveries")
    assert response.status_code == 200, response.text
    rows: list[Any] = response.json()["deliveries"]
    return rows


async def answers_logged(http: httpx.AsyncClient, node: RunningNode) -> float:
    """The dispatcher's count of provider answers committed to its send log (its /metrics)."""
    text = (await http.get(node.metrics_url("dispatcher") + "/metrics")).text
    found = re.search(r"^pushnode_dispatcher_answers_logged_total (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def kill_mid_batch(
    http: httpx.AsyncClient, node: RunningNode, tokens: set[str], send: Any
) -> Counter[str]:
    """Hold the emulator after a few accepted pushes, send, SIGKILL the dispatcher while the
    rest are held, refuse the held ones; return what was accepted before the restart."""
    hold = {"after": ACCEPTED_BEFORE_THE_KILL}
    logged_before = await answers_logged(http, node)
    assert (await http.post(node.fcm + "/_emulator/hold", json=hold)).status_code == 200
    try:
        await send()

        async def stuck() -> bool:
            # Some accepted, the next held at the emulator (the rest may still wait for a
            # connection inside the dispatcher: claimed, never sent).
            mine = sum((await accepted(http, node, tokens)).values())
            return mine >= ACCEPTED_BEFORE_THE_KILL and await held(http, node) > 0

        await wait_for("pushes accepted, then held", stuck, seconds=60)
        mine = sum((await accepted(http, node, tokens)).values())

        async def answers_in_the_send_log() -> bool:
            return await answers_logged(http, node) >= logged_before + mine

        # A push answered but not yet in the log would be "in doubt" and sent again.
        await wait_for("the accepted answers in the send log", answers_in_the_send_log, 30)
        node.script("kill", "dispatcher")
    finally:
        await http.post(node.fcm + "/_emulator/release", json={"deliver": False})
    return await accepted(http, node, tokens)


async def notification_id(http: httpx.AsyncClient, node: RunningNode, tokens: set[str]) -> str:
    messages = (await http.get(node.fcm + "/_emulator/messages")).json()
    details = next(m["message"]["data"]["details"] for m in messages if m["token"] in tokens)
    return str(json.loads(details)["info"]["sid"])


async def test_a_dispatcher_killed_mid_batch_pushes_each_device_once(node: RunningNode) -> None:
    run = uuid.uuid4().hex[:12]
    tokens = {f"crash-{run}-{i:03d}" for i in range(DEVICES)}
    async with httpx.AsyncClient(timeout=15) as http:
        deploy, channel_key, user_key = await subscribed_user(http, node)
        for token in sorted(tokens):
            await register(http, node, user_key, token, "android")
        try:
            before_restart = await kill_mid_batch(
                http, node, tokens, lambda: notify(http, node, deploy, channel_key, user_key)
            )
        finally:
            node.script("start", "dispatcher")  # a no-op when the kill never came

        async def everyone() -> Counter[str]:
            counts = await accepted(http, node, tokens)
            return counts if set(counts) == tokens else Counter()

        await wait_for("a push to every device", everyone, seconds=90)
        nid = await notification_id(http, node, tokens)

        async def all_delivered() -> list[Any]:
            rows = await deliveries(http, node, nid)
            done = [r for r in rows if r["status"] == "DELIVERED"]
            return rows if len(done) == DEVICES else []

        rows = await wait_for("every device DELIVERED in the status API", all_delivered, 60)
        await asyncio.sleep(RETRY_WINDOW_SECONDS)  # a duplicate would have come by now
        counts = await accepted(http, node, tokens)

    assert 0 < sum(before_restart.values()) < DEVICES  # the kill did land mid-batch
    assert set(counts) == tokens  # none skipped
    assert max(counts.values()) == 1  # none pushed twice
    assert {r["attempts"] for r in rows} == {1}
    assert {r["device"] for r in rows} == {f"android:\u2026{t[-8:]}" for t in tokens}
