"""How the gateway process serves its sockets: the open-file limit and uvicorn's options.

Open files: every socket.io connection is a file descriptor of the gateway process. Many hosts
start processes with a soft RLIMIT_NOFILE of 1024 while the hard limit is far higher, and
nothing in uvicorn or Python raises it: past ~1,000 sockets accept() then fails with EMFILE and
clients see refused connections. An unprivileged process may raise its own soft limit up to the
hard one, so the gateway does that at startup; the hard limit stays the operator's choice
(ulimit, systemd LimitNOFILE, the container runtime).

Compression: uvicorn negotiates permessage-deflate whenever a client offers it (browsers and
socket.io-client in Node do), and then deflates every frame for every socket separately, with
a zlib context per connection. A broadcast to 10,000 sockets is the same small message deflated
10,000 times. socket.io's own server ships with perMessageDeflate off for that reason; the
gateway does the same unless GATEWAY_SOCKET_COMPRESSION is set.

Backlog: uvicorn listens with a backlog of 2048; when many clients reconnect at once (a gateway
restart) a longer accept queue spares them SYN retries. The kernel caps it at somaxconn.
"""

from __future__ import annotations

import resource
from typing import Any

from pushnode_gateway.config import Settings
from pushnode_shared.infra.logging import get_logger

log = get_logger(__name__)


def raise_open_files_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft == resource.RLIM_INFINITY or soft >= hard:
        # "unlimited" hard is refused as a soft value on Linux (nr_open caps it): leave it.
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError) as exc:
        log.warning("open-file limit not raised", soft=soft, hard=hard, error=repr(exc))
        return soft
    log.info("open-file limit raised", soft=soft, to=hard)
    return hard


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn settings for a process holding many long-lived sockets."""
    return {
        "ws_per_message_deflate": settings.socket_compression,
        "backlog": settings.http_backlog,
    }
