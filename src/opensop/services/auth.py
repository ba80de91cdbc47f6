"""Users, roles, password login and API tokens.

Passwords are hashed with argon2; API tokens are opaque random strings of which only the SHA-256 is stored, with an
expiry, so the token table alone does not let anyone in. `Principal` is who acts: every service takes one and checks
the permission matrix itself, so a new adapter cannot forget to.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select, update

from opensop.cycle.permissions import Action, Role, require
from opensop.errors import ConflictError, InvalidRequest, NotAuthenticated, NotFoundError
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.cycle_tables import ApiToken, AppUser
from opensop.store.database import transaction

TOKEN_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role

    @classmethod
    def system(cls, name: str) -> Principal:
        """Whoever runs the CLI on the workspace owns its database: an administrator, named in the audit."""
        return cls(username=name, role=Role.ADMIN)


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: Role
    active: bool


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: UserInfo


def _info(user: AppUser) -> UserInfo:
    return UserInfo(user.username, user.display_name, Role(user.role), user.active)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _user(workspace_user: AppUser | None, username: str) -> AppUser:
    if workspace_user is None:
        raise NotFoundError(f"no user named {username!r}")
    return workspace_user


def add_user(
    workspace: Workspace, *, actor: Principal, username: str, password: str, role: Role, display_name: str = ""
) -> UserInfo:
    require(actor.role, Action.MANAGE_USERS)
    if not username.strip():
        raise InvalidRequest("a user needs a name")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    with transaction(workspace.sessions) as session:
        if session.scalar(select(AppUser.id).where(AppUser.username == username)) is not None:
            raise ConflictError(f"a user named {username!r} already exists")
        user = AppUser(
            username=username, display_name=display_name, role=role.value, password_hash=_HASHER.hash(password)
        )
        session.add(user)
        session.flush()
        repositories.record_audit(
            session,
            actor=actor.username,
            action="user_add",
            entity="app_user",
            entity_id=username,
            new_value={"role": role.value, "display_name": display_name},
        )
        return _info(user)


def update_user(
    workspace: Workspace,
    *,
    actor: Principal,
    username: str,
    role: Role | None = None,
    active: bool | None = None,
    reason: str = "",
) -> UserInfo:
    """Change a role or (de)activate; deactivating also revokes the user's tokens."""
    require(actor.role, Action.MANAGE_USERS)
    with transaction(workspace.sessions) as session:
        user = _user(session.scalars(select(AppUser).where(AppUser.username == username)).first(), username)
        old = {"role": user.role, "active": user.active}
        if role is not None:
            user.role = role.value
        if active is not None:
            user.active = active
            if not active:
                session.execute(
                    update(ApiToken)
                    .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=datetime.now(UTC))
                )
        repositories.record_audit(
            session,
            actor=actor.username,
            action="user_update",
            entity="app_user",
            entity_id=username,
            old_value=old,
            new_value={"role": user.role, "active": user.active},
            reason=reason,
        )
        return _info(user)


def list_users(workspace: Workspace, *, actor: Principal) -> list[UserInfo]:
    require(actor.role, Action.MANAGE_USERS)
    with transaction(workspace.sessions) as session:
        return [_info(u) for u in session.scalars(select(AppUser).order_by(AppUser.username))]


def login(workspace: Workspace, *, username: str, password: str, lifetime: timedelta = TOKEN_LIFETIME) -> IssuedToken:
    """Check the password and issue a token. The same message for an unknown user and a wrong password."""
    refused = NotAuthenticated("unknown user or wrong password")
    with transaction(workspace.sessions) as session:
        user = session.scalars(select(AppUser).where(AppUser.username == username)).first()
        if user is None or not user.active:
            raise refused
        try:
            _HASHER.verify(user.password_hash, password)
        except VerificationError as error:
            raise refused from error
        token = secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC) + lifetime
        session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=expires_at))
        repositories.record_audit(
            session,
            actor=username,
            action="login",
            entity="app_user",
            entity_id=username,
            new_value={"expires_at": expires_at.isoformat()},
        )
        return IssuedToken(token, expires_at, _info(user))


def authenticate(workspace: Workspace, token: str) -> Principal:
    """The principal behind a bearer token; NotAuthenticated when it is unknown, expired, revoked or disabled."""
    with transaction(workspace.sessions) as session:
        row = session.execute(
            select(ApiToken, AppUser)
            .join(AppUser, AppUser.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _token_hash(token))
        ).first()
        if row is None:
            raise NotAuthenticated("unknown token", hint="log in again")
        issued, user = row[0], row[1]
        if issued.revoked_at is not None or _as_utc(issued.expires_at) <= datetime.now(UTC) or not user.active:
            raise NotAuthenticated("the token has expired or was revoked", hint="log in again")
        return Principal(user.username, Role(user.role))


def logout(workspace: Workspace, *, actor: Principal, token: str) -> None:
    require(actor.role, Action.SESSION)
    with transaction(workspace.sessions) as session:
        session.execute(
            update(ApiToken).where(ApiToken.token_hash == _token_hash(token)).values(revoked_at=datetime.now(UTC))
        )
        repositories.record_audit(
            session, actor=actor.username, action="logout", entity="app_user", entity_id=actor.username
        )
