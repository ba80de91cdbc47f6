"""Issue 18.9 (login) and 18.6 (a read-only or damaged workspace), on real databases.

Login: `Admin`, `admin ` and the full-width `ＡＤＭＩＮ` are one user; `12345678` and eight spaces are refused as
passwords; an unknown user name costs the same argon2 verification as a wrong password (before: 70 ms vs 2 s in
the attack run, so timing told which names exist). Migration 0005 normalises names stored before.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from opensop.config import Settings
from opensop.cycle.permissions import Role
from opensop.errors import ConflictError, InvalidRequest, NotAuthenticated, WorkspaceError
from opensop.services import auth, collaboration, imports
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace, init_workspace, open_workspace
from opensop.store.cycle_tables import AppUser
from opensop.store.database import alembic_config, transaction

SETUP = Principal.system("setup")
TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
PASSWORD = "correct horse battery"


def test_user_names_are_normalised(workspace: Workspace) -> None:
    added = auth.add_user(workspace, actor=SETUP, username="  Ａｄｍｉｎ ", password=PASSWORD, role=Role.ADMIN)
    assert added.username == "admin"
    for spelling in ("Admin", "admin ", "ＡＤＭＩＮ", "ADMIN"):
        assert auth.login(workspace, username=spelling, password=PASSWORD).user.username == "admin"
    with pytest.raises(ConflictError, match="already exists"):
        auth.add_user(workspace, actor=SETUP, username="ADMIN", password=PASSWORD, role=Role.VIEWER)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "only digits"),
        (" " * 8, "only spaces"),
        ("short", "at least 8"),
        ("aaaaaaaaaa", "different characters"),
        ("Bernadette", "user name"),
    ],
)
def test_weak_passwords_are_refused(workspace: Workspace, password: str, reason: str) -> None:
    with pytest.raises(InvalidRequest, match=reason):
        auth.add_user(workspace, actor=SETUP, username="bernadette", password=password, role=Role.VIEWER)


def _median_login_seconds(workspace: Workspace, username: str, client: str) -> float:
    seconds = []
    for attempt in range(3):
        started = time.perf_counter()
        with pytest.raises(NotAuthenticated):
            auth.login(workspace, username=username, password=f"wrong password {attempt}", client=client)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def test_an_unknown_user_answers_as_slowly_as_a_known_one(workspace: Workspace) -> None:
    auth.add_user(workspace, actor=SETUP, username="claire", password=PASSWORD, role=Role.SALES)
    _median_login_seconds(workspace, "nobody-warmup", "10.0.0.9")  # the dummy hash is made once
    known = _median_login_seconds(workspace, "claire", "10.0.0.1")
    unknown = _median_login_seconds(workspace, "nobody", "10.0.0.2")
    print(f"login refused: known user {known * 1000:.0f} ms, unknown user {unknown * 1000:.0f} ms")
    assert unknown > 0.5 * known, (known, unknown)


def test_migration_0005_normalises_stored_names(tmp_path: Path) -> None:
    workspace = init_workspace(Settings(workspace=tmp_path / "ws"))
    config = alembic_config(workspace.engine)
    command.downgrade(config, "0004")
    with workspace.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO app_user (username, display_name, role, password_hash, active) VALUES "
                "(:name, '', 'admin', :hash, :active)"
            ),
            {"name": " ＣＬＡＩＲＥ ", "hash": auth._HASHER.hash(PASSWORD), "active": True},
        )
    command.upgrade(config, "head")
    with transaction(workspace.sessions) as session:
        assert list(session.scalars(select(AppUser.username))) == ["claire"]
    assert auth.login(workspace, username="Claire", password=PASSWORD).user.role is Role.ADMIN
    workspace.dispose()


def test_a_read_only_workspace_gives_a_clear_error(tmp_path: Path) -> None:
    """Before: a raw sqlite3.OperationalError traceback ("attempt to write a readonly database")."""
    database = tmp_path / "opensop.db"
    init_workspace(Settings(workspace=tmp_path / "ws", database_url=f"sqlite:///{database}")).dispose()
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"
    workspace = open_workspace(Settings(workspace=tmp_path / "ws", database_url=read_only))
    with pytest.raises(WorkspaceError, match="read-only") as refused:
        imports.import_dataset(workspace, TINY, actor="steward")
    assert str(database) in str(refused.value)
    workspace.dispose()


def test_a_truncated_workspace_gives_a_clear_error(tmp_path: Path) -> None:
    """Before: "file is not a database" as a driver traceback."""
    folder = tmp_path / "ws"
    init_workspace(Settings(workspace=folder)).dispose()
    database = folder / "opensop.db"
    database.write_bytes(database.read_bytes()[:3000])
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    with pytest.raises(WorkspaceError, match="damaged, truncated"):
        open_workspace(Settings(workspace=folder))
    with pytest.raises(WorkspaceError, match="damaged, truncated"):
        init_workspace(Settings(workspace=folder))


@pytest.mark.parametrize(
    ("title", "owner", "description", "refused"),
    [
        ("t" * 201, "anne", "", "title"),
        ("Price rise", "o" * 101, "", "owner"),
        ("Price rise", "anne", "d" * 10_001, "description"),
        ("Price\x00rise", "anne", "", "NUL"),
    ],
)
def test_free_texts_are_bounded_the_same_on_both_stores(
    workspace: Workspace, title: str, owner: str, description: str, refused: str
) -> None:
    """Issue 18.6/18.8: a 201-character title crashed PostgreSQL (String(200)) and was kept whole by SQLite."""
    admin = Principal("admin", Role.ADMIN)
    with pytest.raises(InvalidRequest, match=refused):
        collaboration.add_assumption(workspace, actor=admin, title=title, owner=owner, description=description)
    assert collaboration.list_assumptions(workspace, actor=admin) == []
