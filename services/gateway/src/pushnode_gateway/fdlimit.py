"""Open-file limit: every socket.io connection is a file descriptor of the gateway process.

Many hosts start processes with a soft RLIMIT_NOFILE of 1024 while the hard limit is far
higher, and nothing in uvicorn or Python raises it: past ~1,000 sockets accept() then fails
with EMFILE and clients see refused connections. An unprivileged process may raise its own
soft limit up to the hard one, so the gateway does that at startup (as Node and nginx
deployments are told to); the hard limit stays the operator's choice (ulimit, systemd
LimitNOFILE, the container runtime).
"""

from __future__ import annotations

import resource

from pushnode_shared.logging import get_logger

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
