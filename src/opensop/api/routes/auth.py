"""Login (password -> bearer token), logout, who am I, and user administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from opensop.api.deps import CurrentUser, TokenDep, WorkspaceDep, guarded
from opensop.api.schemas import LoginCreate, TokenRead, UserCreate, UserRead, UserUpdate
from opensop.cycle.permissions import Action
from opensop.services import auth

router = APIRouter(tags=["auth"])
UsernamePath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00/]+$")]


@router.post("/auth/login", response_model=TokenRead, responses={429: {"description": "Too many failed logins"}})
def login(body: LoginCreate, workspace: WorkspaceDep, request: Request) -> TokenRead:
    client = request.client.host if request.client else ""
    issued = auth.login(workspace, username=body.username, password=body.password, client=client)
    return TokenRead(
        access_token=issued.token, expires_at=issued.expires_at, username=issued.user.username, role=issued.user.role
    )


@router.post("/auth/logout", status_code=204, **guarded(Action.SESSION))
def logout(workspace: WorkspaceDep, user: CurrentUser, token: TokenDep) -> None:
    auth.logout(workspace, actor=user, token=token)


@router.get("/auth/me", response_model=UserRead, **guarded(Action.SESSION))
def me(user: CurrentUser) -> UserRead:
    return UserRead(username=user.username, display_name="", role=user.role, active=True)


@router.get("/users", response_model=list[UserRead], **guarded(Action.MANAGE_USERS))
def list_users(workspace: WorkspaceDep, user: CurrentUser) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in auth.list_users(workspace, actor=user)]


@router.post("/users", response_model=UserRead, status_code=201, **guarded(Action.MANAGE_USERS))
def create_user(body: UserCreate, workspace: WorkspaceDep, user: CurrentUser) -> UserRead:
    created = auth.add_user(
        workspace,
        actor=user,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
    )
    return UserRead.model_validate(created)


@router.patch("/users/{username}", response_model=UserRead, **guarded(Action.MANAGE_USERS))
def update_user(username: UsernamePath, body: UserUpdate, workspace: WorkspaceDep, user: CurrentUser) -> UserRead:
    updated = auth.update_user(
        workspace, actor=user, username=username, role=body.role, active=body.active, reason=body.reason
    )
    return UserRead.model_validate(updated)
