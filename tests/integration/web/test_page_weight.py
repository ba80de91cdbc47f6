"""Page weight, through the server `opensop serve` runs (API + pages): responses are gzip-compressed, Plotly.js
(4.8 MB) above all, and only a page that draws a chart loads Plotly at all."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from importlib import resources

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from opensop.server import create_server
from opensop.services.demo_users import DemoLogin
from opensop.services.workspace import Workspace
from tests.integration.web.conftest import Server, web_routes

PLOTLY = "/app/static/plotly.min.js"
PATH_VALUES = {"run_id": "1", "version_id": "1"}


@pytest.fixture(scope="module")
def full_server(web_workspace: Workspace) -> Iterator[Server]:
    with Server(create_server(web_workspace.settings, workspace=web_workspace)) as running:
        yield running


def test_plotly_is_sent_gzip_compressed(full_server: Server) -> None:
    raw = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    with (
        httpx.Client(base_url=full_server.url) as client,
        client.stream("GET", PLOTLY, headers={"Accept-Encoding": "gzip"}) as response,
    ):
        sent = b"".join(response.iter_raw())
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert len(sent) < len(raw) / 3, (len(sent), len(raw))
    assert gzip.decompress(sent) == raw


def test_an_api_answer_is_compressed_too(full_server: Server) -> None:
    with httpx.Client(base_url=full_server.url) as client:
        response = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"


def _html_pages(app: FastAPI) -> list[str]:
    """Every page of the web routers (GET routes answering HTML), path parameters filled in."""
    pages = [
        re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
        for method, path, route in web_routes(app)
        if method == "GET" and route.response_class is HTMLResponse
    ]
    assert len(pages) >= 10, pages
    return pages


def test_pages_without_a_chart_do_not_load_plotly(full_server: Server, logins: dict[str, DemoLogin]) -> None:
    """A fresh cycle has no plan yet: no page draws a chart, so none may make the browser fetch Plotly."""
    admin = logins["admin"]
    with httpx.Client(base_url=full_server.url) as client:
        client.post("/app/login", data={"username": admin.username, "password": admin.password})
        pages = _html_pages(full_server.server.config.app)
        for path in pages:
            response = client.get(path)
            assert response.status_code < 500, path
            assert "<html" in response.text, path
            assert 'data-chart="' not in response.text, path
            assert "plotly" not in response.text.lower(), path
