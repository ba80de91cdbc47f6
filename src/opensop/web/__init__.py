"""Server-rendered pages for the S&OP meeting (Jinja2 + HTMX, Plotly.js served from the package, no CDN).

`mount(app, settings)` adds the pages under /app to a FastAPI app (`opensop.server` composes them with the API;
tests may use a bare FastAPI). The pages call the same services as
the API: this package is an adapter and holds no planning rule.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse

from opensop.config import Settings
from opensop.services.workspace import Workspace, open_workspace
from opensop.web import routes_cycle, routes_demand, routes_exec, routes_plan, routes_runs
from opensop.web.core import PREFIX
from opensop.web.security import SecurityHeaders

STATIC = resources.files("opensop.web") / "static"
CACHE_HEADERS = {"Cache-Control": "public, max-age=86400"}


def _plotly_js() -> Path:
    """Plotly.js from the plotly Python package's own data: the version the figures were built for."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def mount(app: FastAPI, settings: Settings, *, workspace: Workspace | None = None) -> None:
    """Add the web pages to `app`; uses `app.state.workspace` when the API set it, else opens `settings`'."""
    if getattr(app.state, "workspace", None) is None:
        app.state.workspace = workspace or open_workspace(settings)
    app.add_middleware(SecurityHeaders)
    for module in (routes_cycle, routes_demand, routes_plan, routes_exec, routes_runs):
        app.include_router(module.router)
    static_files = {path.name: Path(str(path)) for path in STATIC.iterdir() if path.is_file()}

    @app.get(f"{PREFIX}/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="text/javascript", headers=CACHE_HEADERS)

    @app.get(f"{PREFIX}/static/{{name}}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in static_files:
            raise HTTPException(status_code=404)
        media = "text/javascript" if name.endswith(".js") else "text/css" if name.endswith(".css") else "text/plain"
        return FileResponse(static_files[name], media_type=media, headers=CACHE_HEADERS)

    if not any(getattr(route, "path", None) == "/" for route in app.routes):

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse(f"{PREFIX}/")
