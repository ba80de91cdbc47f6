"""Cycles and their steps, the forecast snapshot, and per-cycle comments, decisions and the assumptions register."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from opensop.api.deps import CurrentUser, IdPath, WorkspaceDep, guarded
from opensop.api.routes.data import run_read
from opensop.api.schemas import (
    AssumptionCreate,
    AssumptionRead,
    AssumptionUpdate,
    CommentCreate,
    CommentRead,
    CycleCreate,
    CycleRead,
    DecisionCreate,
    DecisionRead,
    DecisionUpdate,
    PlanRunCreate,
    ReasonCreate,
    RunRead,
    SnapshotRead,
    StepRead,
)
from opensop.config import PlanningConfig
from opensop.cycle.permissions import Action
from opensop.cycle.steps import StepName
from opensop.pipeline import PipelineStep
from opensop.services import collaboration, cycles, plan_runs, plans, runs
from opensop.services.cycles import CycleView
from opensop.services.records import PlanningCycle

router = APIRouter(tags=["cycles"])


def cycle_read(cycle: PlanningCycle, view: CycleView | None = None) -> CycleRead:
    read = CycleRead.model_validate(cycle)
    if view is not None:
        read.steps = [StepRead.model_validate(step) for step in view.steps]
    return read


@router.get("/cycles", response_model=list[CycleRead], **guarded(Action.VIEW))
def list_cycles(workspace: WorkspaceDep, user: CurrentUser) -> list[CycleRead]:
    return [cycle_read(cycle) for cycle in cycles.list_cycles(workspace, actor=user)]


@router.post("/cycles", response_model=CycleRead, status_code=201, **guarded(Action.OPEN_CYCLE))
def create_cycle(body: CycleCreate, workspace: WorkspaceDep, user: CurrentUser) -> CycleRead:
    view = cycles.open_cycle(
        workspace,
        actor=user,
        period=body.period,
        config=PlanningConfig(horizon_months=body.horizon_months),
        reason=body.reason,
    )
    return cycle_read(view.cycle, view)


@router.get("/cycles/{cycle_id}", response_model=CycleRead, **guarded(Action.VIEW))
def get_cycle(cycle_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> CycleRead:
    view = cycles.get_cycle(workspace, actor=user, cycle_id=cycle_id)
    return cycle_read(view.cycle, view)


@router.post("/cycles/{cycle_id}/steps/{step}/close", response_model=CycleRead, **guarded(Action.CLOSE_STEP))
def close_cycle_step(
    cycle_id: IdPath, step: StepName, body: ReasonCreate, workspace: WorkspaceDep, user: CurrentUser
) -> CycleRead:
    view = cycles.close_step(workspace, actor=user, cycle_id=cycle_id, step=step, reason=body.reason)
    return cycle_read(view.cycle, view)


@router.post("/cycles/{cycle_id}/cancel", response_model=CycleRead, **guarded(Action.MANAGE_USERS))
def cancel_cycle(cycle_id: IdPath, body: ReasonCreate, workspace: WorkspaceDep, user: CurrentUser) -> CycleRead:
    """Undo the opening of the latest cycle (an administrator's correction); the reason is required."""
    view = cycles.cancel_cycle(workspace, actor=user, cycle_id=cycle_id, reason=body.reason)
    return cycle_read(view.cycle, view)


@router.post("/cycles/{cycle_id}/steps/{step}/reopen", response_model=CycleRead, **guarded(Action.MANAGE_USERS))
def reopen_cycle_step(
    cycle_id: IdPath, step: StepName, body: ReasonCreate, workspace: WorkspaceDep, user: CurrentUser
) -> CycleRead:
    """Reopen a closed step of the latest cycle; the later steps go back to pending."""
    view = cycles.reopen_step(workspace, actor=user, cycle_id=cycle_id, step=step, reason=body.reason)
    return cycle_read(view.cycle, view)


@router.get("/cycles/{cycle_id}/forecast-snapshot", response_model=list[SnapshotRead], **guarded(Action.VIEW))
def get_forecast_snapshot(cycle_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> list[SnapshotRead]:
    rows = cycles.forecast_snapshot(workspace, actor=user, cycle_id=cycle_id)
    return [SnapshotRead.model_validate(row) for row in rows]


@router.get("/cycles/{cycle_id}/comments", response_model=list[CommentRead], **guarded(Action.VIEW))
def list_comments(cycle_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> list[CommentRead]:
    rows = collaboration.list_comments(workspace, actor=user, cycle_id=cycle_id)
    return [CommentRead.model_validate(row) for row in rows]


@router.post("/cycles/{cycle_id}/comments", response_model=CommentRead, status_code=201, **guarded(Action.COMMENT))
def create_comment(cycle_id: IdPath, body: CommentCreate, workspace: WorkspaceDep, user: CurrentUser) -> CommentRead:
    row = collaboration.add_comment(
        workspace, actor=user, cycle_id=cycle_id, body=body.body, entity=body.entity, entity_id=body.entity_id or ""
    )
    return CommentRead.model_validate(row)


@router.get("/cycles/{cycle_id}/decisions", response_model=list[DecisionRead], **guarded(Action.VIEW))
def list_decisions(cycle_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> list[DecisionRead]:
    rows = collaboration.list_decisions(workspace, actor=user, cycle_id=cycle_id)
    return [DecisionRead.model_validate(row) for row in rows]


@router.post(
    "/cycles/{cycle_id}/decisions",
    response_model=DecisionRead,
    status_code=201,
    **guarded(Action.MANAGE_DECISIONS),
)
def create_decision(cycle_id: IdPath, body: DecisionCreate, workspace: WorkspaceDep, user: CurrentUser) -> DecisionRead:
    row = collaboration.add_decision(
        workspace, actor=user, cycle_id=cycle_id, decision=body.decision, owner=body.owner, due_date=body.due_date
    )
    return DecisionRead.model_validate(row)


@router.patch("/decisions/{decision_id}", response_model=DecisionRead, **guarded(Action.MANAGE_DECISIONS))
def update_decision(
    decision_id: IdPath, body: DecisionUpdate, workspace: WorkspaceDep, user: CurrentUser
) -> DecisionRead:
    row = collaboration.update_decision(
        workspace,
        actor=user,
        decision_id=decision_id,
        expected_row_version=body.expected_row_version,
        status=body.status,
        owner=body.owner,
        due_date=body.due_date,
        reason=body.reason,
    )
    return DecisionRead.model_validate(row)


@router.get("/assumptions", response_model=list[AssumptionRead], **guarded(Action.VIEW))
def list_assumptions(
    workspace: WorkspaceDep,
    user: CurrentUser,
    cycle_id: Annotated[int | None, Query(ge=1, le=2**31 - 2)] = None,
) -> list[AssumptionRead]:
    rows = collaboration.list_assumptions(workspace, actor=user, cycle_id=cycle_id)
    return [AssumptionRead.model_validate(row) for row in rows]


@router.post("/assumptions", response_model=AssumptionRead, status_code=201, **guarded(Action.MANAGE_ASSUMPTIONS))
def create_assumption(body: AssumptionCreate, workspace: WorkspaceDep, user: CurrentUser) -> AssumptionRead:
    row = collaboration.add_assumption(
        workspace,
        actor=user,
        title=body.title,
        owner=body.owner,
        description=body.description,
        cycle_id=body.cycle_id,
    )
    return AssumptionRead.model_validate(row)


@router.patch("/assumptions/{assumption_id}", response_model=AssumptionRead, **guarded(Action.MANAGE_ASSUMPTIONS))
def update_assumption(
    assumption_id: IdPath, body: AssumptionUpdate, workspace: WorkspaceDep, user: CurrentUser
) -> AssumptionRead:
    row = collaboration.update_assumption(
        workspace,
        actor=user,
        assumption_id=assumption_id,
        expected_row_version=body.expected_row_version,
        status=body.status,
        description=body.description,
        reason=body.reason,
    )
    return AssumptionRead.model_validate(row)


@router.post("/cycles/{cycle_id}/plan-runs", response_model=RunRead, status_code=202, **guarded(Action.EDIT_PLAN))
def create_plan_run(cycle_id: IdPath, body: PlanRunCreate, workspace: WorkspaceDep, user: CurrentUser) -> RunRead:
    """Queue the monthly job on the cycle's data for the worker; poll GET /runs/{id} for its progress and result
    (`result.plan_version_id` once it succeeded)."""
    request = plan_runs.PlanRequest(
        cycle_id=cycle_id,
        base_version_id=body.base_version_id,
        in_place=body.in_place,
        scenario=body.scenario,
        label=body.label,
        levers=body.plan_levers(),
        until=PipelineStep(body.until) if body.until else None,
        config=plans.parse_config(body.config),
        reason=body.reason,
    )
    run = runs.submit_run(workspace, actor=user, step=plan_runs.PLAN_STEP, params=request.to_params())
    return run_read(run)


@router.get("/cycles/{cycle_id}/plan-runs", response_model=list[RunRead], **guarded(Action.VIEW))
def list_plan_runs(cycle_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> list[RunRead]:
    """The cycle's recent plan runs, newest first."""
    found = runs.recent_runs(workspace, actor=user, step=plan_runs.PLAN_STEP, match={"cycle_id": cycle_id})
    return [run_read(run) for run in found]
