"""Every endpoint, every role: the permission matrix holds at the API, and nothing is reachable anonymously.

The endpoint list comes from the app itself (its OpenAPI document, which FastAPI builds from every route; the app
has no hidden route), so a new endpoint without a declared action fails here.
"""

from __future__ import annotations

import re

from fastapi import FastAPI

from opensop.api import create_app
from opensop.api.deps import ACTION_KEY
from opensop.cycle.permissions import MATRIX, Action, Role
from opensop.services.workspace import Workspace
from tests.integration.api.conftest import TestClient, add_users, login_all

PUBLIC = {("POST", "/auth/login")}
FINER_RULES = {"/cycles/{cycle_id}/steps/{step}/close"}  # a step is closed by its owner role (or an admin)
PATH_VALUES = {"step": "data_cutoff", "username": "nobody"}


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)


def _endpoints(app: FastAPI) -> list[tuple[str, str, Action | None]]:
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            action = operation.get(ACTION_KEY)
            found.append((method.upper(), path, Action(action) if action else None))
    return sorted(found, key=lambda endpoint: endpoint[1] == "/auth/logout")  # logging out revokes the token


def test_every_endpoint_refuses_roles_outside_the_matrix_and_anonymous_calls(sqlite_workspace: Workspace) -> None:
    add_users(sqlite_workspace)
    app = create_app(sqlite_workspace.settings, workspace=sqlite_workspace)
    endpoints = _endpoints(app)
    assert len(endpoints) >= 45
    undeclared = [(m, p) for m, p, action in endpoints if action is None and (m, p) not in PUBLIC]
    assert undeclared == [], "every endpoint declares its action with guarded(...)"
    refused = allowed = 0
    with TestClient(app, raise_server_exceptions=True) as client:
        headers = login_all(client)
        for method, path, action in endpoints:
            if action is None:
                continue
            url = _url(path)
            anonymous = client.request(method, url, json={})
            assert anonymous.status_code == 401, (method, path, anonymous.text)
            forged = client.request(method, url, json={}, headers={"Authorization": "Bearer not-a-token"})
            assert forged.status_code == 401, (method, path)
            for role in Role:
                response = client.request(method, url, json={}, headers=headers[role])
                if role in MATRIX[action]:
                    finer = path in FINER_RULES and "is owned by" in response.text
                    assert response.status_code not in (401, 403) or finer, (method, path, role, response.text)
                    allowed += 1
                else:
                    assert response.status_code == 403, (method, path, role, response.text)
                    assert response.json()["detail"]["error"] == "NotAuthorized"
                    refused += 1
    guarded = [e for e in endpoints if e[2] is not None]
    assert refused + allowed == len(guarded) * len(Role)
    assert refused == sum(len(set(Role) - MATRIX[action]) for _, _, action in guarded if action is not None)
    assert refused >= 80
