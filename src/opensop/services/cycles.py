"""The monthly cycle: open one (rolling the horizon forward and snapshotting the previous plan of record's
forecasts for accuracy tracking), read it with its steps, and close its steps in order once their outputs exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from opensop.config import PlanningConfig
from opensop.cycle.permissions import Action, Role, require
from opensop.cycle.status import CycleStatus, PlanStatus, StepStatus
from opensop.cycle.steps import (
    CONSENSUS_MEASURE,
    STATISTICAL_MEASURE,
    STEPS,
    CycleFacts,
    StepName,
    add_months,
    check_can_close,
    due_date,
    first_of_month,
    months_between,
    roll_horizon,
)
from opensop.errors import ConflictError, NotFoundError, StaleWrite
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store import plan_rows, repositories
from opensop.store.cycle_tables import CycleStep, ForecastSnapshot, PlanMeasure, PlanningCycle, PlanVersion
from opensop.store.database import transaction

SUBMITTED_OR_LATER = (PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED)
APPROVED_OR_LATER = (PlanStatus.APPROVED, PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED)
RECORD_STATUSES = (PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED)


@dataclass(frozen=True)
class CycleView:
    cycle: PlanningCycle
    steps: list[CycleStep]


def _cycle(session: Session, cycle_id: int) -> PlanningCycle:
    cycle = session.get(PlanningCycle, cycle_id)
    if cycle is None:
        raise NotFoundError(f"cycle {cycle_id} does not exist")
    return cycle


def _steps(session: Session, cycle_id: int) -> list[CycleStep]:
    return list(session.scalars(select(CycleStep).where(CycleStep.cycle_id == cycle_id).order_by(CycleStep.position)))


def _values(statuses: tuple[PlanStatus, ...]) -> list[str]:
    return [s.value for s in statuses]


def _snapshot(session: Session, previous: PlanningCycle, cycle: PlanningCycle) -> int:
    """Freeze the previous plan of record's statistical and consensus forecasts, lag = months after its cycle."""
    record = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.cycle_id == previous.id, PlanVersion.status.in_(_values(RECORD_STATUSES)))
        .order_by(PlanVersion.id.desc())
    ).first()
    if record is None:
        return 0
    frame = plan_rows.read_measures(session, record.id)
    frame = frame[
        frame["measure"].isin([STATISTICAL_MEASURE, CONSENSUS_MEASURE])
        & frame["item_id"].notna()
        & frame["region_id"].notna()
    ]
    if frame.empty:
        return 0
    wide = frame.pivot_table(
        index=["item_id", "region_id", "period"], columns="measure", values="value", aggfunc="sum"
    ).reset_index()
    rows: list[dict[str, Any]] = [
        {
            "cycle_id": previous.id,
            "taken_in_cycle_id": cycle.id,
            "plan_version_id": record.id,
            "lag": months_between(previous.period, row["period"]),
            "item_id": row["item_id"],
            "region_id": row["region_id"],
            "period": row["period"],
            "statistical": None if pd.isna(row.get(STATISTICAL_MEASURE)) else float(row[STATISTICAL_MEASURE]),
            "consensus": None if pd.isna(row.get(CONSENSUS_MEASURE)) else float(row[CONSENSUS_MEASURE]),
        }
        for row in wide.to_dict(orient="records")
    ]
    session.execute(insert(ForecastSnapshot), rows)
    return len(rows)


def open_cycle(
    workspace: Workspace,
    *,
    actor: Principal,
    period: date | None = None,
    config: PlanningConfig | None = None,
    reason: str = "",
) -> CycleView:
    """Open the cycle of `period` (default: the month after the latest cycle, else this month).

    The previous cycle, if still open, is closed; the horizon starts the month after the cycle month.
    """
    require(actor.role, Action.OPEN_CYCLE)
    horizon_months = (config or PlanningConfig()).horizon_months
    with transaction(workspace.sessions) as session:
        previous = session.scalars(select(PlanningCycle).order_by(PlanningCycle.period.desc())).first()
        if period is None:
            period = add_months(previous.period, 1) if previous else first_of_month(datetime.now(UTC).date())
        period = first_of_month(period)
        if previous is not None and period <= previous.period:
            raise ConflictError(
                f"a cycle for {previous.period:%Y-%m} already exists; cycles move forward",
                hint=f"open {add_months(previous.period, 1):%Y-%m} or later",
            )
        horizon = roll_horizon(period, horizon_months)
        cycle = PlanningCycle(
            period=period,
            horizon_start=horizon.start,
            horizon_end=horizon.end,
            status=CycleStatus.OPEN.value,
            previous_cycle_id=previous.id if previous else None,
            opened_by=actor.username,
        )
        session.add(cycle)
        session.flush()
        for position, spec in enumerate(STEPS):
            session.add(
                CycleStep(
                    cycle_id=cycle.id,
                    step=spec.name.value,
                    position=position,
                    owner_role=spec.owner.value,
                    due_date=due_date(period, spec.name),
                    status=(StepStatus.OPEN if position == 0 else StepStatus.PENDING).value,
                )
            )
        snapshot_rows = 0
        if previous is not None:
            if previous.status == CycleStatus.OPEN:
                previous.status = CycleStatus.CLOSED.value
                previous.closed_at = datetime.now(UTC)
                repositories.record_audit(
                    session,
                    actor=actor.username,
                    action="cycle_closed",
                    entity="planning_cycle",
                    entity_id=str(previous.id),
                    old_value={"status": "open"},
                    new_value={"status": "closed"},
                    reason=f"cycle {period:%Y-%m} opened",
                )
            snapshot_rows = _snapshot(session, previous, cycle)
        repositories.record_audit(
            session,
            actor=actor.username,
            action="cycle_opened",
            entity="planning_cycle",
            entity_id=str(cycle.id),
            new_value={
                "period": period.isoformat(),
                "horizon_start": horizon.start.isoformat(),
                "horizon_end": horizon.end.isoformat(),
                "previous_cycle_id": cycle.previous_cycle_id,
                "forecast_snapshot_rows": snapshot_rows,
            },
            reason=reason,
        )
        session.flush()
        return CycleView(cycle, _steps(session, cycle.id))


def get_cycle(workspace: Workspace, *, actor: Principal, cycle_id: int) -> CycleView:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        return CycleView(_cycle(session, cycle_id), _steps(session, cycle_id))


def list_cycles(workspace: Workspace, *, actor: Principal) -> list[PlanningCycle]:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        return list(session.scalars(select(PlanningCycle).order_by(PlanningCycle.period.desc())))


def _facts(session: Session, cycle: PlanningCycle) -> CycleFacts:
    statuses = set(session.scalars(select(PlanVersion.status).where(PlanVersion.cycle_id == cycle.id)))
    measures = session.scalars(
        select(PlanMeasure.measure)
        .join(PlanVersion, PlanVersion.id == PlanMeasure.plan_version_id)
        .where(PlanVersion.cycle_id == cycle.id, PlanVersion.status.in_(_values(SUBMITTED_OR_LATER)))
        .distinct()
    )
    return CycleFacts(
        has_dataset_load=cycle.load_id is not None or repositories.latest_load(session) is not None,
        submitted_measures=frozenset(measures),
        has_submitted_version=bool(statuses & set(_values(SUBMITTED_OR_LATER))),
        has_approved_version=bool(statuses & set(_values(APPROVED_OR_LATER))),
        has_published_version=bool(statuses & set(_values(RECORD_STATUSES))),
    )


def close_step(workspace: Workspace, *, actor: Principal, cycle_id: int, step: StepName, reason: str = "") -> CycleView:
    """Close a step (its owner or an admin), open the next; closing data cut-off freezes the latest load;
    closing the last step closes the cycle."""
    require(actor.role, Action.CLOSE_STEP)
    with transaction(workspace.sessions) as session:
        cycle = _cycle(session, cycle_id)
        steps = _steps(session, cycle_id)
        closed = frozenset(StepName(s.step) for s in steps if s.status == StepStatus.CLOSED)
        check_can_close(step, role=Role(actor.role), closed=closed, facts=_facts(session, cycle))
        now = datetime.now(UTC)
        done = session.execute(
            update(CycleStep)
            .where(CycleStep.cycle_id == cycle_id, CycleStep.step == step.value, CycleStep.status != "closed")
            .values(status=StepStatus.CLOSED.value, closed_by=actor.username, closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleWrite(f"the {step.value} step was closed meanwhile", current=None)
        new_value: dict[str, Any] = {"status": "closed"}
        if step is StepName.DATA_CUTOFF and cycle.load_id is None:
            latest = repositories.latest_load(session)
            cycle.load_id = latest.id if latest else None
            new_value["load_id"] = cycle.load_id
        position = next(s.position for s in steps if s.step == step.value)
        following = [s for s in steps if s.position == position + 1]
        if following:
            following[0].status = StepStatus.OPEN.value
        else:
            cycle.status = CycleStatus.CLOSED.value
            cycle.closed_at = now
            new_value["cycle_status"] = "closed"
        repositories.record_audit(
            session,
            actor=actor.username,
            action="step_closed",
            entity="cycle_step",
            entity_id=f"{cycle_id}/{step.value}",
            old_value={"status": "open"},
            new_value=new_value,
            reason=reason,
        )
        session.flush()
        session.expire_all()
        return CycleView(_cycle(session, cycle_id), _steps(session, cycle_id))


def forecast_snapshot(workspace: Workspace, *, actor: Principal, cycle_id: int) -> list[ForecastSnapshot]:
    """The snapshot taken when `cycle_id` opened (forecasts of the previous plan of record)."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        _cycle(session, cycle_id)
        return list(
            session.scalars(
                select(ForecastSnapshot)
                .where(ForecastSnapshot.taken_in_cycle_id == cycle_id)
                .order_by(ForecastSnapshot.item_id, ForecastSnapshot.region_id, ForecastSnapshot.period)
            )
        )
