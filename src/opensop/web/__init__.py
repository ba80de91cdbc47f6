"""Server-rendered pages for the S&OP meeting (Jinja2 + HTMX, Plotly.js served from the package, no CDN).

`mount(app, settings)` adds the pages under /app to a FastAPI app (the API's `create_app`, or a bare FastAPI in
tests); `serve(settings, host, port)` runs them with uvicorn for `make demo`. The pages call the same services as
the API: this package is an adapter and holds no planning rule.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse

from opensop.config import Settings
from opensop.services.workspace import Workspace, open_workspace
from opensop.web import routes_cycle, routes_demand, routes_exec, routes_plan
from opensop.web.core import PREFIX

STATIC = resources.files("opensop.web") / "static"
CACHE_HEADERS = {"Cache-Control": "public, max-age=86400"}


def _plotly_js() -> Path:
    """Plotly.js from the plotly Python package's own data: the version the figures were built for."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def mount(app: FastAPI, settings: Settings, *, workspace: Workspace | None = None) -> None:
    """Add the web pages to `app`; uses `app.state.workspace` when the API set it, else opens `settings`'."""
    if getattr(app.state, "workspace", None) is None:
        app.state.workspace = workspace or open_workspace(settings)
    for module in (routes_cycle, routes_demand, routes_plan, routes_exec):
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


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the pages (with demo users, one per role) until interrupted; prints the URL and the logins."""
    import uvicorn  # noqa: PLC0415 - only the demo server needs it

    from opensop.web.demo_users import ensure_demo_users  # noqa: PLC0415

    workspace = open_workspace(settings)
    logins = ensure_demo_users(workspace)
    app = FastAPI(title="OpenSOP")
    mount(app, settings, workspace=workspace)
    print(f"OpenSOP is served at http://{host}:{port}{PREFIX}/")
    for login in logins:
        print(f"  {login.role:<15} {login.username} / {login.password}")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        workspace.dispose()
