"""Demo logins, one per role, created through the auth service (audited like any user creation).

The passwords are public on purpose: they exist only in demo workspaces, printed by `serve` for the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass

from opensop.cycle.permissions import Role
from opensop.errors import ConflictError
from opensop.services import auth
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace

DEMO_PASSWORD_SUFFIX = "-demo-2024"  # noqa: S105 - public demo credentials, never used outside a demo workspace


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(role.value, role.value.replace("_", "."), f"{role.value}{DEMO_PASSWORD_SUFFIX}") for role in Role]


def ensure_demo_users(workspace: Workspace) -> list[DemoLogin]:
    """Create the demo users that do not exist yet (safe to call on every start)."""
    setup = Principal.system("demo-setup")
    logins = demo_logins()
    for login in logins:
        try:
            auth.add_user(
                workspace,
                actor=setup,
                username=login.username,
                password=login.password,
                role=Role(login.role),
                display_name=login.role.replace("_", " ").title(),
            )
        except ConflictError:
            continue
    return logins
