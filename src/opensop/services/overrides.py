"""Demand-review overrides: editable cells with a row version, written by compare-and-swap.

A writer sends the row version it read (0 for a cell that does not exist yet). The UPDATE only matches when the
stored version is still that one (`WHERE row_version = :expected`) and the rowcount says whether it did; an insert
race is caught by the unique key. Either way a stale write raises StaleWrite (HTTP 409) carrying the current cell:
there is no lost update, and the audit event sits in the same transaction as the accepted write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opensop.cycle.permissions import Action, require
from opensop.cycle.status import OverrideLevel, PlanStatus, check_editable
from opensop.demand.consensus import OverrideKind, OverrideSource
from opensop.errors import InvalidRequest, NotFoundError, StaleWrite
from opensop.services.auth import Principal
from opensop.services.limits import bounded_text
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.cycle_tables import PlanOverride, PlanVersion
from opensop.store.database import transaction


@dataclass(frozen=True)
class OverrideCell:
    """Which cell: a plan version, a level, the item or family, a region and a month."""

    plan_version_id: int
    level: OverrideLevel
    region_id: str
    period: date
    item_id: str = ""
    family_id: str = ""

    def __post_init__(self) -> None:
        target = self.item_id if self.level is OverrideLevel.ITEM else self.family_id
        other = self.family_id if self.level is OverrideLevel.ITEM else self.item_id
        if not target or other:
            raise InvalidRequest(f"an {self.level.value}-level override names the {self.level.value} only")
        if self.period.day != 1:
            raise InvalidRequest("override periods are months: use the first day of the month")


def as_dict(row: PlanOverride) -> dict[str, Any]:
    return {
        "value": row.value,
        "kind": row.kind,
        "source": row.source,
        "author": row.author,
        "reason": row.reason,
        "comment": row.comment,
        "row_version": row.row_version,
    }


def _find(session: Session, cell: OverrideCell) -> PlanOverride | None:
    return session.scalars(
        select(PlanOverride).where(
            PlanOverride.plan_version_id == cell.plan_version_id,
            PlanOverride.level == cell.level.value,
            PlanOverride.item_id == cell.item_id,
            PlanOverride.family_id == cell.family_id,
            PlanOverride.region_id == cell.region_id,
            PlanOverride.period == cell.period,
        )
    ).first()


def _current(workspace: Workspace, cell: OverrideCell) -> dict[str, Any] | None:
    """Read in a fresh transaction: the failed one may be aborted (PostgreSQL) and must not be reused."""
    with transaction(workspace.sessions) as session:
        row = _find(session, cell)
        return as_dict(row) if row is not None else None


def set_override(
    workspace: Workspace,
    *,
    actor: Principal,
    cell: OverrideCell,
    value: float,
    kind: OverrideKind,
    source: OverrideSource,
    expected_row_version: int,
    reason: str = "",
    comment: str = "",
) -> PlanOverride:
    """Write one cell if nobody changed it since `expected_row_version`; returns it with its new row version."""
    require(actor.role, Action.EDIT_OVERRIDE)
    bounded_text(reason, "reason")
    bounded_text(comment, "comment")
    if not math.isfinite(value):
        raise InvalidRequest("an override must be a finite number")
    if kind is OverrideKind.PERCENT and value < -100:
        raise InvalidRequest("a percent override cannot remove more than 100% of the demand")
    if kind is OverrideKind.ABSOLUTE and value < 0:
        raise InvalidRequest("an absolute override cannot be negative")
    try:
        with transaction(workspace.sessions) as session:
            version = session.get(PlanVersion, cell.plan_version_id)
            if version is None:
                raise NotFoundError(f"plan version {cell.plan_version_id} does not exist")
            check_editable(PlanStatus(version.status))
            new = {
                "value": value,
                "kind": kind.value,
                "source": source.value,
                "author": actor.username,
                "reason": reason,
                "comment": comment,
            }
            if expected_row_version == 0:
                row = PlanOverride(
                    plan_version_id=cell.plan_version_id,
                    level=cell.level.value,
                    item_id=cell.item_id,
                    family_id=cell.family_id,
                    region_id=cell.region_id,
                    period=cell.period,
                    row_version=1,
                    **new,
                )
                session.add(row)
                session.flush()
                old = None
            else:
                existing = _find(session, cell)
                if existing is None:
                    raise StaleWrite("the override no longer exists", current=None)
                old = as_dict(existing)
                done = session.execute(
                    update(PlanOverride)
                    .where(PlanOverride.id == existing.id, PlanOverride.row_version == expected_row_version)
                    .values(**new, row_version=expected_row_version + 1, updated_at=datetime.now(UTC))
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount != 1:  # type: ignore[attr-defined]
                    raise StaleWrite("someone changed this cell since you read it", current=None)
                session.refresh(existing)
                row = existing
            repositories.record_audit(
                session,
                actor=actor.username,
                action="override_set",
                entity="plan_override",
                entity_id=f"{cell.plan_version_id}/{cell.level.value}/{cell.item_id or cell.family_id}/"
                f"{cell.region_id}/{cell.period.isoformat()}",
                old_value=old,
                new_value=as_dict(row),
                reason=reason,
            )
            return row
    except IntegrityError as error:
        raise StaleWrite("someone created this cell since you read it", current=_current(workspace, cell)) from error
    except StaleWrite as stale:
        raise StaleWrite(stale.message, current=_current(workspace, cell)) from stale


def list_overrides(workspace: Workspace, *, actor: Principal, plan_version_id: int) -> list[PlanOverride]:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        if session.get(PlanVersion, plan_version_id) is None:
            raise NotFoundError(f"plan version {plan_version_id} does not exist")
        return list(
            session.scalars(
                select(PlanOverride).where(PlanOverride.plan_version_id == plan_version_id).order_by(PlanOverride.id)
            )
        )
