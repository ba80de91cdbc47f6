"""API fixtures: the app over a real workspace, and one user (with a bearer token) per role."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette wants `httpx2` (not in the lock file); its TestClient warns once, at import, when it uses httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from opensop.api import create_app
from opensop.config import Settings
from opensop.cycle.permissions import Role
from opensop.services import auth
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace, init_workspace

SETUP = Principal.system("setup")


def password_of(role: Role) -> str:
    return f"secret-{role.value}"


def add_users(workspace: Workspace) -> None:
    for role in Role:
        auth.add_user(workspace, actor=SETUP, username=role.value, password=password_of(role), role=role)


def login_all(client: TestClient) -> dict[Role, dict[str, str]]:
    headers = {}
    for role in Role:
        response = client.post("/auth/login", json={"username": role.value, "password": password_of(role)})
        assert response.status_code == 200, response.text
        headers[role] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return headers


@pytest.fixture
def sqlite_workspace(tmp_path: Path) -> Iterator[Workspace]:
    opened = init_workspace(Settings(workspace=tmp_path / "ws", database_url=f"sqlite:///{tmp_path / 'api.db'}"))
    yield opened
    opened.dispose()


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(workspace.settings, workspace=workspace)) as test_client:
        yield test_client
