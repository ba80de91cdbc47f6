"""`opensop user add/role/list`, `opensop serve` (the REST API, with a worker process for long runs) and
`opensop worker` (that process).

Whoever runs the CLI on a workspace owns its database, so these commands act as an administrator named after the
CLI user (`--user` / OPENSOP_USER), recorded in the audit like any other change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from opensop.cli.console import console
from opensop.cli.state import STATE
from opensop.cycle.permissions import Role

if TYPE_CHECKING:
    from opensop.services.auth import Principal

users = typer.Typer(help="Users and their roles (the API's accounts).", no_args_is_help=True)


def _admin() -> Principal:
    from opensop.services.auth import Principal

    return Principal.system(STATE.actor)


@users.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option(help="Role: what the user may do.")] = Role.VIEWER,
    display_name: Annotated[str, typer.Option(help="Full name shown in the audit and the UI.")] = "",
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="OPENSOP_PASSWORD"),
    ] = "",
) -> None:
    """Create a user with a password (at least 8 characters)."""
    from opensop.services import auth
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        user = auth.add_user(
            workspace, actor=_admin(), username=username, password=password, role=role, display_name=display_name
        )
    finally:
        workspace.dispose()
    console.print(f"User {user.username} added with role {user.role.value}.")


@users.command("role")
def role(
    username: Annotated[str, typer.Argument(help="Login name.")],
    new_role: Annotated[Role, typer.Argument(metavar="ROLE", help="The new role.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit).")] = "",
) -> None:
    """Change a user's role."""
    from opensop.services import auth
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        user = auth.update_user(workspace, actor=_admin(), username=username, role=new_role, reason=reason)
    finally:
        workspace.dispose()
    console.print(f"User {user.username} now has role {user.role.value}.")


@users.command("list")
def list_() -> None:
    """List users, their roles and whether they are active."""
    from opensop.services import auth
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        rows = auth.list_users(workspace, actor=_admin())
    finally:
        workspace.dispose()
    table = Table("user", "name", "role", "active")
    for user in rows:
        table.add_row(user.username, user.display_name, user.role.value, "yes" if user.active else "no")
    console.print(table)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    worker: Annotated[bool, typer.Option(help="Also start a worker process for runs.")] = True,
) -> None:
    """Serve the REST API (OpenAPI docs at /docs) and, by default, one worker process for long runs."""
    import uvicorn

    from opensop.services.workspace import open_workspace

    settings = STATE.settings
    open_workspace(settings).dispose()
    environment = {**os.environ, "OPENSOP_WORKSPACE": str(settings.workspace)}
    if settings.database_url:
        environment["OPENSOP_DATABASE_URL"] = settings.database_url
    os.environ.update(environment)
    process = None
    if worker:
        command = [sys.executable, "-m", "opensop.cli.main", "worker", "--parent-pid", str(os.getpid())]
        process = subprocess.Popen(command, env=environment)  # noqa: S603 (our interpreter, our arguments)
    try:
        uvicorn.run("opensop.server:create_server_from_environment", factory=True, host=host, port=port)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


def worker(
    plugin: Annotated[list[str] | None, typer.Option(help="Module registering extra steps (repeatable).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Stop when the queue is empty.")] = False,
    poll: Annotated[float, typer.Option(min=0.01, help="Seconds between polls of an empty queue.")] = 0.5,
    parent_pid: Annotated[
        int | None, typer.Option(help="Stop when this process (the server that started the worker) is gone.")
    ] = None,
) -> None:
    """Execute the queued runs (forecasts, plans, scenarios) of the workspace, one at a time, until stopped."""
    from opensop.worker import serve_queue

    serve_queue(STATE.settings, plugins=plugin or (), once=once, poll_seconds=poll, parent_pid=parent_pid)


def register(app: typer.Typer) -> None:
    app.add_typer(users, name="user")
    app.command()(serve)
    app.command()(worker)
