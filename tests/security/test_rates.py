"""Writes are rate limited per client IP and per sender wallet, answering 429 with Retry-After."""

from __future__ import annotations

from tests.security.conftest import Gateway
from tests.unit.gateway.test_api import notification


async def test_writes_past_an_ips_budget_get_429_with_retry_after(gateway: Gateway) -> None:
    async with gateway(rate_limit_ip="3/minute") as http:
        answers = [
            await http.post("/apis/v1/ipfs/upload", json={"data": f"metadata {i}"})
            for i in range(4)
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].json()["error"]["reason"] == "RATE_LIMITED"
    assert int(answers[3].headers["retry-after"]) >= 1


async def test_reads_do_not_spend_the_write_budget(gateway: Gateway) -> None:
    async with gateway(rate_limit_ip="1/minute") as http:
        reads = [await http.get("/apis/v1/channels") for _ in range(3)]
        write = await http.post("/apis/v1/ipfs/upload", json={"data": "metadata"})
    assert {r.status_code for r in reads} == {200} and write.status_code == 200


async def test_a_wallets_accepted_writes_are_limited_and_forgeries_spend_nothing(
    gateway: Gateway, anvil_keys: tuple[str, ...]
) -> None:
    key = anvil_keys[1]
    forged = notification(key, verificationProof="not-a-proof")
    async with gateway(rate_limit_wallet="2/minute") as http:
        refused = await http.post("/apis/v1/payloads/", json=forged)
        accepted = [await http.post("/apis/v1/payloads/", json=notification(key)) for _ in "ab"]
        third = await http.post("/apis/v1/payloads/", json=notification(key))
        other = await http.post("/apis/v1/payloads/", json=notification(anvil_keys[2]))
    assert refused.status_code == 400
    assert [a.status_code for a in accepted] == [204, 204]
    assert third.status_code == 429 and int(third.headers["retry-after"]) >= 1
    assert other.status_code == 204
