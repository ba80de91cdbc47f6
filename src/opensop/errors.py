"""The OpenSOP exception hierarchy, with the one mapping of each error to a CLI exit code and an HTTP status.

    error                             meaning                                                        exit  HTTP
    OpenSOPError                      anything the user can act on; never shown with a traceback      1    400
    ├── DataValidationError           input data breaks the data contract (carries the report)        2    422
    ├── SourceError                   a file or folder cannot be read (missing, encoding, format)     2    400
    ├── NotFoundError                 a named object (plan version, scenario, load) does not exist    3    404
    ├── WorkspaceError                the workspace database is read-only, damaged or truncated        8    503
    ├── NotAuthenticated              no valid credentials                                            6    401
    ├── TooManyAttempts               logins refused for a while after repeated failures              6    429
    │   └── Busy                      a bounded shared resource (the PDF renderer) is full: retry      6    429
    ├── InvalidRequest                a value the rules refuse: bad name, unknown or impossible lever 2    400
    ├── FeatureUnavailable            an optional part is not installed (e.g. the PDF extra)          1    501
    ├── InfeasiblePlanError           the supply model has no solution; names the conflicting data    4    422
    ├── SolverError                   the solver stopped without a usable answer (time limit, ...)    4    422
    ├── DatabaseBusy                  the database is busy (locked, a deadlock, no free connection):  8    503
    │                                 try again in `retry_after` seconds; nothing was written
    ├── WorkflowError                 the cycle rules refuse an action                                5    409
    │   ├── InvalidTransition         e.g. approving a draft, editing an approved plan                5    409
    │   └── NotAuthorized             the role may not do this                                        6    403
    └── ConflictError                 a write that lost a race                                        7    409
        └── StaleWrite                someone changed the row since it was read; carries the row      7    409

Each class carries its `exit_code` (the CLI) and `http_status` (the API and the web pages): one table, read by
every adapter. Anything that is not an OpenSOPError is a bug and is shown with its traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opensop.ingest.report import ValidationReport


class OpenSOPError(Exception):
    """Base of every error a user can fix; the message is written for a planner, not a developer."""

    exit_code: int = 1
    http_status: int = 400

    def __init__(
        self, message: str, *, hint: str | None = None, key: str | None = None, params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # `key` names the message in the web's catalogues (`error_<key>`, `error_<key>_hint`), `params` fill it:
        # a page shows the error in its own language; the CLI, logs and API keep the English `message`.
        self.key = key
        self.params = dict(params or {})

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class DataValidationError(OpenSOPError):
    """Raised when a load is refused; nothing was written."""

    exit_code = 2
    http_status = 422

    def __init__(self, report: ValidationReport) -> None:
        errors = report.errors
        super().__init__(
            f"The data has {len(errors)} blocking error(s); nothing was imported.",
            hint="fix the rows listed in the report and import again",
        )
        self.report = report


class SourceError(OpenSOPError):
    exit_code = 2


class NotFoundError(OpenSOPError):
    exit_code = 3
    http_status = 404


class WorkspaceError(OpenSOPError):
    """The workspace's database cannot be written or read (read-only file or folder, a truncated or damaged
    file): a message naming the file and the remedy instead of a driver traceback."""

    exit_code = 8
    http_status = 503


class InfeasiblePlanError(OpenSOPError):
    exit_code = 4
    http_status = 422


class SolverError(OpenSOPError):
    exit_code = 4
    http_status = 422


class WorkflowError(OpenSOPError):
    exit_code = 5
    http_status = 409


class InvalidTransition(WorkflowError):
    pass


class NotAuthorized(WorkflowError):
    exit_code = 6
    http_status = 403


class ConflictError(OpenSOPError):
    exit_code = 7
    http_status = 409


class NotAuthenticated(OpenSOPError):
    exit_code = 6
    http_status = 401


class TooManyAttempts(OpenSOPError):
    """Too many failed logins for a user name or from an address; `retry_after` seconds until one is allowed."""

    exit_code = 6
    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, hint="wait, or ask an administrator if you forgot your password")
        self.retry_after = retry_after


class Busy(TooManyAttempts):
    """A bounded shared resource (the PDF renderer) has no room: the request is refused rather than queued
    without end; `retry_after` seconds is a fair wait."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message, retry_after=retry_after)
        self.hint = "try again in a few seconds"


class InvalidRequest(OpenSOPError):
    exit_code = 2


class FeatureUnavailable(OpenSOPError):
    """An optional part of OpenSOP is not installed; the hint says which extra brings it."""

    http_status = 501


class StaleWrite(ConflictError):
    """Someone changed the row since it was read; `current` is what is stored now (None: it does not exist)."""

    def __init__(self, message: str, *, current: dict[str, Any] | None) -> None:
        super().__init__(message, hint="reload the current value and apply your change again")
        self.current = current


class DatabaseBusy(OpenSOPError):
    """Contention, not a fault: the transaction was rolled back whole and can simply be tried again. Pages and the
    API answer 503 with Retry-After instead of a 500, and the worker retries its own writes."""

    exit_code = 8
    http_status = 503

    def __init__(self, message: str, *, retry_after: int = 2) -> None:
        super().__init__(message, hint=f"try again in {retry_after} seconds", key="database_busy")
        self.retry_after = retry_after
