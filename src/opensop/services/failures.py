"""Errors the application layer adds to `opensop.errors` (candidates to move there; see the hierarchy drawn there).

OpenSOPError
├── NotAuthenticated      no valid credentials                       -> HTTP 401
├── InvalidRequest        a value the rules refuse (bad name, ...)   -> HTTP 400
└── ConflictError
    └── StaleWrite        carries the current row so the user can redo the edit -> HTTP 409
"""

from __future__ import annotations

from typing import Any

from opensop.errors import ConflictError, OpenSOPError


class NotAuthenticated(OpenSOPError):
    exit_code = 6


class InvalidRequest(OpenSOPError):
    exit_code = 2


class StaleWrite(ConflictError):
    """Someone changed the row since it was read; `current` is what is stored now (None: it does not exist)."""

    def __init__(self, message: str, *, current: dict[str, Any] | None) -> None:
        super().__init__(message, hint="reload the current value and apply your change again")
        self.current = current
