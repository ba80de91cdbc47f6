"""Plan versions: content, lifecycle transitions (submit, approve, reject, publish, revise), overrides, the
plan-to-plan waterfall, KPI totals, the plan of record and its export for the ERP/MRP."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Response

from opensop.api.deps import CurrentUser, IdPath, WorkspaceDep, guarded
from opensop.api.schemas import (
    KpiRead,
    MeasureRead,
    MeasureRow,
    MeasuresUpdate,
    OverrideRead,
    OverrideUpdate,
    PlanVersionCreate,
    PlanVersionRead,
    ReasonCreate,
    WaterfallRead,
)
from opensop.cycle.permissions import Action
from opensop.cycle.plan_content import MEASURE_COLUMNS
from opensop.cycle.status import PlanStatus
from opensop.services import overrides, plan_reports, plans
from opensop.services.overrides import OverrideCell
from opensop.services.plan_reports import ExportFormat

router = APIRouter(tags=["plans"])
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 2)]


def _frame(rows: list[MeasureRow], scenario: str) -> pd.DataFrame:
    records = [{**row.model_dump(), "scenario": row.scenario or scenario} for row in rows]
    return pd.DataFrame(records, columns=list(MEASURE_COLUMNS))


def _response_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), other=None).to_dict(orient="records")  # type: ignore[call-overload]
    return records


@router.get("/plan-versions", response_model=list[PlanVersionRead], **guarded(Action.VIEW))
def list_plan_versions(
    workspace: WorkspaceDep, user: CurrentUser, cycle_id: OptionalId = None, status: PlanStatus | None = None
) -> list[PlanVersionRead]:
    rows = plans.list_versions(workspace, actor=user, cycle_id=cycle_id, status=status)
    return [PlanVersionRead.model_validate(row) for row in rows]


@router.post("/plan-versions", response_model=PlanVersionRead, status_code=201, **guarded(Action.EDIT_PLAN))
def create_plan_version(body: PlanVersionCreate, workspace: WorkspaceDep, user: CurrentUser) -> PlanVersionRead:
    version = plans.create_version(
        workspace,
        actor=user,
        cycle_id=body.cycle_id,
        measures=_frame(body.measures, body.scenario),
        scenario=body.scenario,
        label=body.label,
        config=plans.parse_config(body.config),
        load_id=body.load_id,
        reason=body.reason,
    )
    return PlanVersionRead.model_validate(version)


@router.get("/plan-versions/{version_id}", response_model=PlanVersionRead, **guarded(Action.VIEW))
def get_plan_version(version_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> PlanVersionRead:
    return PlanVersionRead.model_validate(plans.get_version(workspace, actor=user, version_id=version_id))


@router.get("/plan-versions/{version_id}/measures", response_model=list[MeasureRead], **guarded(Action.VIEW))
def get_plan_measures(version_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> list[MeasureRead]:
    content = plans.read_content(workspace, actor=user, version_id=version_id)
    return [MeasureRead.model_validate(row) for row in _response_rows(content.measures)]


@router.put("/plan-versions/{version_id}/measures", response_model=PlanVersionRead, **guarded(Action.EDIT_PLAN))
def replace_plan_measures(
    version_id: IdPath, body: MeasuresUpdate, workspace: WorkspaceDep, user: CurrentUser
) -> PlanVersionRead:
    current = plans.get_version(workspace, actor=user, version_id=version_id)
    version = plans.replace_measures(
        workspace,
        actor=user,
        version_id=version_id,
        measures=_frame(body.measures, current.scenario),
        reason=body.reason,
    )
    return PlanVersionRead.model_validate(version)


def _transition(
    workspace: WorkspaceDep, user: CurrentUser, version_id: int, target: PlanStatus, reason: str
) -> PlanVersionRead:
    version = plans.transition(workspace, actor=user, version_id=version_id, target=target, reason=reason)
    return PlanVersionRead.model_validate(version)


@router.post("/plan-versions/{version_id}/submit", response_model=PlanVersionRead, **guarded(Action.SUBMIT_PLAN))
def submit_plan_version(
    version_id: IdPath, body: ReasonCreate, workspace: WorkspaceDep, user: CurrentUser
) -> PlanVersionRead:
    return _transition(workspace, user, version_id, PlanStatus.SUBMITTED, body.reason)


@router.post("/plan-versions/{version_id}/approve", response_model=PlanVersionRead, **guarded(Action.APPROVE_PLAN))
def approve_plan_version(
    version_id: IdPath, body: ReasonCreate, workspace: WorkspaceDep, user: CurrentUser
) -> PlanVersionRead:
    return _transition(workspace, user, version_id, PlanStatus.APPROVED, body.reason)


@router.post("/plan-versions/{version_id}/reject", response_model=PlanVersionRead, **guarded(Action.APPROVE_PLAN))
def reject_plan_version(
    version_id: IdPath, body: ReasonCreate, workspace: WorkspaceDep, user: CurrentUser
) -> PlanVersionRead:
    return _transition(workspace, user, version_id, PlanStatus.REJECTED, body.reason)


@router.post("/plan-versions/{version_id}/publish", response_model=PlanVersionRead, **guarded(Action.PUBLISH_PLAN))
def publish_plan_version(
    version_id: IdPath, body: ReasonCreate, workspace: WorkspaceDep, user: CurrentUser
) -> PlanVersionRead:
    return _transition(workspace, user, version_id, PlanStatus.PUBLISHED, body.reason)


@router.post(
    "/plan-versions/{version_id}/revise", response_model=PlanVersionRead, status_code=201, **guarded(Action.EDIT_PLAN)
)
def revise_plan_version(
    version_id: IdPath, body: ReasonCreate, workspace: WorkspaceDep, user: CurrentUser
) -> PlanVersionRead:
    return PlanVersionRead.model_validate(
        plans.revise(workspace, actor=user, version_id=version_id, reason=body.reason)
    )


@router.get("/plan-versions/{version_id}/waterfall", response_model=list[WaterfallRead], **guarded(Action.VIEW))
def get_plan_waterfall(
    version_id: IdPath,
    against: Annotated[int, Query(ge=1, le=2**31 - 2, description="the base version compared from")],
    workspace: WorkspaceDep,
    user: CurrentUser,
) -> list[WaterfallRead]:
    frame = plan_reports.plan_waterfall(workspace, actor=user, base_id=against, compare_id=version_id)
    return [WaterfallRead.model_validate(row) for row in _response_rows(frame)]


@router.get("/plan-versions/{version_id}/kpis", response_model=list[KpiRead], **guarded(Action.VIEW))
def get_plan_kpis(version_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> list[KpiRead]:
    frame = plan_reports.kpi_totals(workspace, actor=user, version_id=version_id)
    return [KpiRead.model_validate(row) for row in _response_rows(frame)]


@router.get("/plan-versions/{version_id}/overrides", response_model=list[OverrideRead], **guarded(Action.VIEW))
def list_plan_overrides(version_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> list[OverrideRead]:
    rows = overrides.list_overrides(workspace, actor=user, plan_version_id=version_id)
    return [OverrideRead.model_validate(row) for row in rows]


@router.put("/plan-versions/{version_id}/overrides", response_model=OverrideRead, **guarded(Action.EDIT_OVERRIDE))
def set_plan_override(
    version_id: IdPath, body: OverrideUpdate, workspace: WorkspaceDep, user: CurrentUser
) -> OverrideRead:
    cell = OverrideCell(
        plan_version_id=version_id,
        level=body.level,
        item_id=body.item_id,
        family_id=body.family_id,
        region_id=body.region_id,
        period=body.period,
    )
    row = overrides.set_override(
        workspace,
        actor=user,
        cell=cell,
        value=body.value,
        kind=body.kind,
        source=body.source,
        expected_row_version=body.expected_row_version,
        reason=body.reason,
        comment=body.comment,
    )
    return OverrideRead.model_validate(row)


@router.get("/plan-of-record", response_model=PlanVersionRead, **guarded(Action.VIEW))
def get_plan_of_record(workspace: WorkspaceDep, user: CurrentUser) -> PlanVersionRead:
    return PlanVersionRead.model_validate(plans.plan_of_record(workspace, actor=user))


@router.get(
    "/plan-of-record/export",
    response_class=Response,
    responses={200: {"content": {media: {} for media in plan_reports.MEDIA_TYPES.values()}}},
    **guarded(Action.EXPORT_PLAN),
)
def export_plan_of_record(
    workspace: WorkspaceDep,
    user: CurrentUser,
    file_format: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.CSV,
) -> Response:
    export = plan_reports.export_plan_of_record(workspace, actor=user, file_format=file_format)
    return Response(
        content=export.content,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
