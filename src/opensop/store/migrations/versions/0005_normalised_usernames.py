"""user names normalised (NFKC, trimmed, case-folded): `Admin`, `admin ` and `ＡＤＭＩＮ` are one user

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 02:00:00

Logins now normalise the name they are given, so stored names must be in the same form or their users could no
longer log in. Two stored users whose names normalise to the same one cannot be merged by a migration: it stops
and names them, for an administrator to rename or deactivate one first.
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _normalise(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def upgrade() -> None:
    connection = op.get_bind()
    users = connection.execute(sa.text("SELECT id, username FROM app_user")).all()
    seen: dict[str, str] = {}
    for _id, name in users:
        normal = _normalise(name)
        if normal in seen:
            raise RuntimeError(
                f"users {seen[normal]!r} and {name!r} become the same user name {normal!r}; rename one of them "
                "(`opensop user ...`) with the previous version, then upgrade again"
            )
        seen[normal] = name
    for user_id, name in users:
        if _normalise(name) != name:
            connection.execute(
                sa.text("UPDATE app_user SET username = :name WHERE id = :id"),
                {"name": _normalise(name), "id": user_id},
            )
    connection.execute(sa.text("DELETE FROM login_failure"))


def downgrade() -> None:
    """Normalised names are valid names for the previous version too: nothing to undo."""
