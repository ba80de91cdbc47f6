"""`create_app(settings)`: the FastAPI application, built on demand (nothing at import time).

Operation ids are the route function names (stable, unique), so generated clients and the role x endpoint test
have names that do not drift with paths.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from opensop import __version__
from opensop.api import docs, errors, validation
from opensop.api.routes import audit, auth, cycles, data, plans, scenarios
from opensop.config import Settings
from opensop.services.workspace import Workspace, open_workspace


def operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings, *, workspace: Workspace | None = None) -> FastAPI:
    """The API over an initialised workspace (opened here unless given; disposed at shutdown if opened here)."""
    opened = workspace or open_workspace(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if workspace is None:
            opened.dispose()

    app = FastAPI(
        title="OpenSOP",
        version=__version__,
        summary="Sales & Operations Planning: cycle, plan versions, approvals and audit.",
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = opened
    errors.install(app)
    validation.install(app)
    docs.install(app)
    for module in (auth, data, cycles, plans, scenarios, audit):
        app.include_router(module.router)
    return app


def create_app_from_environment() -> FastAPI:
    """The factory `opensop serve` hands to uvicorn by name (the CLI does not import the API package)."""
    return create_app(Settings.from_environment())
