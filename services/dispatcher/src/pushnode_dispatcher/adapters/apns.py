"""APNs adapter: HTTP/2 sends with an ES256 provider token, and APNs's answers classified."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from urllib.parse import quote

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePrivateKey

from pushnode_dispatcher.adapters.answers import by_status, json_object, parse_retry_after
from pushnode_dispatcher.adapters.apns_message import ApnsNotification, apns_notification
from pushnode_dispatcher.adapters.http_client import OwnsHttpClient
from pushnode_dispatcher.domain import Outcome, PushContent, SendOutcome

__all__ = ["ApnsClient", "ApnsPusher", "ProviderTokens", "classify", "load_provider_key"]

DEFAULT_BASE_URL = "https://api.push.apple.com"
# Apple: refresh the provider token no more than once every 20 minutes and no less than
# once every 60. Refreshing at 40 leaves room on both sides.
MIN_TOKEN_AGE = 20 * 60
MAX_TOKEN_AGE = 60 * 60
DEFAULT_REFRESH_AFTER = 40 * 60
# APNs refused the token itself; one fresh token is worth one more try.
PROVIDER_TOKEN_REASONS = frozenset({"ExpiredProviderToken", "InvalidProviderToken"})
DROP_TOKEN_REASONS = frozenset({"BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered"})

log = logging.getLogger(__name__)


def classify(response: httpx.Response) -> SendOutcome:
    """Turn an APNs `POST /3/device/<token>` response into an outcome."""
    status = response.status_code
    if status == 200:
        return SendOutcome(
            Outcome.DELIVERED, message_name=response.headers.get("apns-id"), http_status=200
        )
    body = json_object(response)
    reason = str(body["reason"]) if "reason" in body else None
    kind = _kind(status, reason)
    detail = reason or response.text[:200]
    if "timestamp" in body:
        # Milliseconds since the epoch at which APNs learned the token was gone.
        detail += f" (inactive since {body['timestamp']})"
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    return SendOutcome(
        kind,
        detail=detail,
        retry_after=retry_after if kind is Outcome.RETRY else None,
        http_status=status,
        error_code=reason,
    )


def _kind(status: int, reason: str | None) -> Outcome:
    if status == 410 or (status == 400 and reason in DROP_TOKEN_REASONS):
        return Outcome.DROP_TOKEN
    return by_status(status)


def load_provider_key(source: str | bytes | PathLike[str]) -> EllipticCurvePrivateKey:
    """The P-256 key of a .p8 file: its PEM text (str or bytes) or its path."""
    if isinstance(source, bytes):
        pem = source
    elif isinstance(source, str) and "-----BEGIN" in source:
        pem = source.encode()
    else:
        pem = Path(source).read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, EllipticCurvePrivateKey) or not isinstance(key.curve, SECP256R1):
        raise ValueError("an APNs provider key must be an EC P-256 private key")
    return key


class ProviderTokens:
    """The ES256 provider JWT for one key, reused until it is `refresh_after` seconds old."""

    def __init__(
        self,
        key: EllipticCurvePrivateKey,
        *,
        key_id: str,
        team_id: str,
        refresh_after: float = DEFAULT_REFRESH_AFTER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not MIN_TOKEN_AGE <= refresh_after < MAX_TOKEN_AGE:
            raise ValueError(f"refresh_after must be in [{MIN_TOKEN_AGE}, {MAX_TOKEN_AGE}) s")
        self._key = key
        self._key_id = key_id
        self._team_id = team_id
        self._refresh_after = refresh_after
        self._clock = clock
        self._token: str | None = None
        self._issued_at = 0.0
        self._forced_at: float | None = None
        self.minted = 0

    def __repr__(self) -> str:
        return f"ProviderTokens(team_id={self._team_id!r}, minted={self.minted})"

    def current(self) -> str:
        """The token to send now, minted afresh once the old one is due."""
        if self._token is None or self._clock() - self._issued_at >= self._refresh_after:
            return self._mint()
        return self._token

    def renew(self, refused: str) -> str | None:
        """A new token to replace one APNs refused, or None if renewing now is unwise.

        Forced renewals are allowed once per 20 minutes: a key APNs keeps refusing must
        end as a credentials failure, not as a storm of tokens (TooManyProviderTokenUpdates).
        """
        if refused != self._token:
            return self.current()  # another send already replaced it
        now = self._clock()
        if self._forced_at is not None and now - self._forced_at < MIN_TOKEN_AGE:
            return None
        self._forced_at = now
        return self._mint()

    def _mint(self) -> str:
        now = self._clock()
        claims = {"iss": self._team_id, "iat": int(now)}
        token = jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self._key_id})
        self._token, self._issued_at = token, now
        self.minted += 1
        log.info("apns provider token minted for team %s", self._team_id)
        return token


class ApnsClient(OwnsHttpClient):
    """Sends to APNs over one HTTP/2 connection pool per team (one client per team key)."""

    def __init__(
        self,
        key: str | bytes | PathLike[str],
        *,
        key_id: str,
        team_id: str,
        topic: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        max_connections: int = 10,
        refresh_after: float = DEFAULT_REFRESH_AFTER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.topic = topic
        self.tokens = ProviderTokens(
            load_provider_key(key),
            key_id=key_id,
            team_id=team_id,
            refresh_after=refresh_after,
            clock=clock,
        )
        # APNs speaks only HTTP/2: over TLS by ALPN, over cleartext (an emulator) by prior
        # knowledge, which is what http1=False asks httpx for.
        self._http = httpx.AsyncClient(
            http1=False,
            http2=True,
            base_url=base_url,
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections),
        )

    def __repr__(self) -> str:
        return f"ApnsClient(base_url={str(self._http.base_url)!r}, topic={self.topic!r})"

    async def send(self, notification: ApnsNotification) -> SendOutcome:
        """Send one notification; every failure is returned as an outcome, never raised."""
        if problem := notification.local_problem():
            return SendOutcome(Outcome.BAD_REQUEST, problem)
        token = self.tokens.current()
        outcome = await self._attempt(notification, token)
        if outcome.error_code in PROVIDER_TOKEN_REASONS:
            fresh = self.tokens.renew(token)
            if fresh is not None:
                outcome = await self._attempt(notification, fresh)
        return outcome

    async def _attempt(self, notification: ApnsNotification, token: str) -> SendOutcome:
        headers = notification.headers(self.topic) | {"authorization": f"bearer {token}"}
        path = f"/3/device/{quote(notification.device_token, safe='')}"
        try:
            response = await self._http.post(path, content=notification.body(), headers=headers)
        except httpx.TransportError as exc:
            return SendOutcome(Outcome.RETRY, f"network error: {type(exc).__name__}: {exc}")
        return classify(response)


class ApnsPusher:
    """iOS device tokens, straight to APNs."""

    def __init__(self, client: ApnsClient) -> None:
        self.client = client

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        return await self.client.send(apns_notification(content, token))
