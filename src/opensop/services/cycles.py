"""The monthly cycle: open one (rolling the horizon forward and snapshotting the previous plan of record's
forecasts for accuracy tracking), read it with its steps, and close its steps in order once their outputs exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from opensop.config import PlanningConfig
from opensop.cycle.permissions import Action, Role, require
from opensop.cycle.status import CycleStatus, PlanStatus, StepStatus
from opensop.cycle.steps import (
    CONSENSUS_MEASURE,
    CYCLE_STEPS,
    FINANCE_MEASURE,
    STATISTICAL_MEASURE,
    SUPPLY_MEASURE,
    CycleFacts,
    Horizon,
    StepName,
    check_can_close,
    check_period_against_data,
    due_date,
    roll_horizon,
)
from opensop.errors import (
    ConflictError,
    InvalidRequest,
    InvalidTransition,
    NotFoundError,
    OpenSOPError,
    StaleWrite,
    WorkflowError,
)
from opensop.periods import add_months, first_of_month, months_between
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


def _latest_cycle(session: Session) -> PlanningCycle | None:
    """The latest cycle that counts (a cancelled one does not)."""
    return session.scalars(
        select(PlanningCycle)
        .where(PlanningCycle.status != CycleStatus.CANCELLED.value)
        .order_by(PlanningCycle.period.desc())
    ).first()


def _last_actuals(session: Session, cycle: PlanningCycle | None = None) -> date | None:
    """The latest month of actuals in the load a cycle plans from (its frozen load, else the latest load)."""
    load_id = cycle.load_id if cycle is not None and cycle.load_id is not None else None
    if load_id is None:
        latest = repositories.latest_load(session)
        load_id = latest.id if latest is not None else None
    return repositories.last_actuals(session, load_id) if load_id is not None else None


@dataclass(frozen=True)
class OpeningPreview:
    """What opening the cycle of `period` would do, shown for confirmation before anything is written."""

    period: date
    horizon: Horizon
    last_actuals: date | None
    closes: PlanningCycle | None
    open_steps: list[str]
    error: str
    hint: str

    @property
    def allowed(self) -> bool:
        return not self.error


def _preview(session: Session, period: date | None, horizon_months: int) -> OpeningPreview:
    previous = _latest_cycle(session)
    last = _last_actuals(session)
    if period is None:
        if previous is not None:
            period = add_months(previous.period, 1)
        else:
            period = last or first_of_month(datetime.now(UTC).date())
    period = first_of_month(period)
    error = hint = ""
    try:
        if previous is not None and period <= previous.period:
            raise ConflictError(
                f"a cycle for {previous.period:%Y-%m} already exists; cycles move forward",
                hint=f"open {add_months(previous.period, 1):%Y-%m} or later",
            )
        check_period_against_data(period, last)
    except OpenSOPError as refused:
        error, hint = refused.message, refused.hint or ""
    open_steps = []
    if previous is not None and previous.status == CycleStatus.OPEN:
        open_steps = [step.step for step in _steps(session, previous.id) if step.status != StepStatus.CLOSED]
    closes = previous if previous is not None and previous.status == CycleStatus.OPEN else None
    return OpeningPreview(period, roll_horizon(period, horizon_months), last, closes, open_steps, error, hint)


def preview_opening(
    workspace: Workspace, *, actor: Principal, period: date | None = None, config: PlanningConfig | None = None
) -> OpeningPreview:
    """The month, horizon and consequences of opening a cycle (default: the month after the latest cycle, else
    the month of the latest actuals), and why it would be refused."""
    require(actor.role, Action.OPEN_CYCLE)
    with transaction(workspace.sessions) as session:
        return _preview(session, period, (config or PlanningConfig()).horizon_months)


def open_cycle(
    workspace: Workspace,
    *,
    actor: Principal,
    period: date | None = None,
    config: PlanningConfig | None = None,
    reason: str = "",
) -> CycleView:
    """Open the cycle of `period` (default as in `preview_opening`), checked against the data.

    The previous cycle, if still open, is closed; the horizon starts the month after the cycle month.
    """
    require(actor.role, Action.OPEN_CYCLE)
    horizon_months = (config or PlanningConfig()).horizon_months
    with transaction(workspace.sessions) as session:
        preview = _preview(session, period, horizon_months)
        if not preview.allowed:
            error_type = ConflictError if "already exists" in preview.error else InvalidRequest
            raise error_type(preview.error, hint=preview.hint or None)
        period, horizon = preview.period, preview.horizon
        previous = _latest_cycle(session)
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
        for position, spec in enumerate(CYCLE_STEPS):
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
                    new_value={"status": "closed", "open_steps": preview.open_steps},
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
                "previous_closed": preview.closes is not None,
                "forecast_snapshot_rows": snapshot_rows,
            },
            reason=reason,
        )
        session.flush()
        return CycleView(cycle, _steps(session, cycle.id))


def _require_reason(reason: str, what: str) -> None:
    """An administrator's correction of the cycle is explained in the audit trail, never silent."""
    if not reason.strip():
        raise InvalidRequest(f"say {what}", hint="the reason is kept in the audit trail")


def cancel_cycle(workspace: Workspace, *, actor: Principal, cycle_id: int, reason: str = "") -> CycleView:
    """Undo the opening of the latest cycle (an administrator's correction of a cycle opened by mistake).

    Refused once the cycle holds an approved or published plan: a decision taken in it cannot be undone this way.
    Its forecast snapshot is removed, its versions stay (read-only, for the record), and the cycle it closed when it
    opened is open again.
    """
    require(actor.role, Action.MANAGE_USERS)
    _require_reason(reason, "why the cycle is cancelled")
    with transaction(workspace.sessions) as session:
        cycle = _cycle(session, cycle_id)
        latest = _latest_cycle(session)
        if cycle.status == CycleStatus.CANCELLED or latest is None or latest.id != cycle.id:
            raise InvalidTransition(
                f"only the latest cycle can be cancelled; the latest is {latest.period:%Y-%m}"
                if latest is not None and cycle.status != CycleStatus.CANCELLED
                else f"cycle {cycle.period:%Y-%m} is already cancelled"
            )
        decided = session.scalars(
            select(PlanVersion.id).where(
                PlanVersion.cycle_id == cycle.id, PlanVersion.status.in_(_values(APPROVED_OR_LATER))
            )
        ).first()
        if decided is not None:
            raise InvalidTransition(
                f"cycle {cycle.period:%Y-%m} holds an approved plan (version {decided}) and cannot be cancelled",
                hint="open the next cycle instead",
            )
        old_status = cycle.status
        cycle.status = CycleStatus.CANCELLED.value
        cycle.closed_at = datetime.now(UTC)
        session.execute(delete(ForecastSnapshot).where(ForecastSnapshot.taken_in_cycle_id == cycle.id))
        reopened = None
        previous = session.get(PlanningCycle, cycle.previous_cycle_id) if cycle.previous_cycle_id else None
        if previous is not None and previous.status == CycleStatus.CLOSED:
            unfinished = [s for s in _steps(session, previous.id) if s.status != StepStatus.CLOSED]
            if unfinished:
                previous.status = CycleStatus.OPEN.value
                previous.closed_at = None
                reopened = previous.id
        repositories.record_audit(
            session,
            actor=actor.username,
            action="cycle_cancelled",
            entity="planning_cycle",
            entity_id=str(cycle.id),
            old_value={"status": old_status},
            new_value={"status": CycleStatus.CANCELLED.value, "reopened_cycle_id": reopened},
            reason=reason,
        )
        session.flush()
        session.expire_all()
        return CycleView(_cycle(session, cycle_id), _steps(session, cycle_id))


def reopen_step(
    workspace: Workspace, *, actor: Principal, cycle_id: int, step: StepName, reason: str = ""
) -> CycleView:
    """Reopen a closed step of the open cycle (an administrator's correction: a review closed too early); the
    steps after it go back to pending and must close again, in order, on the outputs that exist then."""
    require(actor.role, Action.MANAGE_USERS)
    _require_reason(reason, "why the step is reopened")
    with transaction(workspace.sessions) as session:
        cycle = _cycle(session, cycle_id)
        latest = _latest_cycle(session)
        if latest is None or latest.id != cycle.id:
            raise InvalidTransition("only a step of the latest cycle can be reopened")
        steps = _steps(session, cycle_id)
        target = next(s for s in steps if s.step == step.value)
        if target.status != StepStatus.CLOSED:
            raise InvalidTransition(f"the {step.value} step is not closed")
        for later in steps:
            if later.position > target.position:
                later.status = StepStatus.PENDING.value
                later.closed_by = None
                later.closed_at = None
        target.status = StepStatus.OPEN.value
        target.closed_by = None
        target.closed_at = None
        cycle.status = CycleStatus.OPEN.value
        cycle.closed_at = None
        repositories.record_audit(
            session,
            actor=actor.username,
            action="step_reopened",
            entity="cycle_step",
            entity_id=f"{cycle_id}/{step.value}",
            old_value={"status": "closed"},
            new_value={"status": "open"},
            reason=reason,
        )
        session.flush()
        session.expire_all()
        return CycleView(_cycle(session, cycle_id), _steps(session, cycle_id))


def working_cycle(
    workspace: Workspace, *, actor: Principal, config: PlanningConfig | None = None
) -> tuple[CycleView, bool]:
    """The open cycle a plan is stored in, opening the cycle of the latest actuals when none is open (True then):
    a plan made outside the web (`opensop plan`, `make demo`) lands in a cycle like any other."""
    with transaction(workspace.sessions) as session:
        latest = _latest_cycle(session)
        found = latest.id if latest is not None and latest.status == CycleStatus.OPEN else None
    if found is not None:
        return get_cycle(workspace, actor=actor, cycle_id=found), False
    return open_cycle(workspace, actor=actor, config=config, reason="opened to store a plan"), True


def get_cycle(workspace: Workspace, *, actor: Principal, cycle_id: int) -> CycleView:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        return CycleView(_cycle(session, cycle_id), _steps(session, cycle_id))


def list_cycles(workspace: Workspace, *, actor: Principal, cancelled: bool = False) -> list[PlanningCycle]:
    """Cycles newest first; cancelled ones only when asked for."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        query = select(PlanningCycle).order_by(PlanningCycle.period.desc(), PlanningCycle.id.desc())
        if not cancelled:
            query = query.where(PlanningCycle.status != CycleStatus.CANCELLED.value)
        return list(session.scalars(query))


def _facts(session: Session, cycle: PlanningCycle) -> CycleFacts:
    statuses = set(session.scalars(select(PlanVersion.status).where(PlanVersion.cycle_id == cycle.id)))
    measures = session.scalars(
        select(PlanMeasure.measure)
        .join(PlanVersion, PlanVersion.id == PlanMeasure.plan_version_id)
        .where(
            PlanVersion.cycle_id == cycle.id,
            PlanVersion.status.in_(_values((PlanStatus.DRAFT, *SUBMITTED_OR_LATER))),
            PlanMeasure.measure.in_([CONSENSUS_MEASURE, SUPPLY_MEASURE, FINANCE_MEASURE]),
        )
        .distinct()
    )
    return CycleFacts(
        period=cycle.period,
        last_actuals=_last_actuals(session, cycle),
        has_dataset_load=cycle.load_id is not None or repositories.latest_load(session) is not None,
        live_measures=frozenset(measures),
        has_submitted_version=bool(statuses & set(_values(SUBMITTED_OR_LATER))),
        has_approved_version=bool(statuses & set(_values(APPROVED_OR_LATER))),
        has_published_version=bool(statuses & set(_values(RECORD_STATUSES))),
    )


def step_needs(workspace: Workspace, *, actor: Principal, cycle_id: int) -> dict[str, str]:
    """For each open step of the cycle, why it cannot close yet ('' when it can): the same rules `close_step`
    applies, so the home page says exactly what closing would answer."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        cycle = _cycle(session, cycle_id)
        steps = _steps(session, cycle_id)
        if cycle.status != CycleStatus.OPEN:
            return {}
        facts = _facts(session, cycle)
        closed = frozenset(StepName(s.step) for s in steps if s.status == StepStatus.CLOSED)
        needs: dict[str, str] = {}
        for step in steps:
            if step.status != StepStatus.OPEN:
                continue
            try:
                check_can_close(StepName(step.step), role=Role.ADMIN, closed=closed, facts=facts)
            except WorkflowError as refused:
                needs[step.step] = str(refused)
            else:
                needs[step.step] = ""
        return needs


def close_step(workspace: Workspace, *, actor: Principal, cycle_id: int, step: StepName, reason: str = "") -> CycleView:
    """Close a step (its owner or an admin), open the next; closing data cut-off freezes the latest load;
    closing the last step closes the cycle."""
    require(actor.role, Action.CLOSE_STEP)
    with transaction(workspace.sessions) as session:
        cycle = _cycle(session, cycle_id)
        if cycle.status != CycleStatus.OPEN:
            raise InvalidTransition(f"cycle {cycle.period:%Y-%m} is {cycle.status}", hint="work in the open cycle")
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
