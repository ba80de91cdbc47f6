"""One mapping from the OpenSOP exception hierarchy to HTTP: user mistakes never become a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from opensop.errors import (
    ConflictError,
    DataValidationError,
    InfeasiblePlanError,
    InvalidRequest,
    NotAuthenticated,
    NotAuthorized,
    NotFoundError,
    OpenSOPError,
    SolverError,
    SourceError,
    StaleWrite,
    TooManyAttempts,
    WorkflowError,
)

STATUS_BY_ERROR: tuple[tuple[type[OpenSOPError], int], ...] = (
    (NotAuthenticated, 401),
    (TooManyAttempts, 429),
    (NotAuthorized, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (WorkflowError, 409),
    (DataValidationError, 422),
    (InfeasiblePlanError, 422),
    (SolverError, 422),
    (SourceError, 400),
    (InvalidRequest, 400),
    (OpenSOPError, 400),
)


def status_of(error: OpenSOPError) -> int:
    return next(status for kind, status in STATUS_BY_ERROR if isinstance(error, kind))


def body_of(error: OpenSOPError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": type(error).__name__, "message": error.message, "hint": error.hint}
    if isinstance(error, StaleWrite):
        body["current"] = error.current
    if isinstance(error, DataValidationError):
        body["report"] = error.report.to_dict()
    return body


async def _handle(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, OpenSOPError):
        raise error
    status = status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    return JSONResponse(status_code=status, content={"detail": body_of(error)}, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(OpenSOPError, _handle)
