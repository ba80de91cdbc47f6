"""Users, roles, password login and API tokens.

Passwords are hashed with argon2; API tokens are opaque random strings of which only the SHA-256 is stored, with an
expiry, so the token table alone does not let anyone in; logging out revokes the token in the database, so a copy
of it is dead too. `Principal` is who acts: every service takes one and checks the permission matrix itself, so a
new adapter cannot forget to.

Login throttling: each refused password is stored (user name tried, client address, time). Once a user name has
MAX_FAILURES_PER_USER failures within FAILURE_WINDOW, or an address MAX_FAILURES_PER_ADDRESS, logins for it are
refused (TooManyAttempts) before the password is even checked, until the oldest of those failures leaves the
window. Refused attempts are not stored, so a guesser cannot keep a lock going past the window. The address limit
is higher: a plant's users often share one address behind a proxy. A success clears its user name's failures. The
rows live in the database, so every server process counts the same failures.

User names are normalised (`normalise_username`: NFKC, trimmed, case-folded) wherever one enters, so `Admin`,
`admin ` and the full-width `ＡＤＭＩＮ` are one user. A login for an unknown (or disabled) user still verifies the
password against a dummy hash, so the answer takes as long as for a real user: timing does not tell which names
exist. Passwords follow a small policy (`password_problem`): long enough, not only digits, not only spaces, more
than a few distinct characters, not the user name.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from opensop.cycle.permissions import Action, Role, require
from opensop.errors import ConflictError, InvalidRequest, NotAuthenticated, NotFoundError, TooManyAttempts
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.cycle_tables import NAME, ApiToken, AppUser, LoginFailure
from opensop.store.database import transaction

TOKEN_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8
MIN_DISTINCT_CHARACTERS = 4
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = timedelta(minutes=15)
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


def normalise_username(username: str) -> str:
    """The one spelling of a user name: NFKC (full-width letters become ASCII), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is refused, or None. Long enough, and not trivially guessable: `12345678` and eight spaces
    were accepted once."""
    text = unicodedata.normalize("NFKC", password)
    if len(text) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if not text.strip():
        return "the password cannot be only spaces"
    if text.strip().isdigit():
        return "the password cannot be only digits"
    if len(set(text)) < MIN_DISTINCT_CHARACTERS:
        return f"the password must use at least {MIN_DISTINCT_CHARACTERS} different characters"
    if username and text.strip().casefold() == normalise_username(username):
        return "the password cannot be the user name"
    return None


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so both answers cost one argon2 verification."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _user(workspace_user: AppUser | None, username: str) -> AppUser:
    if workspace_user is None:
        raise NotFoundError(f"no user named {username!r}")
    return workspace_user


def add_user(
    workspace: Workspace, *, actor: Principal, username: str, password: str, role: Role, display_name: str = ""
) -> UserInfo:
    require(actor.role, Action.MANAGE_USERS)
    username = normalise_username(username)
    if not username:
        raise InvalidRequest("a user needs a name")
    if len(username) > (NAME.length or 100):
        raise InvalidRequest(f"a user name has at most {NAME.length} characters")
    if problem := password_problem(password, username):
        raise InvalidRequest(problem, hint="choose a longer passphrase")
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
    username = normalise_username(username)
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


def _refuse_when_throttled(session: Session, *, username: str, client: str, now: datetime) -> None:
    since = now - FAILURE_WINDOW
    waits = []
    for column, value, limit in (
        (LoginFailure.username, username, MAX_FAILURES_PER_USER),
        (LoginFailure.client_address, client, MAX_FAILURES_PER_ADDRESS),
    ):
        if not value:
            continue
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.failed_at)).where(
                column == value, LoginFailure.failed_at > since
            )
        ).one()
        if count >= limit:
            waits.append((_as_utc(oldest) + FAILURE_WINDOW - now).total_seconds())
    if waits:
        seconds = max(1, math.ceil(max(waits)))
        raise TooManyAttempts(
            f"too many failed logins for this user or from this address; try again in {math.ceil(seconds / 60)} min",
            retry_after=seconds,
        )


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except VerificationError:
        return False


def login(
    workspace: Workspace,
    *,
    username: str,
    password: str,
    client: str = "",
    lifetime: timedelta = TOKEN_LIFETIME,
) -> IssuedToken:
    """Check the password and issue a token. The same message for an unknown user and a wrong password; refused
    outright while the user name or the client address (`client`, as the adapter sees it) is throttled."""
    now = datetime.now(UTC)
    username = normalise_username(username)[: NAME.length]
    with transaction(workspace.sessions) as session:
        _refuse_when_throttled(session, username=username, client=client, now=now)
        user = session.scalars(select(AppUser).where(AppUser.username == username)).first()
        known = user is not None and user.active
        # always one argon2 verification: an unknown name must not answer faster than a wrong password
        matches = _password_matches(user.password_hash if user is not None and known else _dummy_hash(), password)
        if user is not None and known and matches:
            token = secrets.token_urlsafe(32)
            expires_at = now + lifetime
            session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=expires_at))
            session.execute(delete(LoginFailure).where(LoginFailure.username == username))
            repositories.record_audit(
                session,
                actor=username,
                action="login",
                entity="app_user",
                entity_id=username,
                new_value={"expires_at": expires_at.isoformat()},
            )
            return IssuedToken(token, expires_at, _info(user))
        session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - FAILURE_WINDOW))
        session.add(LoginFailure(username=username, client_address=client[:64], failed_at=now))
    raise NotAuthenticated("unknown user or wrong password")


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
