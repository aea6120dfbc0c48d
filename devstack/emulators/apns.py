"""APNs emulator: checks provider JWTs, headers and payloads the way api.push.apple.com does."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

try:  # imported as the package devstack.emulators (the tests)
    from devstack.emulators.control import control_routes
except ModuleNotFoundError:  # run as a script: its own folder is on sys.path
    from control import control_routes  # type: ignore[no-redef]

# One file on purpose: it runs as `python devstack/emulators/apns.py` with only the venv.
PAYLOAD_LIMIT = 4096
COLLAPSE_ID_LIMIT = 64
TOKEN_MAX_AGE = 3600
CLOCK_SKEW = 60
TOKEN_PATTERN = re.compile(r"[0-9a-fA-F]{64}")
PUSH_TYPES = frozenset(
    {"alert", "background", "location", "voip", "complication", "fileprovider", "mdm"}
    | {"liveactivity", "pushtotalk", "widgets", "controls"}
)
# reason -> HTTP status, for faults injected through /_emulator/faults.
FAULTS = {
    "TooManyRequests": 429,
    "TooManyProviderTokenUpdates": 429,
    "InternalServerError": 500,
    "ServiceUnavailable": 503,
    "Shutdown": 503,
    "ExpiredProviderToken": 403,
    "InvalidProviderToken": 403,
    "IdleTimeout": 400,
}


class ApnsFailure(Exception):
    """An error answered the way APNs does: a status and {"reason": ...}."""

    def __init__(
        self, status: int, reason: str, timestamp: int | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.body: dict[str, Any] = {"reason": reason}
        if timestamp is not None:
            self.body["timestamp"] = timestamp
        self.headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}


@dataclass
class Fault:
    reason: str
    remaining: int
    retry_after: int | None = None


@dataclass
class EmulatorState:
    """Everything the emulator remembers; read it directly in-process or over /_emulator."""

    key_id: str
    team_id: str
    public_key: ec.EllipticCurvePublicKey
    topics: frozenset[str] | None = None
    dead_prefix: str = "dead"
    clock: Callable[[], float] = time.time
    # token -> milliseconds since the epoch at which it stopped being valid.
    dead_tokens: dict[str, int] = field(default_factory=dict)
    device_topics: dict[str, str] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    # Each distinct provider JWT accepted, with its iat, in the order first seen.
    provider_tokens: dict[str, int] = field(default_factory=dict)
    send_requests: int = 0

    def reset(self) -> None:
        """No queued faults."""
        self.faults.clear()


def make_provider_key(path: str | Path) -> Path:
    """Write a fresh P-256 key as Apple's .p8 files hold one (PKCS#8 PEM), owner-only."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pem)
    target.chmod(0o600)
    return target


def load_public_key(
    source: ec.EllipticCurvePublicKey | str | bytes | Path,
) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from a key object, PEM text, or a PEM file (public or private)."""
    if isinstance(source, ec.EllipticCurvePublicKey):
        return source
    pem = source.encode() if isinstance(source, str) else source
    if isinstance(pem, Path):
        pem = pem.read_bytes()
    if b"PRIVATE KEY" in pem:
        private = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey), "not an EC key"
        return private.public_key()
    public = serialization.load_pem_public_key(pem)
    assert isinstance(public, ec.EllipticCurvePublicKey), "not an EC key"
    return public


def verify_provider_token(authorization: str, state: EmulatorState) -> str:
    """Check `authorization: bearer <jwt>` as APNs does; return the JWT or raise ApnsFailure."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApnsFailure(403, "MissingProviderToken")
    try:
        header = jwt.get_unverified_header(token)
        # APNs picks the key by kid; with an unknown one no signature can verify.
        if header.get("alg") != "ES256" or header.get("kid") != state.key_id:
            raise jwt.InvalidSignatureError
        claims = jwt.decode(
            token,
            state.public_key,
            algorithms=["ES256"],
            issuer=state.team_id,
            options={"require": ["iss", "iat"], "verify_exp": False, "verify_iat": False},
        )
        issued_at = int(claims["iat"])
    except (jwt.PyJWTError, TypeError, ValueError) as exc:
        raise ApnsFailure(403, "InvalidProviderToken") from exc
    now = state.clock()
    if issued_at > now + CLOCK_SKEW:
        raise ApnsFailure(403, "InvalidProviderToken")
    if now - issued_at > TOKEN_MAX_AGE:
        raise ApnsFailure(403, "ExpiredProviderToken")
    state.provider_tokens.setdefault(token, issued_at)
    return token


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# header -> (default, accepts, reason APNs gives when it does not).
HEADER_CHECKS: dict[str, tuple[str | None, Callable[[str], bool], str]] = {
    "apns-push-type": ("alert", PUSH_TYPES.__contains__, "InvalidPushType"),
    "apns-priority": ("10", {"10", "5", "1"}.__contains__, "BadPriority"),
    "apns-collapse-id": (None, lambda v: len(v.encode()) <= COLLAPSE_ID_LIMIT, "BadCollapseId"),
    "apns-expiration": (None, str.isdigit, "BadExpirationDate"),
    "apns-id": (None, _is_uuid, "BadMessageId"),
}


def check_headers(request: Request, state: EmulatorState) -> dict[str, Any]:
    """The apns-* headers of a request, or ApnsFailure with the reason APNs gives."""
    topic = request.headers.get("apns-topic")
    if not topic:
        raise ApnsFailure(400, "MissingTopic")
    if state.topics is not None and topic not in state.topics:
        raise ApnsFailure(400, "TopicDisallowed")
    meta: dict[str, Any] = {"apns-topic": topic}
    for name, (default, accepts, reason) in HEADER_CHECKS.items():
        value = request.headers.get(name, default)
        if value is not None and not accepts(value):
            raise ApnsFailure(400, reason)
        meta[name] = value
    meta["apns-id"] = meta["apns-id"] or str(uuid.uuid4()).upper()
    return meta


def check_payload(body: bytes) -> dict[str, Any]:
    if not body:
        raise ApnsFailure(400, "PayloadEmpty")
    if len(body) > PAYLOAD_LIMIT:
        raise ApnsFailure(413, "PayloadTooLarge")
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    # Apple documents no reason for a body that is not a JSON object with an aps
    # dictionary; "BadPayload" is the emulator's own, a 400 like APNs's other refusals.
    if not isinstance(payload, dict) or not isinstance(payload.get("aps"), dict):
        raise ApnsFailure(400, "BadPayload")
    return payload


def check_device(token: str, topic: str, state: EmulatorState) -> None:
    if not TOKEN_PATTERN.fullmatch(token):
        raise ApnsFailure(400, "BadDeviceToken")
    if token in state.dead_tokens:
        raise ApnsFailure(410, "Unregistered", timestamp=state.dead_tokens[token])
    if state.dead_prefix and token.lower().startswith(state.dead_prefix):
        raise ApnsFailure(410, "Unregistered", timestamp=int(state.clock() * 1000) - 86_400_000)
    if state.device_topics.get(token, topic) != topic:
        raise ApnsFailure(400, "DeviceTokenNotForTopic")


def _take_fault(state: EmulatorState) -> None:
    if not state.faults:
        return
    fault = state.faults[0]
    fault.remaining -= 1
    if fault.remaining <= 0:
        state.faults.popleft()
    raise ApnsFailure(FAULTS[fault.reason], fault.reason, retry_after=fault.retry_after)


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


async def send_notification(request: Request) -> Response:
    state = _state(request)
    state.send_requests += 1
    # Read the whole stream before answering: an early answer on HTTP/2 resets the
    # stream under a client still sending, which it sees as a network error.
    body = await request.body()
    verify_provider_token(request.headers.get("authorization", ""), state)
    _take_fault(state)
    headers = check_headers(request, state)
    token = request.path_params["token"]
    check_device(token, headers["apns-topic"], state)
    payload = check_payload(body)
    apns_id = headers["apns-id"]
    http_version = request.scope.get("http_version")
    state.messages.append(
        {"apns_id": apns_id, "token": token, "headers": headers, "payload": payload}
        | {"http_version": http_version}
    )
    return Response(status_code=200, headers={"apns-id": apns_id})


async def stats(request: Request) -> Response:
    state = _state(request)
    return JSONResponse(
        {"provider_tokens": len(state.provider_tokens), "send_requests": state.send_requests}
        | {"accepted": len(state.messages), "pending_faults": len(state.faults)}
        | {"provider_token_iats": list(state.provider_tokens.values())}
    )


async def faults(request: Request) -> Response:
    """Queue a fault: {"reason": "TooManyRequests", "count": 2, "retry_after": 7}; DELETE clears."""
    state = _state(request)
    if request.method == "DELETE":
        state.faults.clear()
        return JSONResponse({"pending": 0})
    spec = await request.json()
    if spec.get("reason") not in FAULTS:
        return JSONResponse({"detail": f"reason must be one of {sorted(FAULTS)}"}, 422)
    state.faults.append(Fault(spec["reason"], int(spec.get("count", 1)), spec.get("retry_after")))
    return JSONResponse({"pending": len(state.faults)})


async def dead_tokens(request: Request) -> Response:
    """Tokens that answer 410 Unregistered from now on: {"tokens": [...]}."""
    state = _state(request)
    now_ms = int(state.clock() * 1000)
    state.dead_tokens.update(dict.fromkeys((await request.json())["tokens"], now_ms))
    return JSONResponse({"dead": len(state.dead_tokens)})


async def devices(request: Request) -> Response:
    """Bind tokens to the one topic they belong to: {"tokens": {token: topic}}."""
    state = _state(request)
    state.device_topics.update((await request.json())["tokens"])
    return JSONResponse({"devices": len(state.device_topics)})


async def _apns_failure(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApnsFailure)
    return JSONResponse(exc.body, exc.status, headers=exc.headers)


async def _bad_path(request: Request, exc: Exception) -> Response:
    return JSONResponse({"reason": "BadPath"}, 404)


async def _bad_method(request: Request, exc: Exception) -> Response:
    return JSONResponse({"reason": "MethodNotAllowed"}, 405)


def create_app(
    public_key: ec.EllipticCurvePublicKey | str | bytes | Path,
    *,
    key_id: str,
    team_id: str,
    topics: Iterable[str] | None = None,
    dead_prefix: str = "dead",
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """Build the emulator for one team key; `topics` None accepts any bundle ID."""
    routes = [
        Route("/3/device/{token}", send_notification, methods=["POST"]),
        *control_routes(stats),
        Route("/_emulator/faults", faults, methods=["POST", "DELETE"]),
        Route("/_emulator/dead-tokens", dead_tokens, methods=["POST"]),
        Route("/_emulator/devices", devices, methods=["POST"]),
    ]
    handlers = {ApnsFailure: _apns_failure, 404: _bad_path, 405: _bad_method}
    app = Starlette(routes=routes, exception_handlers=handlers)
    allowed = frozenset(topics) if topics is not None else None
    app.state.emulator = EmulatorState(
        key_id, team_id, load_public_key(public_key), allowed, dead_prefix, clock
    )
    return app


def serve(app: Starlette, host: str, port: int) -> None:
    """Serve HTTP/2 cleartext (prior knowledge, as the APNs client speaks) and HTTP/1.1."""
    config = Config()
    config.bind = [f"{host}:{port}"]
    print(f"APNs emulator on http://{host}:{port} (HTTP/2 cleartext and HTTP/1.1)")
    asyncio.run(hypercorn_serve(app, config))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    """CLI: `python devstack/emulators/apns.py --port 4030 --key-file var/apns/AuthKey.p8`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4030)
    parser.add_argument("--key-id", default="EMULATOR01")
    parser.add_argument("--team-id", default="PUSHNODE01")
    keys = parser.add_mutually_exclusive_group(required=True)
    keys.add_argument("--public-key", type=Path, help="PEM public key of the team's .p8 key")
    keys.add_argument("--key-file", type=Path, help=".p8 private key; made if missing")
    parser.add_argument("--topic", action="append", help="allowed bundle ID (default: any)")
    parser.add_argument("--dead-prefix", default="dead")
    args = parser.parse_args(argv)
    if args.key_file is not None and not args.key_file.exists():
        print(f"wrote a new provider key to {make_provider_key(args.key_file)}")
    source: Path = args.public_key or args.key_file
    app = create_app(
        source,
        key_id=args.key_id,
        team_id=args.team_id,
        topics=args.topic,
        dead_prefix=args.dead_prefix,
    )
    serve(app, args.host, args.port)


if __name__ == "__main__":
    main()
