"""Size limits on what people type or send: free texts and free JSON objects (levers, run parameters, configs).

Every service that stores such a field checks it here, whichever adapter it came from, because one unbounded field
is enough to hurt every user: one 50 MB scenario lever once made a 70 MB page for everyone. JSON must also hold
finite numbers only: Python's JSON reader accepts `NaN`, `Infinity` and `1e400`, which PostgreSQL refuses (a 500)
and which would make a plan's figures non-finite.
"""

from __future__ import annotations

import json
import math
from typing import Any

from opensop.errors import InvalidRequest

MAX_TEXT_CHARS = 10_000
MAX_TITLE_CHARS = 200  # titles and labels: String(200) columns
MAX_NAME_CHARS = 100  # names and owners: String(100) columns
MAX_JSON_BYTES = 64 * 1024


def json_problem(value: Any) -> str | None:
    """Why a JSON value may not be stored (a non-finite number, too large), or None."""
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return "numbers must be finite (NaN, Infinity and 1e400 are not)"
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    if len(json.dumps(value, default=str)) > MAX_JSON_BYTES:
        return f"it is larger than {MAX_JSON_BYTES // 1024} KB"
    return None


def bounded_json(value: dict[str, Any] | None, what: str) -> dict[str, Any] | None:
    if value is not None and (problem := json_problem(value)):
        raise InvalidRequest(f"the {what} cannot be stored: {problem}")
    return value


def bounded_text(value: str, what: str, limit: int = MAX_TEXT_CHARS) -> str:
    """A free text that fits and holds no NUL (which PostgreSQL refuses)."""
    if len(value) > limit:
        raise InvalidRequest(f"the {what} has {len(value):,} characters; at most {limit:,} are kept")
    if "\x00" in value:
        raise InvalidRequest(f"the {what} holds a NUL character")
    return value
