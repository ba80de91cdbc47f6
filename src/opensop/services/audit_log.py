"""Reading the append-only audit trail (it is written by each service, in the transaction of its change)."""

from __future__ import annotations

from sqlalchemy import select

from opensop.cycle.permissions import Action, require
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store.database import transaction
from opensop.store.tables import AuditEvent

MAX_EVENTS = 1000


def query_audit(
    workspace: Workspace,
    *,
    actor: Principal,
    entity: str | None = None,
    entity_id: str | None = None,
    user: str | None = None,
    action: str | None = None,
    after_id: int = 0,
    before_id: int | None = None,
    newest_first: bool = False,
    limit: int = 200,
) -> list[AuditEvent]:
    """Events filtered, oldest first (page forward with `after_id`, the last id seen) or, for a reader who wants
    what just happened, newest first (page back with `before_id`, the last id seen): a trail only read oldest
    first would hide this month's events behind years of history once it outgrows a page."""
    require(actor.role, Action.VIEW_AUDIT)
    query = select(AuditEvent).where(AuditEvent.id > after_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    query = query.order_by(AuditEvent.id.desc() if newest_first else AuditEvent.id)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if user is not None:
        query = query.where(AuditEvent.actor == user)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    with transaction(workspace.sessions) as session:
        return list(session.scalars(query.limit(max(1, min(limit, MAX_EVENTS)))))
