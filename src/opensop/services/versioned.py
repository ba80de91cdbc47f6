"""The audited insert and the one audited compare-and-swap update of every editable record with a row version.

`UPDATE ... SET row_version = expected + 1 WHERE id = :id AND row_version = :expected` either changes exactly one
row or none; none means someone else wrote first, and the writer gets a StaleWrite (HTTP 409) with the current
values instead of silently overwriting them. The audit event is written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from opensop.errors import StaleWrite
from opensop.services.auth import Principal
from opensop.store import repositories

Row = TypeVar("Row")


def update_versioned(
    session: Session,
    row: Row,
    *,
    actor: Principal,
    expected_row_version: int,
    changes: dict[str, Any],
    describe: Callable[[Row], dict[str, Any]],
    entity: str,
    reason: str = "",
) -> Row:
    """Apply `changes` to `row` if nobody changed it since `expected_row_version`; audit `<entity>_updated`."""
    model: Any = type(row)
    current: Any = row
    old = describe(row)
    done = session.execute(
        update(model)
        .where(model.id == current.id, model.row_version == expected_row_version)
        .values(**changes, row_version=expected_row_version + 1)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        label = entity.replace("_definition", "").replace("_", " ")
        raise StaleWrite(f"the {label} changed since you read it", current={**old, "row_version": current.row_version})
    session.refresh(row)
    repositories.record_audit(
        session,
        actor=actor.username,
        action=f"{entity.removesuffix('_definition')}_updated",
        entity=entity,
        entity_id=str(current.id),
        old_value=old,
        new_value=describe(row),
        reason=reason,
    )
    return row


def insert_audited(
    session: Session,
    row: Row,
    *,
    actor: Principal,
    action: str,
    entity: str,
    describe: Callable[[Row], dict[str, Any]],
) -> Row:
    """Add `row` (row_version 1) and audit `action` with its described values, in the caller's transaction."""
    mapped: Any = row
    session.add(row)
    session.flush()
    repositories.record_audit(
        session,
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=str(mapped.id),
        new_value=describe(row),
    )
    return row
