"""422 answers for request bodies that fail validation, renderable whatever the body held.

FastAPI echoes each refused value in its 422 answer; Python's JSON reader accepts `NaN`, `Infinity` and `1e400`
(= inf), which the JSON writer then refuses, so a request holding one got a 500 instead of its 422. Here the echoed
values are made JSON-safe (non-finite numbers as their text) before the answer is written.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def json_safe(value: Any) -> Any:
    """`value` with every non-finite float replaced by its text ('nan', 'inf', '-inf')."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


async def _refused(_request: Request, error: Exception) -> JSONResponse:
    errors = error.errors() if isinstance(error, RequestValidationError) else []
    return JSONResponse(status_code=422, content={"detail": json_safe(jsonable_encoder(errors))})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _refused)
