"""The pages' guards, against the web app served by uvicorn: security headers on every response under /app, and
pages that need no inline script (cross-site forms: test_cross_site.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from opensop.services.demo_users import DemoLogin
from opensop.services.workspace import Workspace
from opensop.web import mount
from tests.integration.web.conftest import Server, csp_violations, web_routes

EVIL = "https://evil.example"
PATH_VALUES = {"cycle_id": "1", "version_id": "1"}


@pytest.fixture(scope="module")
def web_server(web_workspace: Workspace) -> Iterator[Server]:
    app = FastAPI()
    mount(app, web_workspace.settings, workspace=web_workspace)
    with Server(app) as running:
        yield running


def _signed_in(server: Server, login: DemoLogin, **headers: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, headers=headers)
    answer = client.post("/app/login", data={"username": login.username, "password": login.password})
    assert answer.status_code == 303, answer.text
    return client


HEADERS = {
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
}


def test_every_web_response_carries_the_security_headers(web_server: Server, logins: dict[str, DemoLogin]) -> None:
    admin = _signed_in(web_server, logins["admin"])
    anonymous = httpx.Client(base_url=web_server.url)
    answers = {
        "login page": anonymous.get("/app/login"),
        "redirect to login": anonymous.get("/app/demand"),
        "home": admin.get("/app/"),
        "error page": admin.get("/app/demand?version=abc"),
        "not found": admin.get("/app/nowhere"),
        "script": admin.get("/app/static/app.js"),
        "refused form": admin.post("/app/decisions", headers={"Origin": EVIL}),
    }
    for what, answer in answers.items():
        for name, value in HEADERS.items():
            assert answer.headers.get(name) == value, (what, name, answer.headers)
        policy = answer.headers.get("content-security-policy", "")
        for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
            assert directive in policy, (what, policy)
        assert "unsafe-eval" not in policy
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    admin.close()
    anonymous.close()


@pytest.mark.browser
def test_the_pages_need_no_inline_script(browser: Any, web_server: Server, logins: dict[str, DemoLogin]) -> None:
    """Under the policy, in chromium: every page loads without a violation, the language list still sends itself
    and the error page's Back link still goes back (both were inline handlers)."""
    page = browser.new_context().new_page()
    violations = csp_violations(page)
    page.goto(f"{web_server.url}/app/login")
    page.locator("#username").fill(logins["admin"].username)
    page.locator("#password").fill(logins["admin"].password)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"{web_server.url}/app/")
    for path in _html_pages(web_server.server.config.app):
        page.goto(f"{web_server.url}{path}")
    page.goto(f"{web_server.url}/app/audit")
    with page.expect_navigation():
        page.locator("#language").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.locator("#language").select_option("fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.goto(f"{web_server.url}/app/demand?version=abc")
    page.locator("[data-back]").click()
    page.wait_for_url(f"{web_server.url}/app/audit")
    assert violations == []
    page.context.close()


def _html_pages(app: FastAPI) -> list[str]:
    return [
        re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)
        for method, path, route in web_routes(app)
        if method == "GET" and route.response_class is HTMLResponse
    ]
