"""Login throttling, counted in the database: five failures for a user name, or twenty from one address, within
fifteen minutes refuse further logins (429 with Retry-After on the API, a message on the login page), whichever
process served them; a logged-out token is dead wherever it is replayed."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import update

from opensop.api import create_app
from opensop.cycle.permissions import Role
from opensop.services import auth
from opensop.services.workspace import Workspace, open_workspace
from opensop.store.cycle_tables import LoginFailure
from opensop.store.database import transaction
from opensop.web import mount
from opensop.web.i18n import LANGUAGE_COOKIE
from tests.integration.api.conftest import TestClient, add_users, password_of


def _login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object], dict[str, str]]:
    answer = client.post("/auth/login", json={"username": username, "password": password})
    return answer.status_code, answer.json(), dict(answer.headers)


def test_five_failures_lock_the_user_name_not_the_others(workspace: Workspace, client: TestClient) -> None:
    add_users(workspace)
    for _ in range(auth.MAX_FAILURES_PER_USER):
        assert _login(client, "sales", "wrong-password")[0] == 401
    status, body, headers = _login(client, "sales", password_of(Role.SALES))
    assert status == 429
    assert "too many failed logins" in str(body["detail"])
    assert 0 < int(headers["retry-after"]) <= auth.FAILURE_WINDOW.total_seconds()
    assert _login(client, "finance", password_of(Role.FINANCE))[0] == 200

    with transaction(workspace.sessions) as session:  # fifteen minutes later
        session.execute(update(LoginFailure).values(failed_at=LoginFailure.failed_at - auth.FAILURE_WINDOW))
    assert _login(client, "sales", password_of(Role.SALES))[0] == 200


def test_a_success_clears_the_user_names_failures(workspace: Workspace, client: TestClient) -> None:
    add_users(workspace)
    for _ in range(auth.MAX_FAILURES_PER_USER - 1):
        assert _login(client, "sales", "wrong-password")[0] == 401
    assert _login(client, "sales", password_of(Role.SALES))[0] == 200
    for _ in range(auth.MAX_FAILURES_PER_USER - 1):
        assert _login(client, "sales", "wrong-password")[0] == 401
    assert _login(client, "sales", password_of(Role.SALES))[0] == 200


def test_twenty_failures_from_one_address_lock_the_address(workspace: Workspace, client: TestClient) -> None:
    add_users(workspace)
    for attempt in range(auth.MAX_FAILURES_PER_ADDRESS):
        assert _login(client, f"guess{attempt}", "wrong-password")[0] == 401
    assert _login(client, "sales", password_of(Role.SALES))[0] == 429
    other_address = TestClient(create_app(workspace.settings, workspace=workspace), client=("10.1.2.3", 50000))
    assert _login(other_address, "sales", password_of(Role.SALES))[0] == 200


def test_failures_seen_by_one_process_count_in_another(workspace: Workspace) -> None:
    """Two apps, each with its own engine and connection pool on the same database: two server processes."""
    add_users(workspace)
    second = open_workspace(workspace.settings)
    try:
        first_app = TestClient(create_app(workspace.settings, workspace=workspace))
        second_app = TestClient(create_app(second.settings, workspace=second))
        for client in (first_app, second_app, first_app, second_app, first_app):
            assert _login(client, "sales", "wrong-password")[0] == 401
        assert _login(second_app, "sales", password_of(Role.SALES))[0] == 429
    finally:
        second.dispose()


def test_the_login_page_says_why_it_refuses(workspace: Workspace) -> None:
    add_users(workspace)
    app = FastAPI()
    mount(app, workspace.settings, workspace=workspace)
    page = TestClient(app, cookies={LANGUAGE_COOKIE: "en"})
    for _ in range(auth.MAX_FAILURES_PER_USER):
        assert page.post("/app/login", data={"username": "sales", "password": "nope"}).status_code == 401
    refused = page.post("/app/login", data={"username": "sales", "password": password_of(Role.SALES)})
    assert refused.status_code == 429
    assert "too many failed logins for this user or from this address; try again in" in refused.text
    assert 'id="username"' in refused.text


def test_a_logged_out_token_is_dead_when_replayed(workspace: Workspace, client: TestClient) -> None:
    add_users(workspace)
    token = client.post("/auth/login", json={"username": "sales", "password": password_of(Role.SALES)}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/auth/me", headers=bearer).status_code == 200
    assert client.post("/auth/logout", headers=bearer).status_code == 204
    replay = TestClient(create_app(workspace.settings, workspace=workspace))
    assert replay.get("/auth/me", headers=bearer).status_code == 401
