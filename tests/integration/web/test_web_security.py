"""The pages' guards, against the web app served by uvicorn: security headers on every response under /app, pages
that need no inline script, cookie flags, logout that kills the session on the server, and ?next= that never
leaves /app (cross-site forms: test_cross_site.py)."""

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
from opensop.web.core import SESSION_COOKIE
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


def _cookie_flags(answer: httpx.Response, name: str) -> set[str]:
    header = next(value for value in answer.headers.get_list("set-cookie") if value.startswith(f"{name}="))
    return {part.strip().lower() for part in header.split(";")[1:]}


@pytest.mark.parametrize(("forwarded_proto", "secure"), [("http", False), ("https", True)])
def test_cookies_are_http_only_same_site_and_secure_under_https(
    web_server: Server, logins: dict[str, DemoLogin], forwarded_proto: str, secure: bool
) -> None:
    """Behind a TLS proxy on the same host, uvicorn takes the scheme from X-Forwarded-Proto."""
    login = logins["sales"]
    with httpx.Client(base_url=web_server.url, headers={"X-Forwarded-Proto": forwarded_proto}) as client:
        session = client.post("/app/login", data={"username": login.username, "password": login.password})
        language = client.post("/app/language", data={"language": "en", "next": "/app/"})
    flags = _cookie_flags(session, SESSION_COOKIE)
    assert {"httponly", "samesite=strict"} <= flags
    assert ("secure" in flags) is secure
    flags = _cookie_flags(language, "opensop_lang")
    assert {"httponly", "samesite=lax"} <= flags
    assert ("secure" in flags) is secure


def test_logout_kills_the_session_on_the_server(web_server: Server, logins: dict[str, DemoLogin]) -> None:
    client = _signed_in(web_server, logins["finance"])
    stolen = client.cookies[SESSION_COOKIE]
    assert client.get("/app/").status_code == 200
    out = client.post("/app/logout")
    assert (out.status_code, out.headers["location"]) == (303, "/app/login")
    with httpx.Client(base_url=web_server.url, cookies={SESSION_COOKIE: stolen}) as replay:
        answer = replay.get("/app/")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/app/login")
        again = replay.post("/app/logout")  # logging out of a dead session just leaves
        assert (again.status_code, again.headers["location"]) == (303, "/app/login")
    client.close()


HOSTILE_NEXT = [
    "//evil.example",
    "//evil.example/app/",
    "https://evil.example",
    "https://evil.example/app/",
    "/\\evil.example",
    "/app/\\evil.example",
    "/app/../x",
    "/app/./",
    "/app//evil.example",
    "/app/%2e%2e/x",
    "/app/%2E%2E/openapi.json",
    "/app/.%2e/x",
    "/app/%2f%2fevil.example",
    "/app/%5cevil.example",
    "%2f%2fevil.example",
    "/%2fevil.example",
    "/app/\t../x",
    "/app/\n/x",
    "javascript:alert(1)",
    "/docs",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leads_outside_the_app(web_server: Server, logins: dict[str, DemoLogin], target: str) -> None:
    login = logins["viewer"]
    with httpx.Client(base_url=web_server.url) as client:
        form = client.get("/app/login", params={"next": target})
        assert 'name="next" value="/app/"' in form.text
        answer = client.post(
            "/app/login", data={"username": login.username, "password": login.password, "next": target}
        )
    assert (answer.status_code, answer.headers["location"]) == (303, "/app/")


def test_next_keeps_a_page_of_the_app_and_a_session_timeout_comes_back_to_it(
    web_server: Server, logins: dict[str, DemoLogin]
) -> None:
    login = logins["viewer"]
    with httpx.Client(base_url=web_server.url) as client:
        bounced = client.get("/app/audit?user=admin")
        assert bounced.headers["location"] == "/app/login?next=%2Fapp%2Faudit%3Fuser%3Dadmin"
        answer = client.post(
            "/app/login", data={"username": login.username, "password": login.password, "next": "/app/audit?user=admin"}
        )
        assert answer.headers["location"] == "/app/audit?user=admin"
        client.cookies.clear()
        form_bounce = client.post("/app/decisions", data={"decision": "x"})
        assert form_bounce.headers["location"] == "/app/login"  # a form's address is not a page to come back to


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
