"""Which Web Push endpoints a node may POST to: https on public addresses, optionally only
the push services an operator lists.

A Web Push subscription's endpoint is a URL the registering client chooses, so it is an
outbound request the public can aim: the gateway refuses a bad one at registration and the
dispatcher checks again before every push (a name can resolve elsewhere by then). The dev
stack's emulator listens on loopback over http: its origin is listed in `dev_origins`, which
only the dev stack sets; nothing else on a private address is ever admitted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = [
    "EndpointPolicy",
    "EndpointRefused",
    "Resolver",
    "admit",
    "check_url",
    "refused_address",
    "subscription_endpoint",
    "system_resolver",
]

# Ranges the public internet does not route but clusters and clouds use, beyond what
# `ipaddress` calls private: CGNAT/shared space (often pod networks) and benchmark space.
CLUSTER_RANGES = (
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("198.18.0.0/15"),
)
IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


class EndpointRefused(ValueError):
    """The endpoint may not be pushed to; `code` is a stable reason code for APIs and logs."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class EndpointPolicy:
    """`hosts`: if not empty, the only push-service hosts allowed (a leading `.` admits
    subdomains). `dev_origins`: dev only, exact `scheme://host:port` origins admitted over
    http and on non-public addresses (the dev stack's emulator)."""

    hosts: frozenset[str] = field(default_factory=frozenset)
    dev_origins: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, hosts: Iterable[str], dev_origins: Iterable[str] = ()) -> EndpointPolicy:
        """From settings' comma-separated lists, split by the caller."""
        return cls(_entries(hosts), _entries(o.rstrip("/") for o in dev_origins))

    def host_listed(self, host: str) -> bool:
        if not self.hosts:
            return True
        return any(host == h or (h.startswith(".") and host.endswith(h)) for h in self.hosts)


def _entries(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in values if v.strip())


def subscription_endpoint(token: str) -> str | None:
    """The endpoint of a PushSubscription JSON token, None if the token is not one."""
    try:
        parsed = json.loads(token)
    except ValueError:
        return None
    endpoint = parsed.get("endpoint") if isinstance(parsed, dict) else None
    return endpoint if isinstance(endpoint, str) else None


def refused_address(address: str) -> str | None:
    """Why this address is not a public one, or None if it is."""
    try:
        ip: IP = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (any(ip in net for net in CLUSTER_RANGES if net.version == ip.version), "cluster"),
        (ip.is_private, "private"),
        (ip.is_reserved or not ip.is_global, "not global"),
    )
    return next((name for hit, name in checks if hit), None)


def check_url(endpoint: str, policy: EndpointPolicy) -> tuple[str, int] | None:
    """(host, port) of an acceptable endpoint URL, before any name is resolved; None for a
    listed dev origin, which is admitted as it is."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        raise EndpointRefused("ENDPOINT_NOT_URL", "the endpoint is not a URL") from exc
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("https", "http"):
        raise EndpointRefused("ENDPOINT_NOT_URL", "the endpoint is not an http(s) URL")
    port = port or (443 if parts.scheme == "https" else 80)
    if f"{parts.scheme}://{host}:{port}" in policy.dev_origins:
        return None
    if parts.scheme != "https":
        raise EndpointRefused("ENDPOINT_NOT_HTTPS", "the endpoint must be https")
    if parts.username or parts.password:
        raise EndpointRefused("ENDPOINT_NOT_URL", "the endpoint may not carry credentials")
    if not policy.host_listed(host):
        raise EndpointRefused("ENDPOINT_HOST_NOT_ALLOWED", f"{host} is not an allowed push service")
    return host, port


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def admit(
    endpoint: str, policy: EndpointPolicy, resolve: Resolver = system_resolver
) -> list[str]:
    """The endpoint's addresses, all public (none for a dev origin); EndpointRefused otherwise."""
    checked = check_url(endpoint, policy)
    if checked is None:
        return []
    host, port = checked
    try:
        addresses = await resolve(host, port)
    except OSError as exc:
        raise EndpointRefused("ENDPOINT_UNRESOLVED", f"{host} does not resolve") from exc
    if not addresses:
        raise EndpointRefused("ENDPOINT_UNRESOLVED", f"{host} does not resolve")
    for address in addresses:
        if (why := refused_address(address)) is not None:
            raise EndpointRefused("ENDPOINT_NOT_PUBLIC", f"{host} resolves to a {why} address")
    return addresses
