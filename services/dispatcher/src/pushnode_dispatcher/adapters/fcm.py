"""FCM HTTP v1 adapter: sends one message per request and classifies FCM's answer.

Transport: aiohttp over HTTP/1.1 keep-alive connections, one request in flight on each, as
many connections as pushes in flight. Not HTTP/2 (httpx's h2) on purpose: measured against
the FCM emulator, httpx costs about 2 ms of client CPU per request and aiohttp about 0.25 ms
(see the dispatcher README, "FCM transport"); CPU, not connections, bounds a node's rate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import aiohttp
import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.exceptions import TransportError as AuthTransportError
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account as google_service_account

from pushnode_dispatcher.adapters.answers import HttpAnswer, by_status
from pushnode_dispatcher.adapters.answers import json_object as _json_object
from pushnode_dispatcher.adapters.answers import parse_retry_after as _retry_after
from pushnode_dispatcher.adapters.fcm_message import FcmMessage, fcm_message
from pushnode_dispatcher.domain import Outcome, PushContent, SendOutcome

__all__ = ["FcmClient", "FcmPusher", "classify"]

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_BASE_URL = "https://fcm.googleapis.com"
# Refresh this long before expiry (google-auth uses 3 min 45 s) so no send carries a
# token that lapses in flight.
REFRESH_MARGIN = 300.0
BAD_REQUEST_DETAIL = "type.googleapis.com/google.rpc.BadRequest"

log = logging.getLogger(__name__)

_BY_ERROR_CODE = {
    "UNREGISTERED": Outcome.DROP_TOKEN,
    # The token was issued to another sender: our credentials are fine, the token is useless.
    "SENDER_ID_MISMATCH": Outcome.DROP_TOKEN,
    "THIRD_PARTY_AUTH_ERROR": Outcome.CREDENTIALS,
    "QUOTA_EXCEEDED": Outcome.RETRY,
    "UNAVAILABLE": Outcome.RETRY,
    "INTERNAL": Outcome.RETRY,
}


def classify(response: HttpAnswer) -> SendOutcome:
    """Turn an FCM v1 `messages:send` response into an outcome."""
    body = _json_object(response)
    if response.status_code == 200:
        name = body.get("name")
        return SendOutcome(Outcome.DELIVERED, message_name=name, http_status=200)
    raw_error = body.get("error")
    error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    code = next((d["errorCode"] for d in details if "errorCode" in d), error.get("status"))
    kind = _kind(response.status_code, code, error, details)
    retry_after = _retry_after(response.headers.get("retry-after"))
    return SendOutcome(
        kind,
        detail=str(error.get("message") or response.text[:200]),
        retry_after=retry_after if kind is Outcome.RETRY else None,
        http_status=response.status_code,
        error_code=code,
    )


def _kind(
    status: int, code: str | None, error: Mapping[str, Any], details: list[dict[str, Any]]
) -> Outcome:
    if code in _BY_ERROR_CODE:
        return _BY_ERROR_CODE[code]
    if status == 400 or code == "INVALID_ARGUMENT":
        return Outcome.DROP_TOKEN if _about_token(error, details) else Outcome.BAD_REQUEST
    # Only Google's own NOT_FOUND means the token is gone; a bare 404 is more likely a
    # wrong base URL, and dropping every token over it would be a disaster.
    if status == 404 and error.get("status") == "NOT_FOUND":
        return Outcome.DROP_TOKEN
    return by_status(status)


def _about_token(error: Mapping[str, Any], details: list[dict[str, Any]]) -> bool:
    violations = [v for d in details for v in d.get("fieldViolations") or []]
    if any(isinstance(v, dict) and v.get("field") == "message.token" for v in violations):
        return True
    return "registration token" in str(error.get("message", "")).lower()


class _AccessTokens:
    """OAuth2 access tokens for the service account, refreshed once for all waiting sends."""

    def __init__(self, info: Mapping[str, Any]) -> None:
        credentials = google_service_account.Credentials
        # google-auth ships no annotation for this constructor.
        self._credentials = credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            dict(info), scopes=[SCOPE]
        )
        self._session = requests.Session()
        self._request = AuthRequest(session=self._session)
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._fresh_until = 0.0

    async def get(self, stale: str | None = None) -> str:
        """A usable token; `stale` is one FCM just refused, so never hand it out again."""
        async with self._lock:
            if self._token in (None, stale) or time.monotonic() >= self._fresh_until:
                # google-auth's transport is blocking; keep it off the event loop.
                self._token, self._fresh_until = await asyncio.to_thread(self._refresh)
            assert self._token is not None
            return self._token

    def _refresh(self) -> tuple[str, float]:
        self._credentials.refresh(self._request)
        expiry: dt.datetime | None = self._credentials.expiry
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # google-auth's expiry is naive UTC
        lifetime = (expiry - now).total_seconds() if expiry else 3600.0
        log.info("fcm access token refreshed, valid for %.0f s", lifetime)
        token: str = self._credentials.token
        return token, time.monotonic() + lifetime - min(REFRESH_MARGIN, lifetime / 2)

    def close(self) -> None:
        self._session.close()


@dataclass(frozen=True, slots=True)
class _Answer:
    """A read aiohttp response, in the shape the classifier reads."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class FcmClient:
    """Sends to FCM HTTP v1 with OAuth2 service-account credentials; many sends in flight."""

    def __init__(
        self,
        service_account: Mapping[str, Any] | str | PathLike[str],
        *,
        base_url: str = DEFAULT_BASE_URL,
        project_id: str | None = None,
        timeout: float = 10.0,
        max_connections: int = 100,
    ) -> None:
        info = _load_service_account(service_account)
        self.project_id: str = project_id or info["project_id"]
        self._tokens = _AccessTokens(info)
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        # Made on first use: an aiohttp session belongs to the event loop that runs it.
        self._http: aiohttp.ClientSession | None = None
        self._url = f"{self._base_url}/v1/projects/{self.project_id}/messages:send"

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
            self._http = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._http

    async def send(self, message: FcmMessage) -> SendOutcome:
        """Send one message; every failure is returned as an outcome, never raised."""
        if problem := message.local_problem():
            return SendOutcome(Outcome.BAD_REQUEST, problem, error_code="INVALID_ARGUMENT")
        return await self.send_wire(message.to_wire())

    async def send_wire(self, wire: dict[str, Any]) -> SendOutcome:
        """Send a message already checked and in FCM's JSON shape (`FcmMessage.to_wire`)."""
        body = json.dumps({"message": wire}, separators=(",", ":"), ensure_ascii=False).encode()
        outcome, used = await self._attempt(body, stale=None)
        # An access token can be revoked or expire early; one fresh token gets one more try.
        if outcome.http_status == 401 and outcome.error_code != "THIRD_PARTY_AUTH_ERROR":
            outcome, _ = await self._attempt(body, stale=used)
        return outcome

    async def _attempt(self, body: bytes, stale: str | None) -> tuple[SendOutcome, str | None]:
        try:
            token = await self._tokens.get(stale)
        except GoogleAuthError as exc:
            return _token_failure(exc), None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        try:
            async with self._session().post(self._url, data=body, headers=headers) as response:
                answer = _Answer(response.status, response.headers, await response.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            return SendOutcome(Outcome.RETRY, f"network error: {exc!r}"), token
        return classify(answer), token

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._tokens.close()

    async def __aenter__(self) -> FcmClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _token_failure(exc: GoogleAuthError) -> SendOutcome:
    # The token endpoint's answer names the grant error, never the key or the token.
    retryable = isinstance(exc, AuthTransportError) or bool(getattr(exc, "retryable", False))
    kind = Outcome.RETRY if retryable else Outcome.CREDENTIALS
    return SendOutcome(kind, f"access token refresh failed: {exc}")


def _load_service_account(source: Mapping[str, Any] | str | PathLike[str]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return dict(source)
    info: dict[str, Any] = json.loads(Path(source).read_text())
    return info


class FcmPusher:
    """Android (and iOS through Firebase) registration tokens, over FCM HTTP v1.

    One notification's FCM message differs between devices only in the token, and FCM's size
    limit does not count the token: the message is built, trimmed and checked once per
    notification and only the token is set per device.
    """

    def __init__(self, client: FcmClient) -> None:
        self.client = client
        self._built: tuple[PushContent, dict[str, Any], str | None] | None = None

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        if self._built is None or self._built[0] is not content:
            message = fcm_message(content, token)
            self._built = content, message.to_wire(), message.local_problem()
        _, wire, problem = self._built
        if problem:
            return SendOutcome(Outcome.BAD_REQUEST, problem, error_code="INVALID_ARGUMENT")
        return await self.client.send_wire(wire | {"token": token})
