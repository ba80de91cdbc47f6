"""Dataset imports with their quality reports, and runs (queued for the worker, polled here)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

from opensop.api.deps import CurrentUser, IdPath, WorkspaceDep, guarded
from opensop.api.schemas import ImportRead, LoadRead, LoadReportRead, RunCreate, RunRead
from opensop.cycle.permissions import Action
from opensop.services import runs, uploads
from opensop.services.records import Run

router = APIRouter(tags=["data"])


@router.get("/imports", response_model=list[LoadRead], **guarded(Action.VIEW))
def list_imports(workspace: WorkspaceDep, user: CurrentUser) -> list[LoadRead]:
    return [LoadRead.model_validate(load) for load in uploads.list_loads(workspace, actor=user)]


@router.get("/imports/{load_id}", response_model=LoadReportRead, **guarded(Action.VIEW))
def get_import(load_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> LoadReportRead:
    load, report = uploads.load_report(workspace, actor=user, load_id=load_id)
    return LoadReportRead(load=LoadRead.model_validate(load), report=report)


@router.post("/imports", response_model=ImportRead, status_code=201, **guarded(Action.IMPORT_DATA))
def create_import(
    workspace: WorkspaceDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="an .xlsx workbook or a .zip of CSV files")],
    as_of: Annotated[date | None, Form(description="the date the data is as of (default: today)")] = None,
) -> ImportRead:
    """A plain `def`: FastAPI runs it in a worker thread, so a long import never stops the event loop (and with it
    every other user's requests)."""
    outcome = uploads.import_upload(
        workspace, actor=user, filename=file.filename or "", stream=file.file, size=file.size, as_of=as_of
    )
    return ImportRead(
        status=outcome.status.value,
        load_id=outcome.load_id,
        content_hash=outcome.content_hash,
        row_counts=outcome.row_counts,
        report=outcome.report.to_dict(),
    )


def run_read(run: Run) -> RunRead:
    read = RunRead.model_validate(run)
    if run.started_at is not None and run.finished_at is not None:
        read.duration_seconds = (run.finished_at - run.started_at).total_seconds()
    return read


@router.get("/runs", response_model=list[RunRead], **guarded(Action.VIEW))
def list_runs(
    workspace: WorkspaceDep, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[RunRead]:
    return [run_read(run) for run in runs.list_runs(workspace, actor=user, limit=limit)]


@router.get("/runs/{run_id}", response_model=RunRead, **guarded(Action.VIEW))
def get_run(run_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> RunRead:
    return run_read(runs.get_run(workspace, actor=user, run_id=run_id))


@router.post("/runs", response_model=RunRead, status_code=202, **guarded(Action.RUN_STEP))
def create_run(body: RunCreate, workspace: WorkspaceDep, user: CurrentUser) -> RunRead:
    return run_read(runs.submit_run(workspace, actor=user, step=body.step, params=body.params))
