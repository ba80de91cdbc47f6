"""Comments and the decision log of a cycle, and the assumptions register: what was said, decided and assumed,
with who and when, each change audited. Decisions and assumptions carry a row version (compare-and-swap updates).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opensop.cycle.permissions import Action, require
from opensop.cycle.status import AssumptionStatus, DecisionStatus
from opensop.errors import InvalidRequest, NotFoundError
from opensop.services.auth import Principal
from opensop.services.limits import MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, bounded_text
from opensop.services.versioned import insert_audited, update_versioned
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.cycle_tables import Assumption, CycleComment, Decision, PlanningCycle
from opensop.store.database import transaction


def _require_cycle(session: Session, cycle_id: int) -> None:
    if session.get(PlanningCycle, cycle_id) is None:
        raise NotFoundError(f"cycle {cycle_id} does not exist")


def _text(value: str, what: str, limit: int = MAX_TEXT_CHARS) -> str:
    """A required free text, bounded by its storage column (the same refusal on SQLite and PostgreSQL)."""
    if not value.strip():
        raise InvalidRequest(f"the {what} cannot be empty")
    return bounded_text(value, what, limit)


def add_comment(
    workspace: Workspace, *, actor: Principal, cycle_id: int, body: str, entity: str = "cycle", entity_id: str = ""
) -> CycleComment:
    require(actor.role, Action.COMMENT)
    with transaction(workspace.sessions) as session:
        _require_cycle(session, cycle_id)
        comment = CycleComment(
            cycle_id=cycle_id, entity=entity, entity_id=entity_id, author=actor.username, body=_text(body, "comment")
        )
        session.add(comment)
        session.flush()
        repositories.record_audit(
            session,
            actor=actor.username,
            action="comment_added",
            entity="cycle_comment",
            entity_id=str(comment.id),
            new_value={"cycle_id": cycle_id, "on": f"{entity}/{entity_id}", "body": body},
        )
        return comment


def list_comments(workspace: Workspace, *, actor: Principal, cycle_id: int) -> list[CycleComment]:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        _require_cycle(session, cycle_id)
        return list(
            session.scalars(select(CycleComment).where(CycleComment.cycle_id == cycle_id).order_by(CycleComment.id))
        )


def _decision_dict(row: Decision) -> dict[str, Any]:
    due = row.due_date.isoformat() if row.due_date else None
    return {"decision": row.decision, "owner": row.owner, "due_date": due, "status": row.status}


def add_decision(
    workspace: Workspace, *, actor: Principal, cycle_id: int, decision: str, owner: str, due_date: date | None = None
) -> Decision:
    require(actor.role, Action.MANAGE_DECISIONS)
    with transaction(workspace.sessions) as session:
        _require_cycle(session, cycle_id)
        row = Decision(
            cycle_id=cycle_id,
            decision=_text(decision, "decision"),
            owner=_text(owner, "owner", MAX_NAME_CHARS),
            due_date=due_date,
            status=DecisionStatus.OPEN.value,
            created_by=actor.username,
            row_version=1,
        )
        return insert_audited(
            session, row, actor=actor, action="decision_added", entity="decision", describe=_decision_dict
        )


def update_decision(
    workspace: Workspace,
    *,
    actor: Principal,
    decision_id: int,
    expected_row_version: int,
    status: DecisionStatus | None = None,
    owner: str | None = None,
    due_date: date | None = None,
    reason: str = "",
) -> Decision:
    require(actor.role, Action.MANAGE_DECISIONS)
    with transaction(workspace.sessions) as session:
        row = session.get(Decision, decision_id)
        if row is None:
            raise NotFoundError(f"decision {decision_id} does not exist")
        changes: dict[str, Any] = {}
        if status is not None:
            changes["status"] = status.value
        if owner is not None:
            changes["owner"] = _text(owner, "owner", MAX_NAME_CHARS)
        if due_date is not None:
            changes["due_date"] = due_date
        update_versioned(
            session, row, actor=actor, expected_row_version=expected_row_version, changes=changes,
            describe=_decision_dict, entity="decision", reason=reason,
        )  # fmt: skip
        return row


def list_decisions(workspace: Workspace, *, actor: Principal, cycle_id: int) -> list[Decision]:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        _require_cycle(session, cycle_id)
        return list(session.scalars(select(Decision).where(Decision.cycle_id == cycle_id).order_by(Decision.id)))


def _assumption_dict(row: Assumption) -> dict[str, Any]:
    return {"title": row.title, "description": row.description, "owner": row.owner, "status": row.status}


def add_assumption(
    workspace: Workspace,
    *,
    actor: Principal,
    title: str,
    owner: str,
    description: str = "",
    cycle_id: int | None = None,
) -> Assumption:
    require(actor.role, Action.MANAGE_ASSUMPTIONS)
    with transaction(workspace.sessions) as session:
        if cycle_id is not None:
            _require_cycle(session, cycle_id)
        row = Assumption(
            cycle_id=cycle_id,
            title=_text(title, "title", MAX_TITLE_CHARS),
            description=bounded_text(description, "description"),
            owner=_text(owner, "owner", MAX_NAME_CHARS),
            status=AssumptionStatus.ACTIVE.value,
            created_by=actor.username,
            row_version=1,
        )
        return insert_audited(
            session, row, actor=actor, action="assumption_added", entity="assumption", describe=_assumption_dict
        )


def update_assumption(
    workspace: Workspace,
    *,
    actor: Principal,
    assumption_id: int,
    expected_row_version: int,
    status: AssumptionStatus | None = None,
    description: str | None = None,
    reason: str = "",
) -> Assumption:
    require(actor.role, Action.MANAGE_ASSUMPTIONS)
    with transaction(workspace.sessions) as session:
        row = session.get(Assumption, assumption_id)
        if row is None:
            raise NotFoundError(f"assumption {assumption_id} does not exist")
        changes: dict[str, Any] = {}
        if status is not None:
            changes["status"] = status.value
        if description is not None:
            changes["description"] = description
        update_versioned(
            session, row, actor=actor, expected_row_version=expected_row_version, changes=changes,
            describe=_assumption_dict, entity="assumption", reason=reason,
        )  # fmt: skip
        return row


def list_assumptions(workspace: Workspace, *, actor: Principal, cycle_id: int | None = None) -> list[Assumption]:
    require(actor.role, Action.VIEW)
    query = select(Assumption).order_by(Assumption.id)
    if cycle_id is not None:
        query = query.where(Assumption.cycle_id == cycle_id)
    with transaction(workspace.sessions) as session:
        return list(session.scalars(query))
