"""Provider clients for every configured app, each behind its own rate limit and breaker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pushnode_dispatcher.adapters.apns import ApnsClient, ApnsPusher
from pushnode_dispatcher.adapters.fcm import FcmClient, FcmPusher
from pushnode_dispatcher.adapters.guards import CredentialBreaker, GuardedPusher, TokenBucket
from pushnode_dispatcher.adapters.webpush import WebPushClient, WebPushPusher
from pushnode_dispatcher.apps import DEFAULT, AppCredentials, configured_apps
from pushnode_dispatcher.config import Settings
from pushnode_dispatcher.domain import Provider, Pusher
from pushnode_shared.infra.logging import get_logger

__all__ = ["Closer", "Providers", "providers"]

log = get_logger(__name__)
Closer = Callable[[], Awaitable[None]]


@dataclass
class Providers:
    """Each app's pushers by app id ("" the default app), their closers and readiness checks."""

    apps: dict[str, dict[Provider, Pusher]] = field(default_factory=dict)
    closers: list[Closer] = field(default_factory=list)
    # Readiness check name -> breaker: `credentials:<provider>` for the default app,
    # `credentials:<provider>:<app>` for a named one, so /readyz says which app is refused.
    breakers: dict[str, CredentialBreaker] = field(default_factory=dict)


def providers(settings: Settings) -> Providers:
    """The provider clients of every app the settings have credentials for."""
    # httpx logs every request line at INFO: APNs paths and Web Push endpoints are device
    # tokens, which stay out of the log, and one line per push costs more CPU than the push.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    wired = Providers()
    built: dict[int, dict[Provider, Pusher]] = {}
    # Named apps first, so a default that is one of them gets its name in the checks.
    for app_id, credentials in sorted(configured_apps(settings).items(), reverse=True):
        if id(credentials) not in built:
            built[id(credentials)] = _app(app_id, credentials, settings, wired)
        wired.apps[app_id] = built[id(credentials)]
    return wired


def _app(
    app_id: str, credentials: AppCredentials, settings: Settings, wired: Providers
) -> dict[Provider, Pusher]:
    pushers: dict[Provider, tuple[Pusher, str]] = {}
    if (fcm := credentials.fcm) is not None:
        client = FcmClient(
            fcm.service_account,
            base_url=fcm.base_url or settings.fcm_base_url,
            max_connections=settings.fcm_max_connections,
        )
        pushers[Provider.FCM] = FcmPusher(client), client.project_id
        wired.closers.append(client.aclose)
    if (apns := credentials.apns) is not None:
        apns_client = ApnsClient(
            apns.key_file,
            key_id=apns.key_id,
            team_id=apns.team_id,
            topic=apns.topic,
            base_url=apns.base_url or settings.apns_base_url,
        )
        pushers[Provider.APNS] = ApnsPusher(apns_client), f"{apns.team_id}/{apns.topic}"
        wired.closers.append(apns_client.aclose)
    if (web := credentials.webpush) is not None:
        web_client = WebPushClient(
            web.vapid_key_file, subject=web.subject, endpoints=settings.webpush_endpoints()
        )
        pushers[Provider.WEBPUSH] = WebPushPusher(web_client), web.subject
        wired.closers.append(web_client.aclose)
    # Which providers are on for which app, never with what: paths and keys stay out.
    off = sorted(p.value for p in Provider if p not in pushers)
    log.info("push providers", app=app_id or "(default)", on=sorted(pushers), off=off)
    rate = settings.rate_per_minute / 60.0
    guarded: dict[Provider, Pusher] = {}
    for provider, (pusher, identity) in pushers.items():
        # A named app is known by its id in the gauge and the alert; the default app by
        # its provider identity (FCM project, APNs team/topic, VAPID subject), as before.
        label = credentials.label or identity
        breaker = CredentialBreaker(provider.value, label, settings.credentials_probe_seconds)
        guarded[provider] = GuardedPusher(pusher, TokenBucket(rate), breaker)
        check = f"credentials:{provider.value}" + (f":{app_id}" if app_id != DEFAULT else "")
        wired.breakers[check] = breaker
    return guarded
