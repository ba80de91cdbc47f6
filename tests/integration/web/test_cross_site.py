"""A form posted from another site is refused before it acts, on every state-changing web route: the session
cookie alone must not let a page elsewhere open a cycle or log a decision in a planner's name."""

from __future__ import annotations

import re
from datetime import date

from fastapi import FastAPI

from opensop.services import audit_log, collaboration, cycles
from opensop.services.auth import Principal
from opensop.services.demo_users import DemoLogin
from opensop.services.workspace import Workspace
from opensop.web import mount
from opensop.web.core import SESSION_COOKIE
from tests.integration.api.conftest import TestClient
from tests.integration.web.conftest import web_routes

READER = Principal.system("t")
CROSS_SITE = {
    "an Origin of another site": {"Origin": "https://evil.example"},
    "the opaque Origin of a sandboxed page": {"Origin": "null"},
    "Sec-Fetch-Site: cross-site": {"Sec-Fetch-Site": "cross-site"},
    "a Referer from another site and no Origin": {"Referer": "https://evil.example/page"},
}
FORM = {"period": "2062-12", "confirm": "yes", "decision": "forged", "username": "admin", "password": "x"}


def _state(workspace: Workspace) -> tuple[list[tuple[int, date, str]], list[str], int]:
    """Cycles, decisions and the newest audit event (every service write records one)."""
    newest = audit_log.query_audit(workspace, actor=READER, newest_first=True, limit=1)
    return (
        [(c.id, c.period, c.status) for c in cycles.list_cycles(workspace, actor=READER, cancelled=True)],
        [d.decision for d in collaboration.list_decisions(workspace, actor=READER, cycle_id=1)],
        newest[0].id if newest else 0,
    )


def test_every_web_form_refuses_a_cross_site_post(web_workspace: Workspace, logins: dict[str, DemoLogin]) -> None:
    app = FastAPI()
    mount(app, web_workspace.settings, workspace=web_workspace)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        login = logins["admin"]
        signed = client.post(
            "/app/login", data={"username": login.username, "password": login.password}, follow_redirects=False
        )
        assert signed.status_code == 303
        cookie = {SESSION_COOKIE: signed.cookies[SESSION_COOKIE]}
        client.cookies.update(cookie)
        before = _state(web_workspace)
        posts = sorted(path for method, path, _route in web_routes(app) if method == "POST")  # as the app serves
        assert {"/app/cycle/open", "/app/decisions", "/app/login", "/app/logout"} <= set(posts)
        for path in posts:
            url = re.sub(r"\{\w+\}", "1", path)
            for why, headers in CROSS_SITE.items():
                hostile = client.post(url, data=FORM, headers=headers, follow_redirects=False)
                assert hostile.status_code == 403, (path, why, hostile.status_code)
                assert "sent from another site" in hostile.text
        assert _state(web_workspace) == before
        assert client.get("/app/", follow_redirects=False).status_code == 200  # the forged logout did nothing
        same_site = client.post(
            "/app/cycle/open",
            data={"period": "2024-11"},
            headers={"Origin": "http://127.0.0.1:8000", "Referer": "http://127.0.0.1:8000/app/"},
            follow_redirects=False,
        )
        assert same_site.status_code == 303  # reaches the route: the confirmation page
    after = _state(web_workspace)
    assert after == before
    assert all(period != date(2062, 12, 1) for _, period, _ in after[0])
