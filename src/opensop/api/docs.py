"""The API's documentation page, /docs (Swagger UI), with no network: its JavaScript and CSS come from the
installed fastapi-offline package (Swagger UI 5 dist files) through the app itself, where FastAPI's own page loads
them from a CDN (and the favicon from fastapi.tiangolo.com). FastAPI's /redoc is not offered: even served locally,
the ReDoc bundle fetches its logo from cdn.redoc.ly."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS = "/docs/assets"
MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}


def _asset(name: str) -> Path:
    return Path(str(resources.files("fastapi_offline") / "static" / name))


def install(app: FastAPI) -> None:
    """Add /docs, its OAuth2 redirect and their assets to an app created with docs_url=None, redoc_url=None."""
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + oauth2_redirect_url,
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(ASSETS + "/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in MEDIA_TYPES:
            raise HTTPException(status_code=404)
        return FileResponse(
            _asset(name), media_type=MEDIA_TYPES[name], headers={"Cache-Control": "public, max-age=86400"}
        )
