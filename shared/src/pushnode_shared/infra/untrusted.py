"""JSON from outside the node (HTTP bodies, identity strings, Kafka records), read safely.

json.loads raises more than JSONDecodeError on hostile input: RecursionError for deep nesting,
a plain ValueError past int()'s 4,300-digit limit, and it lets NaN and Infinity through, which
PostgreSQL's jsonb and strict JSON readers refuse later, far from the cause. Everything here
fails the one way callers already expect: BadJson, a ValueError.
"""

from __future__ import annotations

import json
import sys
from typing import Any


class BadJson(ValueError):
    """Text that is not strict JSON, or JSON this node will not hold."""


def _no_constant(name: str) -> Any:
    raise BadJson(f"{name} is not JSON")


def load_json(text: str | bytes) -> Any:
    """Parse strict JSON (no NaN/Infinity); BadJson for anything else, never another error."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except BadJson:
        raise
    except RecursionError as exc:
        raise BadJson("JSON is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise BadJson(f"{exc.msg} at position {exc.pos}") from exc
    except ValueError as exc:  # UnicodeDecodeError, an integer with too many digits
        raise BadJson(str(exc)[:200]) from exc


# CPython's own default. py_ecc (imported by eth-account) raises the limit to 100,000 on
# import; at that depth the C JSON decoders behind json.loads, FastAPI and Starlette overflow
# the C stack before RecursionError, so one 200 kB request of nested brackets killed the
# gateway with SIGSEGV. py_ecc's own recursion is ~256 deep (scalar multiplication).
SAFE_RECURSION_LIMIT = 1000


def keep_recursion_limit_safe() -> None:
    """Undo a library's raised recursion limit; call after eth-account/py_ecc are imported."""
    if sys.getrecursionlimit() > SAFE_RECURSION_LIMIT:
        sys.setrecursionlimit(SAFE_RECURSION_LIMIT)
