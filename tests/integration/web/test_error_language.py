"""Errors in the user's language: a refused action shows its message from the page's catalogue (French by default,
English on request), with its parameters; the API and the CLI keep the English message."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from opensop.services.demo_users import DemoLogin
from opensop.services.workspace import Workspace
from opensop.web import mount
from opensop.web.core import SESSION_COOKIE
from opensop.web.i18n import LANGUAGE_COOKIE
from tests.integration.api.conftest import TestClient


@pytest.mark.parametrize(
    ("language", "missing", "forbidden"),
    [
        ("fr", "La version de plan 9999 n&#39;existe pas.", "Le rôle viewer n&#39;a pas le droit de faire cela"),
        ("en", "Plan version 9999 does not exist.", "The viewer role may not do this"),
    ],
)
def test_an_error_page_speaks_the_page_language(
    web_workspace: Workspace, logins: dict[str, DemoLogin], language: str, missing: str, forbidden: str
) -> None:
    app = FastAPI()
    mount(app, web_workspace.settings, workspace=web_workspace)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        login = logins["viewer"]
        signed = client.post(
            "/app/login", data={"username": login.username, "password": login.password}, follow_redirects=False
        )
        client.cookies.update({SESSION_COOKIE: signed.cookies[SESSION_COOKIE], LANGUAGE_COOKIE: language})
        page = client.get("/app/demand?version=9999")
        assert page.status_code == 404
        assert missing in page.text
        refused = client.post("/app/cycle/open", data={"period": "2024-11", "confirm": "yes"})
        assert refused.status_code == 403
        assert forbidden in refused.text
