"""Request dependencies: the workspace, the authenticated principal, and the permission guard of each route.

Services own their transactions (and re-check permissions), so a route receives the workspace, not a session. The
guard runs before the body is validated, so a refused role gets 403 whatever it sent; it also records the action
in the OpenAPI operation (`x-opensop-action`), which the role x endpoint test reads back from the app's routes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from opensop.cycle.permissions import Action, require
from opensop.errors import NotAuthenticated
from opensop.services import auth
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace

ACTION_KEY = "x-opensop-action"
_BEARER = HTTPBearer(auto_error=False, description="the token returned by POST /auth/login")


def get_workspace(request: Request) -> Workspace:
    workspace: Workspace = request.app.state.workspace
    return workspace


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]


def get_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise NotAuthenticated("this call needs a bearer token", hint="POST /auth/login first")
    return credentials.credentials


TokenDep = Annotated[str, Depends(get_token)]


def get_current_user(workspace: WorkspaceDep, token: TokenDep) -> Principal:
    return auth.authenticate(workspace, token)


CurrentUser = Annotated[Principal, Depends(get_current_user)]


def guarded(action: Action) -> dict[str, Any]:
    """Route keyword arguments that refuse roles the matrix does not allow (before body validation)."""

    def check(user: CurrentUser) -> None:
        require(user.role, action)

    return {"dependencies": [Depends(check)], "openapi_extra": {ACTION_KEY: action.value}}


IdPath = Annotated[int, Path(ge=1, le=2**31 - 2)]
