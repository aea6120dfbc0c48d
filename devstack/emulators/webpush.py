"""Web Push service emulator: checks VAPID, then decrypts each push with the subscription key."""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import http_ece
import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

try:  # imported as the package devstack.emulators (the tests)
    from devstack.emulators.control import control_routes
except ModuleNotFoundError:  # run as a script: its own folder is on sys.path
    from control import control_routes  # type: ignore[no-redef]

# One file on purpose: it runs as `python devstack/emulators/webpush.py` with only the venv.
BODY_LIMIT = 4096
MAX_VAPID_LIFETIME = 24 * 3600
CLOCK_SKEW = 60
URGENCIES = frozenset({"very-low", "low", "normal", "high"})
# HTTP status -> reason phrase, for faults injected through /_emulator/faults.
FAULTS = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushFailure(Exception):
    """An error answered in the autopush style: {"code", "error", "message"}."""

    def __init__(self, status: int, error: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.body = {"code": status, "error": error, "message": message}
        self.headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}


def unauthorized(message: str) -> PushFailure:
    return PushFailure(401, "Unauthorized", message)


def bad_request(message: str) -> PushFailure:
    return PushFailure(400, "Bad Request", message)


@dataclass
class Subscription:
    """What a browser keeps: the private half of p256dh and the auth secret."""

    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    # The applicationServerKey given at subscribe time; pushes must be signed by it.
    application_server_key: bytes | None = None
    expired: bool = False

    def keys(self) -> dict[str, str]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}


@dataclass
class Fault:
    status: int
    remaining: int
    retry_after: int | None = None


@dataclass
class EmulatorState:
    """Everything the emulator remembers; read it directly in-process or over /_emulator."""

    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    push_requests: int = 0
    # Each distinct VAPID JWT accepted, so a test can see how often the sender signs.
    vapid_tokens: set[str] = field(default_factory=set)

    def reset(self) -> None:
        """No queued faults."""
        self.faults.clear()

    def subscribe(self, application_server_key: str | None = None) -> Subscription:
        key = unb64url(application_server_key) if application_server_key else None
        subscription = Subscription(
            secrets.token_urlsafe(16),
            ec.generate_private_key(ec.SECP256R1()),
            secrets.token_bytes(16),
            key,
        )
        self.subscriptions[subscription.id] = subscription
        return subscription


def verify_vapid(authorization: str, audience: str, subscription: Subscription) -> dict[str, Any]:
    """Check `Authorization: vapid t=<jwt>, k=<key>` (RFC 8292); return the JWT's claims."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise unauthorized("Missing VAPID authorization (vapid t=..., k=...)")
    parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    try:
        raw_key = unb64url(parts["k"])
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw_key)
        claims: dict[str, Any] = jwt.decode(
            parts["t"],
            public_key,
            algorithms=["ES256"],
            audience=audience,
            leeway=CLOCK_SKEW,
            options={"require": ["aud", "exp"]},
        )
    except (KeyError, ValueError, binascii.Error, jwt.PyJWTError) as exc:
        raise unauthorized(f"Invalid VAPID token: {type(exc).__name__}") from exc
    if claims["exp"] > time.time() + MAX_VAPID_LIFETIME + CLOCK_SKEW:
        raise unauthorized("VAPID exp is more than 24 hours ahead")
    expected = subscription.application_server_key
    if expected is not None and raw_key != expected:
        message = "VAPID key does not match the key the subscription was created with"
        raise PushFailure(403, "Forbidden", message)
    return claims


def check_headers(request: Request) -> dict[str, Any]:
    """TTL, Urgency and Topic as RFC 8030 defines them."""
    ttl = request.headers.get("ttl")
    if ttl is None or not ttl.isdigit():
        raise bad_request("Missing or invalid TTL header")
    urgency = request.headers.get("urgency", "normal")
    if urgency not in URGENCIES:
        raise bad_request(f"Invalid Urgency header: {urgency}")
    topic = request.headers.get("topic")
    if topic is not None and not (
        len(topic) <= 32 and all(c.isalnum() or c in "-_" for c in topic)
    ):
        raise bad_request("Topic must be at most 32 base64url characters")
    return {"ttl": int(ttl), "urgency": urgency, "topic": topic}


def decrypt(body: bytes, encoding: str | None, subscription: Subscription) -> str | None:
    """The plaintext of an RFC 8291 aes128gcm body; None for a push without payload."""
    if not body:
        return None
    if len(body) > BODY_LIMIT:
        raise PushFailure(
            413, "Payload Too Large", f"Body is {len(body)} bytes, limit {BODY_LIMIT}"
        )
    if encoding != "aes128gcm":
        raise bad_request("Content-Encoding must be aes128gcm")
    try:
        plaintext: bytes = http_ece.decrypt(
            body,
            private_key=subscription.private_key,
            auth_secret=subscription.auth,
            version="aes128gcm",
        )
    except (http_ece.ECEException, ValueError) as exc:
        raise bad_request(f"Could not decrypt the body: {exc}") from exc
    return plaintext.decode("utf-8", errors="replace")


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def _take_fault(state: EmulatorState) -> None:
    if not state.faults:
        return
    fault = state.faults[0]
    fault.remaining -= 1
    if fault.remaining <= 0:
        state.faults.popleft()
    raise PushFailure(fault.status, FAULTS[fault.status], "Injected fault", fault.retry_after)


def _subscription(state: EmulatorState, subscription_id: str) -> Subscription:
    subscription = state.subscriptions.get(subscription_id)
    if subscription is None:
        raise PushFailure(404, "Not Found", "No such subscription")
    if subscription.expired:
        raise PushFailure(410, "Gone", "Subscription has expired")
    return subscription


async def push(request: Request) -> Response:
    state = _state(request)
    state.push_requests += 1
    subscription = _subscription(state, request.path_params["subscription"])
    audience = f"{request.url.scheme}://{request.url.netloc}"
    authorization = request.headers.get("authorization", "")
    claims = verify_vapid(authorization, audience, subscription)
    _take_fault(state)
    meta = check_headers(request)
    body = await request.body()
    plaintext = decrypt(body, request.headers.get("content-encoding"), subscription)
    message_id = secrets.token_urlsafe(12)
    state.vapid_tokens.add(authorization)
    state.messages.append(
        {"id": message_id, "subscription": subscription.id, "plaintext": plaintext}
        | meta
        | {"vapid_sub": claims.get("sub"), "body_bytes": len(body)}
    )
    headers = {"Location": f"{request.base_url}m/{message_id}", "TTL": str(meta["ttl"])}
    return Response(status_code=201, headers=headers)


async def subscriptions(request: Request) -> Response:
    """Create a subscription: {"application_server_key": "<base64url>"} is optional."""
    state = _state(request)
    spec = json.loads(await request.body() or b"{}")
    subscription = state.subscribe(spec.get("application_server_key"))
    endpoint = f"{request.base_url}push/{subscription.id}"
    return JSONResponse({"endpoint": endpoint, "expirationTime": None, "keys": subscription.keys()})


async def expire(request: Request) -> Response:
    """Expire a subscription: pushes to it answer 410 Gone from now on."""
    _subscription(_state(request), request.path_params["subscription"]).expired = True
    return JSONResponse({"expired": True})


async def stats(request: Request) -> Response:
    state = _state(request)
    return JSONResponse(
        {"push_requests": state.push_requests, "accepted": len(state.messages)}
        | {"pending_faults": len(state.faults), "vapid_tokens": len(state.vapid_tokens)}
        | {"subscriptions": len(state.subscriptions)}
    )


async def faults(request: Request) -> Response:
    """Queue a fault: {"status": 503, "count": 2, "retry_after": 7}; DELETE clears."""
    state = _state(request)
    if request.method == "DELETE":
        state.faults.clear()
        return JSONResponse({"pending": 0})
    spec = await request.json()
    if spec.get("status") not in FAULTS:
        return JSONResponse({"detail": f"status must be one of {sorted(FAULTS)}"}, 422)
    state.faults.append(Fault(spec["status"], int(spec.get("count", 1)), spec.get("retry_after")))
    return JSONResponse({"pending": len(state.faults)})


async def _push_failure(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PushFailure)
    return JSONResponse(exc.body, exc.status, headers=exc.headers)


def create_app() -> Starlette:
    """Build an empty push service; subscriptions are made through /_emulator/subscriptions."""
    routes = [
        Route("/push/{subscription}", push, methods=["POST"]),
        Route("/_emulator/subscriptions", subscriptions, methods=["POST"]),
        Route("/_emulator/subscriptions/{subscription}/expire", expire, methods=["POST"]),
        *control_routes(stats),
        Route("/_emulator/faults", faults, methods=["POST", "DELETE"]),
    ]
    app = Starlette(routes=routes, exception_handlers={PushFailure: _push_failure})
    app.state.emulator = EmulatorState()
    return app


def main(argv: list[str] | None = None) -> None:
    """CLI: `python devstack/emulators/webpush.py --port 4040`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4040)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
