"""The API documentation renders with no network: chromium may reach 127.0.0.1 only, and /docs (Swagger UI) still
shows every operation, its script and style served by the app from an installed package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from opensop.config import Settings
from opensop.server import create_server
from opensop.services.workspace import init_workspace
from tests.integration.web.conftest import Server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workspace = init_workspace(Settings(workspace=tmp_path_factory.mktemp("docs") / "ws"))
    with Server(create_server(workspace.settings, workspace=workspace)) as running:
        yield running
    workspace.dispose()


def _offline_page(browser: Any) -> tuple[Any, list[str]]:
    """A page whose every request off the loopback address is aborted (and listed)."""
    blocked: list[str] = []
    page = browser.new_context().new_page()

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    return page, blocked


def test_swagger_ui_renders_every_operation_offline(browser: Any, docs_server: Server, shots: Path) -> None:
    page, blocked = _offline_page(browser)
    page.goto(f"{docs_server.url}/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    operations = len(docs_server.server.config.app.openapi()["paths"])
    assert page.locator(".opblock-tag-section").count() >= 5
    assert page.locator(".opblock").count() >= operations
    assert "/auth/login" in page.locator(".opblock-summary-path").all_text_contents()
    page.screenshot(path=str(shots / "api_docs.png"))
    assert blocked == []
    page.context.close()


def test_redoc_is_not_offered(docs_server: Server) -> None:
    """FastAPI's /redoc would load ReDoc from a CDN; the ReDoc bundle fetches its logo from one even when local."""
    response = httpx.get(f"{docs_server.url}/redoc")
    assert response.status_code == 404
