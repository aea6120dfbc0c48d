"""FCM HTTP v1 emulator: checks OAuth grants and messages the way Google's services do."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

try:  # imported as the package devstack.emulators (the tests)
    from devstack.emulators.control import control_routes
except ModuleNotFoundError:  # run as a script: its own folder is on sys.path
    from control import control_routes  # type: ignore[no-redef]

# One file on purpose, past the usual 300 lines: it runs as `python devstack/emulators/fcm.py`
# with only the venv, no package install and no repo root on sys.path.
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth always puts Google's endpoint in `aud`, whatever the service account's
# token_uri says, and Google checks exactly that; the token_uri itself is also accepted.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
MAX_ASSERTION_LIFETIME = 3600
CLOCK_SKEW = 60
TIMEFRAME = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
    "timeframe. Check your iat and exp values in the JWT claim."
)
UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential."
)
INVALID_TOKEN = "The registration token is not a valid FCM registration token"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
MESSAGE_FIELDS = frozenset(
    {"name", "data", "notification", "android", "webpush", "apns", "fcm_options"}
    | {"token", "topic", "condition"}
)
TARGETS = ("token", "topic", "condition")
RESERVED_KEYS = frozenset({"from", "message_type"})
RESERVED_PREFIXES = ("google.", "gcm.")
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_:.\-]{1,4096}")
TOPIC_PATTERN = re.compile(r"[A-Za-z0-9\-_.~%]{1,900}")
# FCM counts 4096 bytes for token messages and 2048 for topic messages.
PAYLOAD_LIMIT = 4096
TOPIC_PAYLOAD_LIMIT = 2048
# error code -> (HTTP status, canonical status, message) for injected faults.
FAULTS: dict[str, tuple[int, str, str]] = {
    "UNAVAILABLE": (503, "UNAVAILABLE", "The service is currently unavailable."),
    "INTERNAL": (500, "INTERNAL", "Internal error encountered."),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send'."),
    "THIRD_PARTY_AUTH_ERROR": (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"),
    "UNAUTHENTICATED": (401, "UNAUTHENTICATED", UNAUTHENTICATED),
}


class FcmFailure(Exception):
    """An error the send endpoint answers in FCM's `{"error": {...}}` format."""

    def __init__(
        self,
        http_status: int,
        status: str,
        message: str,
        error_code: str | None = None,
        field_path: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        details: list[dict[str, Any]] = []
        if error_code:
            details.append({"@type": FCM_ERROR, "errorCode": error_code})
        if field_path:
            violation = {"field": field_path, "description": message}
            details.append({"@type": BAD_REQUEST, "fieldViolations": [violation]})
        error = {"code": http_status, "message": message, "status": status}
        self.body = {"error": error | ({"details": details} if details else {})}
        self.http_status = http_status
        self.headers = dict(headers or {})


def invalid(message: str, field_path: str | None = None) -> FcmFailure:
    return FcmFailure(400, "INVALID_ARGUMENT", message, "INVALID_ARGUMENT", field_path)


class TokenFailure(Exception):
    """An error the token endpoint answers the way oauth2.googleapis.com does."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.body = {"error": error, "error_description": description}


@dataclass(frozen=True)
class Account:
    """The parts of a service account the emulator checks grants against."""

    project_id: str
    client_email: str
    private_key_id: str
    token_uri: str
    public_key: RSAPublicKey

    @classmethod
    def load(cls, source: Mapping[str, Any] | str | Path) -> Account:
        info = source if isinstance(source, Mapping) else json.loads(Path(source).read_text())
        private_key = serialization.load_pem_private_key(info["private_key"].encode(), None)
        if not isinstance(private_key, RSAPrivateKey):
            raise ValueError("service account private_key must be an RSA key")
        return cls(
            project_id=info["project_id"],
            client_email=info["client_email"],
            private_key_id=info["private_key_id"],
            token_uri=info["token_uri"],
            public_key=private_key.public_key(),
        )


@dataclass
class Fault:
    error_code: str
    remaining: int
    retry_after: int | None = None
    project: str | None = None  # None: any project's sends


@dataclass
class EmulatorState:
    """Everything the emulator remembers; read it directly in-process or over /_emulator."""

    account: Account  # the first project served; `accounts` has every one
    dead_prefix: str = "dead-"
    foreign_prefix: str = "foreign-"
    token_ttl: int = 3599
    access_tokens: dict[str, float] = field(default_factory=dict)
    dead_tokens: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    token_grants: int = 0
    send_requests: int = 0
    # Hold: after `hold_after` more accepted messages, sends wait (unaccepted) for a release.
    hold_after: int | None = None
    held: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    released_deliver: bool = True
    # Several projects, as several apps of one node use: each has its own service account,
    # and an access token sends only to the project of the account it was granted to.
    accounts: dict[str, Account] = field(default_factory=dict)
    token_projects: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.accounts.setdefault(self.account.project_id, self.account)

    def reset(self) -> None:
        """No queued faults, no hold; held sends are let through and accepted."""
        self.faults.clear()
        self.hold_after = None
        self.released_deliver = True
        self.release.set()

    def account_of(self, assertion: str) -> Account:
        """The account whose client_email issued the assertion (the first one if none did)."""
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            issuer = None
        found = (a for a in self.accounts.values() if a.client_email == issuer)
        return next(found, self.account)


def verify_assertion(assertion: str, account: Account) -> None:
    """Check a JWT-bearer assertion as Google's token endpoint does, or raise TokenFailure."""
    try:
        header = jwt.get_unverified_header(assertion)
        # Google picks the public key by `kid`; an unknown one cannot verify the signature.
        if header.get("alg") != "RS256" or header.get("kid") != account.private_key_id:
            raise jwt.InvalidSignatureError
        claims = jwt.decode(
            assertion,
            account.public_key,
            algorithms=["RS256"],
            audience=[GOOGLE_TOKEN_AUDIENCE, account.token_uri],
            issuer=account.client_email,
            leeway=CLOCK_SKEW,
            options={"require": ["iss", "aud", "iat", "exp"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenFailure("invalid_grant", _describe(exc)) from exc
    if not 0 < claims["exp"] - claims["iat"] <= MAX_ASSERTION_LIFETIME:
        raise TokenFailure("invalid_grant", TIMEFRAME)
    if SCOPE not in str(claims.get("scope", "")).split():
        raise TokenFailure("invalid_scope", "Invalid OAuth scope or ID token audience provided.")


def _describe(exc: jwt.PyJWTError) -> str:
    known: list[tuple[type[jwt.PyJWTError], str]] = [
        (jwt.InvalidSignatureError, "Invalid JWT Signature."),
        (jwt.ExpiredSignatureError, TIMEFRAME),
        (jwt.ImmatureSignatureError, TIMEFRAME),
        (jwt.InvalidAudienceError, "Invalid JWT: Failed audience check."),
        (jwt.InvalidIssuerError, "Invalid email or User ID"),
    ]
    return next((text for kind, text in known if isinstance(exc, kind)), f"Invalid JWT: {exc}")


def payload_size(message: Mapping[str, Any]) -> int:
    """Bytes of compact JSON of everything but the target.

    Google does not say exactly what it counts; this counts at least the keys and values
    it does, so whatever passes here passes there.
    """
    content = {key: value for key, value in message.items() if key not in TARGETS}
    return len(json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode())


def validate_message(body: Any) -> dict[str, Any]:
    """Return `body["message"]` if FCM would accept its shape, else raise FcmFailure."""
    if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        raise invalid("Invalid JSON payload received. Expected an object with 'message'.")
    message: dict[str, Any] = body["message"]
    unknown = sorted((set(body) - {"message", "validate_only"}) | (set(message) - MESSAGE_FIELDS))
    if unknown:
        raise invalid(f'Invalid JSON payload received. Unknown name "{unknown[0]}".')
    _check_target(message)
    _check_data(message.get("data"))
    _check_platforms(message)
    limit = TOPIC_PAYLOAD_LIMIT if "topic" in message else PAYLOAD_LIMIT
    if (size := payload_size(message)) > limit:
        raise invalid(f"Message is too big: {size} bytes, the limit is {limit}.")
    return message


def _check_target(message: Mapping[str, Any]) -> None:
    targets = [key for key in TARGETS if message.get(key) is not None]
    if len(targets) != 1:
        raise invalid("Exactly one of message.token, message.topic or message.condition is needed.")
    target = message[targets[0]]
    if targets[0] == "token" and not (isinstance(target, str) and TOKEN_PATTERN.fullmatch(target)):
        raise invalid(INVALID_TOKEN, "message.token")
    if targets[0] == "topic" and not (isinstance(target, str) and TOPIC_PATTERN.fullmatch(target)):
        raise invalid("Invalid topic name.", "message.topic")


def _check_data(data: Any) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        raise invalid("Invalid value at 'message.data' (type.googleapis.com/Map).", "message.data")
    for index, (key, value) in enumerate(data.items()):
        if not isinstance(value, str):
            path = f"message.data[{index}].value"
            raise invalid(f"Invalid value at '{path}' (TYPE_STRING), {json.dumps(value)}", path)
        if key in RESERVED_KEYS or key.startswith(RESERVED_PREFIXES):
            raise invalid(f"Invalid data payload key: {key}", "message.data")


def _check_platforms(message: Mapping[str, Any]) -> None:
    priority = (message.get("android") or {}).get("priority")
    if priority is not None and str(priority).upper() not in {"NORMAL", "HIGH"}:
        raise invalid(f"Invalid value at 'message.android.priority', {priority}", "message.android")
    headers = (message.get("apns") or {}).get("headers") or {}
    if not all(isinstance(value, str) for value in headers.values()):
        raise invalid("Invalid value at 'message.apns.headers'.", "message.apns.headers")


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def _authenticate(state: EmulatorState, authorization: str) -> str:
    """The project the bearer token was granted for, or a 401."""
    scheme, _, token = authorization.partition(" ")
    expires_at = state.access_tokens.get(token) if scheme.lower() == "bearer" else None
    if expires_at is None or expires_at <= time.time():
        challenge = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
        raise FcmFailure(401, "UNAUTHENTICATED", UNAUTHENTICATED, headers=challenge)
    return state.token_projects.get(token, state.account.project_id)


def _take_fault(state: EmulatorState, project: str) -> None:
    fault = next((f for f in state.faults if f.project in (None, project)), None)
    if fault is None:
        return
    fault.remaining -= 1
    if fault.remaining <= 0:
        state.faults.remove(fault)
    http_status, status, text = FAULTS[fault.error_code]
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    code = None if fault.error_code == "UNAUTHENTICATED" else fault.error_code
    raise FcmFailure(http_status, status, text, code, headers=headers)


def _check_registered(state: EmulatorState, token: str) -> None:
    if token in state.dead_tokens or (state.dead_prefix and token.startswith(state.dead_prefix)):
        raise FcmFailure(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
    if state.foreign_prefix and token.startswith(state.foreign_prefix):
        raise FcmFailure(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH")


async def _maybe_hold(state: EmulatorState) -> None:
    """While a hold is on and its quota is used up, wait for a release, not yet accepted.

    A release that does not deliver answers 503 UNAVAILABLE without accepting: for the
    sender those pushes never reached a device, exactly what an overloaded FCM answers.
    """
    if state.hold_after is None:
        return
    if state.hold_after > 0:
        state.hold_after -= 1
        return
    state.held += 1
    try:
        await state.release.wait()
    finally:
        state.held -= 1
    if not state.released_deliver:
        raise FcmFailure(503, "UNAVAILABLE", FAULTS["UNAVAILABLE"][2], "UNAVAILABLE")


async def grant_token(request: Request) -> Response:
    state = _state(request)
    form = parse_qs((await request.body()).decode())
    grant_type = form.get("grant_type", [""])[0]
    if grant_type != JWT_BEARER:
        raise TokenFailure("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    assertion = form.get("assertion", [""])[0]
    account = state.account_of(assertion)
    verify_assertion(assertion, account)
    access_token = "ya29.emulated-" + secrets.token_urlsafe(32)
    state.access_tokens[access_token] = time.time() + state.token_ttl
    state.token_projects[access_token] = account.project_id
    state.token_grants += 1
    return JSONResponse(
        {"access_token": access_token, "expires_in": state.token_ttl, "token_type": "Bearer"}
    )


async def send_message(request: Request) -> Response:
    state = _state(request)
    state.send_requests += 1
    granted_for = _authenticate(state, request.headers.get("authorization", ""))
    project = request.path_params["project"]
    if project != granted_for:
        # A service account sending to a project it has no role in gets IAM's answer;
        # SENDER_ID_MISMATCH is kept for tokens registered to another sender.
        denied = f"Permission 'cloudmessaging.messages.create' denied on 'projects/{project}'"
        raise FcmFailure(403, "PERMISSION_DENIED", f"{denied} (or it may not exist).")
    _take_fault(state, project)
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise invalid("Invalid JSON payload received.") from exc
    message = validate_message(body)
    if isinstance(token := message.get("token"), str):
        _check_registered(state, token)
    await _maybe_hold(state)
    name = f"projects/{project}/messages/0:{time.time_ns() // 1000}%{secrets.token_hex(8)}"
    state.messages.append({"name": name, "token": token, "message": message, "project": project})
    return JSONResponse({"name": name})


async def stats(request: Request) -> Response:
    state = _state(request)
    return JSONResponse(
        {"token_grants": state.token_grants, "send_requests": state.send_requests}
        | {"accepted": len(state.messages), "pending_faults": len(state.faults)}
        | {"held": state.held}
    )


async def faults(request: Request) -> Response:
    """Queue a fault: {"error": "UNAVAILABLE", "count": 2, "retry_after": 7}, optionally only
    for one project's sends ("project": "p"); DELETE clears."""
    state = _state(request)
    if request.method == "DELETE":
        state.faults.clear()
        return JSONResponse({"pending": 0})
    spec = await request.json()
    if spec.get("error") not in FAULTS:
        return JSONResponse({"detail": f"error must be one of {sorted(FAULTS)}"}, 422)
    count, retry_after = int(spec.get("count", 1)), spec.get("retry_after")
    state.faults.append(Fault(spec["error"], count, retry_after, spec.get("project")))
    return JSONResponse({"pending": len(state.faults)})


async def hold(request: Request) -> Response:
    """{"after": K}: accept K more messages, then hold every send until POST /release."""
    state = _state(request)
    state.hold_after = int((await request.json()).get("after", 0))
    state.release = asyncio.Event()
    return JSONResponse({"hold_after": state.hold_after})


async def release(request: Request) -> Response:
    """{"deliver": false} answers the held sends 503 without accepting them; true accepts."""
    state = _state(request)
    state.released_deliver = bool((await request.json()).get("deliver", True))
    state.hold_after = None
    state.release.set()
    return JSONResponse({"released": state.held})


async def dead_tokens(request: Request) -> Response:
    """Register tokens that answer 404 UNREGISTERED from now on: {"tokens": [...]}."""
    state = _state(request)
    state.dead_tokens.update((await request.json())["tokens"])
    return JSONResponse({"dead": len(state.dead_tokens)})


async def revoke_access_tokens(request: Request) -> Response:
    """Forget every issued access token, as if they had all expired."""
    _state(request).access_tokens.clear()
    _state(request).token_projects.clear()
    return JSONResponse({"revoked": True})


async def add_account(request: Request) -> Response:
    """Serve one more project: the body is its service-account JSON (as written by
    service_account.py); grants signed by its key give tokens for that project only."""
    state = _state(request)
    account = Account.load(await request.json())
    state.accounts[account.project_id] = account
    return JSONResponse({"projects": sorted(state.accounts)})


async def _fcm_failure(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FcmFailure)
    return JSONResponse(exc.body, exc.http_status, headers=exc.headers)


async def _token_failure(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TokenFailure)
    return JSONResponse(exc.body, 400)


def create_app(
    service_account: Mapping[str, Any] | str | Path,
    *more_accounts: Mapping[str, Any] | str | Path,
    dead_prefix: str = "dead-",
    foreign_prefix: str = "foreign-",
    token_ttl: int = 3599,
) -> Starlette:
    """Build the emulator for the service accounts' projects (one project per account)."""
    routes = [
        Route("/token", grant_token, methods=["POST"]),
        Route("/v1/projects/{project}/messages:send", send_message, methods=["POST"]),
        *control_routes(stats),
        Route("/_emulator/faults", faults, methods=["POST", "DELETE"]),
        Route("/_emulator/dead-tokens", dead_tokens, methods=["POST"]),
        Route("/_emulator/hold", hold, methods=["POST"]),
        Route("/_emulator/release", release, methods=["POST"]),
        Route("/_emulator/revoke-access-tokens", revoke_access_tokens, methods=["POST"]),
        Route("/_emulator/accounts", add_account, methods=["POST"]),
    ]
    handlers = {FcmFailure: _fcm_failure, TokenFailure: _token_failure}
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.emulator = EmulatorState(
        Account.load(service_account), dead_prefix, foreign_prefix, token_ttl
    )
    for more in more_accounts:
        account = Account.load(more)
        app.state.emulator.accounts[account.project_id] = account
    return app


def main(argv: list[str] | None = None) -> None:
    """CLI: `python devstack/emulators/fcm.py --port 4020 --service-account var/fcm/sa.json`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4020)
    parser.add_argument(
        "--service-account",
        type=Path,
        required=True,
        action="append",
        help="repeat: a project each",
    )
    parser.add_argument("--dead-prefix", default="dead-")
    parser.add_argument("--foreign-prefix", default="foreign-")
    parser.add_argument("--token-ttl", type=int, default=3599)
    args = parser.parse_args(argv)
    for path in args.service_account:
        if not path.exists():
            parser.error(
                f"{path} not found; make one with "
                "`python devstack/emulators/service_account.py PATH --token-uri URL`"
            )
    app = create_app(
        *args.service_account,
        dead_prefix=args.dead_prefix,
        foreign_prefix=args.foreign_prefix,
        token_ttl=args.token_ttl,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
