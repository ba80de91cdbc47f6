"""Tokens (expiry, revocation, deactivated users), refused uploads, and the `opensop user` commands."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from opensop.cli import user_commands
from opensop.cycle.permissions import Role
from opensop.errors import NotAuthenticated, NotAuthorized
from opensop.services import auth
from opensop.services.workspace import Workspace
from opensop.store.cycle_tables import ApiToken
from opensop.store.database import transaction
from tests.integration.api.conftest import SETUP, TestClient, add_users, login_all, password_of

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"


def test_tokens_expire_are_revoked_and_are_stored_hashed(sqlite_workspace: Workspace) -> None:
    add_users(sqlite_workspace)
    issued = auth.login(sqlite_workspace, username="sales", password=password_of(Role.SALES))
    assert auth.authenticate(sqlite_workspace, issued.token).role is Role.SALES
    with transaction(sqlite_workspace.sessions) as session:
        stored = list(session.scalars(select(ApiToken.token_hash)))
    assert issued.token not in stored
    assert len(stored[0]) == 64
    expired = auth.login(
        sqlite_workspace, username="sales", password=password_of(Role.SALES), lifetime=timedelta(seconds=-1)
    )
    with pytest.raises(NotAuthenticated):
        auth.authenticate(sqlite_workspace, expired.token)
    with pytest.raises(NotAuthorized):
        auth.update_user(sqlite_workspace, actor=auth.Principal("sales", Role.SALES), username="sales", active=False)
    auth.update_user(sqlite_workspace, actor=SETUP, username="sales", active=False, reason="left the company")
    with pytest.raises(NotAuthenticated):
        auth.authenticate(sqlite_workspace, issued.token)
    with pytest.raises(NotAuthenticated):
        auth.login(sqlite_workspace, username="sales", password=password_of(Role.SALES))


def test_uploads_that_cannot_be_imported_are_refused_with_the_reason(sqlite_workspace: Workspace) -> None:
    from opensop.api import create_app

    add_users(sqlite_workspace)
    with TestClient(create_app(sqlite_workspace.settings, workspace=sqlite_workspace)) as client:
        planner = login_all(client)[Role.DEMAND_PLANNER]

        def upload(name: str, content: bytes) -> tuple[int, dict[str, object]]:
            answer = client.post("/imports", headers=planner, files={"file": (name, content)})
            return answer.status_code, answer.json()["detail"] if answer.status_code >= 400 else answer.json()

        assert upload("data.txt", b"x")[0] == 400
        assert upload("book.xlsx", b"not a workbook")[0] == 400
        assert upload("folder.zip", b"not a zip")[0] == 400
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as bundle:
            for path in TINY.glob("*.csv"):
                text = path.read_text()
                bundle.writestr(
                    path.name, text.replace("G1,Barbecue", "G1,,Barbecue") if path.stem == "items" else text
                )
        status, detail = upload("broken.zip", buffer.getvalue())
        assert status == 422
        assert detail["error"] == "DataValidationError"
        assert detail["report"]["errors"] >= 1  # type: ignore[index]
        assert client.get("/imports", headers=planner).json() == []


def test_user_commands_add_change_and_list(sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """OpenSOP (test harness for the user commands)."""

    user_commands.register(app)
    monkeypatch.setenv("OPENSOP_WORKSPACE", str(sqlite_workspace.settings.workspace))
    monkeypatch.setenv("OPENSOP_DATABASE_URL", sqlite_workspace.settings.database_url)
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "anne", "--role", "finance", "--password", "long-enough"])
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["user", "role", "anne", "executive", "--reason", "promotion"]).exit_code == 0
    listed = runner.invoke(app, ["user", "list"])
    assert "anne" in listed.output
    assert "executive" in listed.output
    assert auth.login(sqlite_workspace, username="anne", password="long-enough").user.role is Role.EXECUTIVE
