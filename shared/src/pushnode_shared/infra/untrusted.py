"""JSON from outside the node (HTTP bodies, identity strings, Kafka records), read safely.

json.loads raises more than JSONDecodeError on hostile input: RecursionError for deep nesting,
a plain ValueError past int()'s 4,300-digit limit, and it lets NaN and Infinity through, which
PostgreSQL's jsonb and strict JSON readers refuse later, far from the cause. Everything here
fails the one way callers already expect: BadJson, a ValueError.
"""

from __future__ import annotations

import json
import operator
import re
import sys
from itertools import accumulate, count
from typing import Any

# No request the SDK sends nests deeper than ~6 (a chat message's meta inside its object);
# past this a body is refused before any parser recurses into it.
MAX_JSON_DEPTH = 64
# A JSON string (escapes included), removed before the brackets are counted.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
# Openings as 2, closings as 0: after i brackets the running sum minus i is the depth.
_WEIGHTS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


class BadJson(ValueError):
    """Text that is not strict JSON, or JSON this node will not hold."""


class JsonTooDeep(BadJson):
    """JSON nested deeper than MAX_JSON_DEPTH: refused without parsing it."""


def json_depth(raw: str | bytes) -> int:
    """How deep the brackets of a JSON text nest, counted without parsing (no recursion)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    weights = brackets.translate(_WEIGHTS)
    # All in C (accumulate, map, count, max): a 1 MiB body of brackets takes well under a second.
    return max(0, max(map(operator.sub, accumulate(weights), count(1)), default=0))


def check_depth(raw: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """JsonTooDeep when raw nests deeper than max_depth."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return  # the common case: too few brackets to nest that deep
    depth = json_depth(data)
    if depth > max_depth:
        raise JsonTooDeep(f"JSON is nested {depth} deep; the limit is {max_depth}")


def _no_constant(name: str) -> Any:
    raise BadJson(f"{name} is not JSON")


def load_json(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse strict JSON (no NaN/Infinity, at most max_depth deep); BadJson for anything else."""
    check_depth(text, max_depth)
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
