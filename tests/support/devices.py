"""Device registration as a wallet app does it: POST /apis/v1/pushtokens/register, signed by
the wallet (personal_sign of the README's text, from tests/support/signing.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpx

from tests.support.signing import device_registration


async def register_device(
    http: httpx.AsyncClient,
    gateway: str,
    key: str,
    token: str,
    platform: str = "android",
    app: str | None = None,
) -> None:
    """Register one device for the key's wallet (and app); the gateway answers 204.

    No wait for the dispatcher's registry: a device registered (204) before a notification is
    sent gets it; the dispatcher orders the two (services/dispatcher/README.md).
    """
    body = device_registration(key, token, platform, app=app)
    response = await http.post(gateway + "/apis/v1/pushtokens/register", json=body)
    assert response.status_code == 204, response.text


async def register_devices(
    http: httpx.AsyncClient, gateway: str, devices: Iterable[tuple[str, str]], in_flight: int = 16
) -> None:
    """Register every (wallet key, token) pair, `in_flight` requests at a time, as many phones
    do at once; returns once the gateway acknowledged each."""
    pending = iter(devices)

    async def worker() -> None:
        for key, token in pending:
            await register_device(http, gateway, key, token)

    await asyncio.gather(*(worker() for _ in range(in_flight)))
