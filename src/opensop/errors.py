"""The OpenSOP exception hierarchy; adapters (CLI, API, web) map it once to exit codes and HTTP statuses.

    OpenSOPError                      anything the user can act on; never shown with a traceback
    ├── DataValidationError           input data breaks the data contract (carries the ValidationReport)
    ├── SourceError                   a file or folder cannot be read at all (missing, encoding, format)
    ├── NotFoundError                 a named object (plan version, scenario, load) does not exist
    ├── WorkspaceError                the workspace database cannot be used: read-only, damaged or truncated
    ├── NotAuthenticated              no valid credentials (HTTP 401)
    ├── TooManyAttempts               logins refused for a while after repeated failures (HTTP 429)
    │   └── Busy                      a bounded shared resource (the PDF renderer) is full: retry shortly (429)
    ├── InvalidRequest                a value the rules refuse: bad name, out-of-range lever (HTTP 400)
    ├── InfeasiblePlanError           the supply model has no solution; names the conflicting data
    ├── SolverError                   the solver stopped without a usable answer (time limit, numerical trouble)
    ├── WorkflowError                 the cycle rules refuse an action
    │   ├── InvalidTransition         e.g. approving a draft, editing an approved plan
    │   └── NotAuthorized             the role may not do this
    └── ConflictError                 a write that lost a race (HTTP 409)
        └── StaleWrite                someone changed the row since it was read; carries the current row

Anything that is not an OpenSOPError is a bug and is shown with its traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opensop.ingest.report import ValidationReport


class OpenSOPError(Exception):
    """Base of every error a user can fix; the message is written for a planner, not a developer."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class DataValidationError(OpenSOPError):
    """Raised when a load is refused; nothing was written."""

    exit_code = 2

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


class WorkspaceError(OpenSOPError):
    """The workspace's database cannot be written or read (read-only file or folder, a truncated or damaged
    file): a message naming the file and the remedy instead of a driver traceback."""

    exit_code = 8


class InfeasiblePlanError(OpenSOPError):
    exit_code = 4


class SolverError(OpenSOPError):
    exit_code = 4


class WorkflowError(OpenSOPError):
    exit_code = 5


class InvalidTransition(WorkflowError):
    pass


class NotAuthorized(WorkflowError):
    exit_code = 6


class ConflictError(OpenSOPError):
    exit_code = 7


class NotAuthenticated(OpenSOPError):
    exit_code = 6


class TooManyAttempts(OpenSOPError):
    """Too many failed logins for a user name or from an address; `retry_after` seconds until one is allowed."""

    exit_code = 6

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


class StaleWrite(ConflictError):
    """Someone changed the row since it was read; `current` is what is stored now (None: it does not exist)."""

    def __init__(self, message: str, *, current: dict[str, Any] | None) -> None:
        super().__init__(message, hint="reload the current value and apply your change again")
        self.current = current
