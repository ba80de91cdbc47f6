"""A form posted from another site is refused before it acts, on every state-changing web route: the session
cookie alone must not let a page elsewhere open a cycle or log a decision in a planner's name."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI
from fastapi.routing import APIRoute

from opensop.services import cycles
from opensop.services.auth import Principal
from opensop.services.demo_users import DemoLogin
from opensop.services.workspace import Workspace
from opensop.web import mount, routes_cycle, routes_demand, routes_exec, routes_plan, routes_runs
from opensop.web.core import SESSION_COOKIE
from tests.integration.api.conftest import TestClient


def test_every_web_form_refuses_a_cross_site_post(web_workspace: Workspace, logins: dict[str, DemoLogin]) -> None:
    app = FastAPI()
    mount(app, web_workspace.settings, workspace=web_workspace)
    before = [(c.id, c.period, c.status) for c in cycles.list_cycles(web_workspace, actor=Principal.system("t"))]
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        login = logins["admin"]
        signed = client.post(
            "/app/login", data={"username": login.username, "password": login.password}, follow_redirects=False
        )
        assert signed.status_code == 303
        cookie = {SESSION_COOKIE: signed.cookies[SESSION_COOKIE]}
        client.cookies.update(cookie)
        posts = sorted(
            route.path
            for module in (routes_cycle, routes_demand, routes_plan, routes_exec, routes_runs)
            for route in module.router.routes
            if isinstance(route, APIRoute) and "POST" in route.methods and route.path != "/app/login"
        )
        assert "/app/cycle/open" in posts
        assert "/app/decisions" in posts
        for path in posts:
            url = path.replace("{cycle_id}", "1").replace("{version_id}", "1")
            hostile = client.post(
                url, data={"period": "2062-12", "confirm": "yes"}, headers={"Origin": "https://evil.example"}
            )
            assert hostile.status_code == 403, (path, hostile.status_code)
            assert "sent from another site" in hostile.text
            fetched = client.post(
                url, data={"period": "2062-12", "confirm": "yes"}, headers={"Sec-Fetch-Site": "cross-site"}
            )
            assert fetched.status_code == 403, path
        same_site = client.post(
            "/app/cycle/open",
            data={"period": "2024-11"},
            headers={"Origin": "http://127.0.0.1:8000"},
            follow_redirects=False,
        )
        assert same_site.status_code == 303  # reaches the route: the confirmation page
    after = [(c.id, c.period, c.status) for c in cycles.list_cycles(web_workspace, actor=Principal.system("t"))]
    assert after == before
    assert all(period != date(2062, 12, 1) for _, period, _ in after)
