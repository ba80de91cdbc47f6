"""OpenSOP errors as JSON answers with the status each error class carries (`opensop.errors`): user mistakes never
become a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from opensop.errors import DataValidationError, OpenSOPError, StaleWrite


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
    status = error.http_status
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    retry_after = getattr(error, "retry_after", None)  # throttled logins, a busy database
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
    return JSONResponse(status_code=status, content={"detail": body_of(error)}, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(OpenSOPError, _handle)
