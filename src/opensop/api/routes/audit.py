"""Audit trail queries (the trail is written by the services; nothing here writes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from opensop.api.deps import CurrentUser, WorkspaceDep, guarded
from opensop.api.schemas import AuditEventRead
from opensop.cycle.permissions import Action
from opensop.services.audit_log import query_audit

router = APIRouter(tags=["audit"])
Filter = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")]


@router.get("/audit", response_model=list[AuditEventRead], **guarded(Action.VIEW_AUDIT))
def list_audit_events(
    workspace: WorkspaceDep,
    user: CurrentUser,
    entity: Filter = None,
    entity_id: Filter = None,
    actor: Filter = None,
    action: Filter = None,
    after_id: Annotated[int, Query(ge=0, le=2**31 - 2)] = 0,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    newest_first: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEventRead]:
    """Oldest first, paged with `after_id`; or `newest_first=true`, paged back with `before_id`."""
    events = query_audit(
        workspace,
        actor=user,
        entity=entity,
        entity_id=entity_id,
        user=actor,
        action=action,
        after_id=after_id,
        before_id=before_id,
        newest_first=newest_first,
        limit=limit,
    )
    return [AuditEventRead.model_validate(event) for event in events]
