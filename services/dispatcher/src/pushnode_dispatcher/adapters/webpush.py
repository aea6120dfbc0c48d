"""Web Push adapter: RFC 8291 encryption and RFC 8292 VAPID, and the push service's answer."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from py_vapid import Vapid, VapidException
from pywebpush import WebPusher, WebPushException

from pushnode_dispatcher.adapters.answers import (
    by_status,
    json_object,
    parse_retry_after,
    reason_code,
)
from pushnode_dispatcher.adapters.http_client import OwnsHttpClient
from pushnode_dispatcher.adapters.webpush_message import (
    WebPushMessage,
    web_subscription,
    webpush_message,
)
from pushnode_dispatcher.domain import Outcome, PushContent, SendOutcome
from pushnode_shared.protocol.webpush_endpoints import (
    EndpointPolicy,
    EndpointRefused,
    Resolver,
    admit,
    system_resolver,
)

__all__ = ["WebPushClient", "WebPushPusher", "classify", "load_vapid_key"]

# What a refused endpoint means for its token: a name that does not resolve may again, an
# endpoint outside the allow-list may be allowed later, the rest can never be pushed.
REFUSED = {"ENDPOINT_UNRESOLVED": Outcome.RETRY, "ENDPOINT_HOST_NOT_ALLOWED": Outcome.BAD_REQUEST}
# RFC 8292 allows a VAPID JWT to live 24 hours; sign for 12 and renew with an hour left.
VAPID_LIFETIME = 12 * 3600
VAPID_RENEW_BEFORE = 3600


def classify(response: httpx.Response) -> SendOutcome:
    """Turn a push service's answer to `POST <endpoint>` into an outcome."""
    status = response.status_code
    if status in (200, 201, 202):
        location = response.headers.get("location")
        return SendOutcome(Outcome.DELIVERED, message_name=location, http_status=status)
    body = json_object(response)
    code = next((str(body[k]) for k in ("reason", "errno", "error") if k in body), None)
    code = reason_code(code)
    kind = _kind(status)
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    # The push service is whatever the subscription names: its words never go further
    # than a bounded reason code (the deliveries API and the logs show `detail`).
    return SendOutcome(
        kind,
        detail=f"push service answered {status}" + (f": {code}" if code else ""),
        retry_after=retry_after if kind is Outcome.RETRY else None,
        http_status=status,
        error_code=code,
    )


def _kind(status: int) -> Outcome:
    if status in (404, 410):
        return Outcome.DROP_TOKEN
    return by_status(status)


def load_vapid_key(source: str | bytes | PathLike[str]) -> Vapid:
    """A VAPID key from a PEM (text, bytes or file) or base64url raw/DER text, as
    `web-push generate-vapid-keys` prints it."""
    if isinstance(source, PathLike):
        source = Path(source).read_bytes()
    if isinstance(source, str) and "-----BEGIN" not in source:
        return Vapid.from_string(source)
    pem = source.encode() if isinstance(source, str) else source
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, EllipticCurvePrivateKey):
        raise ValueError("a VAPID key must be an EC P-256 private key")
    return Vapid(private_key=key)


class WebPushClient(OwnsHttpClient):
    """Encrypts for each subscription and signs VAPID JWTs, one cached per push service."""

    def __init__(
        self,
        vapid_private_key: str | bytes | PathLike[str],
        *,
        subject: str,
        timeout: float = 10.0,
        max_connections: int = 100,
        clock: Callable[[], float] = time.time,
        endpoints: EndpointPolicy | None = None,
        resolve: Resolver = system_resolver,
    ) -> None:
        if not subject.startswith(("mailto:", "https://")):
            raise ValueError("the VAPID subject must be a mailto: or https: URI")
        self._vapid = load_vapid_key(vapid_private_key)
        self._subject = subject
        self._clock = clock
        # Production refuses every non-public endpoint; only the dev stack relaxes it.
        self._endpoints = endpoints or EndpointPolicy()
        self._resolve = resolve
        # audience (push service origin) -> (Authorization header, when to renew it)
        self._headers: dict[str, tuple[str, float]] = {}
        self._http = httpx.AsyncClient(
            http2=True, timeout=timeout, limits=httpx.Limits(max_connections=max_connections)
        )

    def __repr__(self) -> str:
        return f"WebPushClient(subject={self._subject!r})"

    @property
    def application_server_key(self) -> str:
        """The public key browsers pass to `pushManager.subscribe()`, base64url."""
        raw = self._vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    async def send(self, message: WebPushMessage) -> SendOutcome:
        """Send one push; every failure is returned as an outcome, never raised."""
        if problem := message.local_problem():
            return SendOutcome(Outcome.BAD_REQUEST, problem)
        endpoint = message.subscription.endpoint
        try:
            # Checked at every send: the name may resolve elsewhere than at registration.
            await admit(endpoint, self._endpoints, self._resolve)
        except EndpointRefused as refused:
            kind = REFUSED.get(refused.code, Outcome.DROP_TOKEN)
            return SendOutcome(kind, refused.reason, error_code=refused.code)
        parts = urlsplit(endpoint)
        try:
            body, headers = self._encrypt(message)
        except (WebPushException, ValueError) as exc:
            # The browser gave keys no push can be encrypted for; it never will be.
            return SendOutcome(Outcome.DROP_TOKEN, f"subscription keys unusable: {exc}")
        try:
            headers["Authorization"] = self._authorization(f"{parts.scheme}://{parts.netloc}")
        except VapidException as exc:
            return SendOutcome(Outcome.CREDENTIALS, f"VAPID signing failed: {exc}")
        try:
            response = await self._http.post(endpoint, content=body, headers=headers)
        except httpx.TransportError as exc:
            return SendOutcome(Outcome.RETRY, f"network error: {type(exc).__name__}: {exc}")
        return classify(response)

    def _encrypt(self, message: WebPushMessage) -> tuple[bytes, dict[str, str]]:
        headers = {"TTL": str(message.ttl)}
        if message.urgency:
            headers["Urgency"] = message.urgency
        if message.topic:
            headers["Topic"] = message.topic
        if not message.data:
            return b"", headers  # a push without payload needs no encryption
        pusher = WebPusher(message.subscription.model_dump())
        encoded: dict[str, Any] = pusher.encode(message.data, content_encoding="aes128gcm")
        headers |= {"Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream"}
        body: bytes = encoded["body"]
        return body, headers

    def _authorization(self, audience: str) -> str:
        now = self._clock()
        cached = self._headers.get(audience)
        if cached is not None and now < cached[1]:
            return cached[0]
        claims = {"aud": audience, "exp": int(now) + VAPID_LIFETIME, "sub": self._subject}
        header: str = self._vapid.sign(claims)["Authorization"]
        self._headers[audience] = (header, now + VAPID_LIFETIME - VAPID_RENEW_BEFORE)
        return header


class WebPushPusher:
    """Browsers: the registered token is the PushSubscription JSON."""

    def __init__(self, client: WebPushClient) -> None:
        self.client = client

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        subscription = web_subscription(token)
        if subscription is None:
            # Nothing can ever be pushed to it; unregistering it is the only useful answer.
            return SendOutcome(Outcome.DROP_TOKEN, "device_token is not a PushSubscription JSON")
        return await self.client.send(webpush_message(content, subscription))
