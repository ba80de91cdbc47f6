"""Demand review: hierarchy navigation, the forecast chart, the editable consensus grid and its Excel round trip.

Every edit goes through `services.overrides.set_override` with the row version the user saw, so a concurrent
change is refused (shown with the current value) and an approved plan refuses any edit with the service's message.
The page shows the stored draft; saving overrides queues the worker's recomputation of the draft (for the roles
that may plan), and the page follows that run without reloading under the user's typing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from opensop.cycle.permissions import Role
from opensop.cycle.status import OverrideLevel
from opensop.demand.consensus import OverrideKind, OverrideSource
from opensop.errors import InvalidRequest, OpenSOPError, StaleWrite
from opensop.ingest.numbers import NumberProblem
from opensop.periods import month_starts
from opensop.pipeline import PipelineStep
from opensop.reports.excel import MAX_UPLOAD_BYTES, CellChange, Grid, grid_workbook, read_grid_upload
from opensop.services import overrides, plan_runs, runs
from opensop.services.overrides import OverrideCell
from opensop.web import charts
from opensop.web.core import PREFIX, Page, WebRoute, page_of, parse_number, redirect, render
from opensop.web.planning import (
    Working,
    build_grid,
    cell_label,
    consensus_cells,
    current_cycle,
    hierarchy,
    in_place_panel,
    plan_run_panel,
    work_of,
    working,
)

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)

SOURCE_BY_ROLE = {
    Role.SALES: OverrideSource.SALES,
    Role.FINANCE: OverrideSource.FINANCE,
}


@dataclass(frozen=True)
class Scope:
    region: str = ""
    category: str = ""
    family: str = ""

    def query(self) -> str:
        return f"region={self.region}&category={self.category}&family={self.family}"


def _chart(work: Working, scope: Scope, t: Any) -> Any:
    """Monthly sales history, the stored statistical forecast with its interval, each source's view, consensus."""
    cells = consensus_cells(work)
    families = hierarchy(work.data)

    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({"item_id": str, "region_id": str}).merge(families, on="item_id", how="left")
        if scope.region:
            frame = frame[frame["region_id"] == scope.region]
        if scope.category:
            frame = frame[frame["category_id"] == scope.category]
        if scope.family:
            frame = frame[frame["family_id"] == scope.family]
        return frame

    sales = work.data.sales_history
    months = month_starts(sales["period"])
    history = pick(sales.assign(period=months)).groupby("period")["quantity"].sum().reset_index()
    chosen = pick(cells.drop(columns=["family_id", "category_id"]))
    stat = chosen.groupby("period", as_index=False)[["statistical", "lo_95", "hi_95"]].sum()
    value_columns = ["statistical", *map(str, OverrideSource), "consensus"]
    view = chosen.groupby("period", as_index=False)[value_columns].sum()
    return charts.demand_chart(history, stat.rename(columns={"statistical": "forecast"}), view, t)


def _replan(page: Page, work: Working, reason: str) -> None:
    """Queue the recomputation of the draft (as deep as it was planned) when the user's role may plan; a queued
    identical run is reused, and it reads the latest overrides when it starts."""
    if not work.editable or not page.can("edit_plan"):
        return
    request = plan_runs.PlanRequest(
        cycle_id=work.cycle.id, base_version_id=work.version.id, in_place=True, reason=reason
    )
    runs.submit_run(page.workspace, actor=page.user, step=plan_runs.PLAN_STEP, params=request.to_params())


def _demand_page(
    page: Page,
    work: Working | None,
    scope: Scope,
    *,
    messages: list[tuple[str, str]] | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    if work is None:
        cycle = current_cycle(page)
        panel = plan_run_panel(page, cycle, {"base_version_id": None}, shown_run=None, reload=True) if cycle else None
        return render(
            page,
            "demand.html",
            work=None,
            cycle=cycle,
            scope=scope,
            panel=panel,
            messages=messages or [],
            status=status,
        )
    grid = build_grid(work, region=scope.region, category=scope.category, family=scope.family)
    cells = consensus_cells(work)
    regions = sorted(set(cells["region_id"]))
    categories = sorted(set(cells["category_id"].dropna()))
    families = sorted(
        set(cells.loc[cells["category_id"] == scope.category, "family_id"] if scope.category else cells["family_id"])
    )
    return render(
        page,
        "demand.html",
        status=status,
        work=work,
        cycle=work.cycle,
        scope=scope,
        grid=grid,
        regions=regions,
        categories=categories,
        families=families,
        chart=_chart(work, scope, page.t),
        accuracy=work.summary.get("forecast", {}).get("accuracy", []),
        panel=in_place_panel(page, work, reload=False),
        pending=len(work.pending),
        overrides=sorted(work.overrides, key=lambda row: row.id, reverse=True)[:50],
        messages=messages or [],
        **extra,
    )


@router.get("/demand", response_class=HTMLResponse)
def demand_review(
    request: Request, version: int | None = None, region: str = "", category: str = "", family: str = ""
) -> HTMLResponse:
    page = page_of(request)
    return _demand_page(page, work_of(page, version), Scope(region, category, family))


@router.post("/demand/draft")
def create_draft(request: Request) -> Response:
    """Queue the cycle's working draft: the statistical forecast and its consensus (no override yet), computed by
    the worker; the page follows the run and shows the draft when it is stored."""
    page = page_of(request)
    cycle = current_cycle(page)
    if cycle is None:
        raise InvalidRequest("open a cycle first")
    draft = plan_runs.PlanRequest(
        cycle_id=cycle.id, until=PipelineStep.CONSENSUS, label="working draft", reason="demand review started"
    )
    runs.submit_run(page.workspace, actor=page.user, step=plan_runs.PLAN_STEP, params=draft.to_params())
    return redirect("/demand")


@router.post("/demand/recalculate")
def recalculate(request: Request, version: Annotated[int | None, Form()] = None) -> Response:
    """Queue the recomputation of the draft's consensus with the overrides entered since it was computed."""
    page = page_of(request)
    work = work_of(page, version)
    if work is None:
        raise InvalidRequest("there is no plan version yet", hint="create the working draft first")
    _replan(page, work, "consensus recalculated")
    return redirect(f"/demand?version={work.version.id}")


def _form_cells(form: Any, language: str) -> list[tuple[str, date, float, int, str]]:
    """(key, period, new value, row version, problem) for every grid cell whose text differs from what was shown;
    a value the page's language cannot read is NaN with the rule it breaks as its problem."""
    keys = {name[1:]: str(value) for name, value in form.items() if name.startswith("k")}
    periods = {name[1:]: str(value) for name, value in form.items() if name.startswith("p")}
    changed = []
    for name, raw in form.items():
        if not name.startswith("c") or "_" not in name:
            continue
        row, _, column = name[1:].partition("_")
        shown = str(form.get(f"o{row}_{column}", ""))
        text = str(raw)
        if text.strip() == shown.strip() or row not in keys or column not in periods:
            continue
        try:
            period = date.fromisoformat(periods[column])
            version = int(str(form.get(f"v{row}_{column}", "0")))
        except ValueError as error:
            raise InvalidRequest("the grid form was altered", hint="reload the page") from error
        problem = ""
        try:
            value = parse_number(text, language)
        except NumberProblem as refused:
            value, problem = float("nan"), f"{refused} ({refused.rule})"
        changed.append((keys[row], period, value, version, problem))
    return changed


def apply_changes(
    page: Page,
    work: Working,
    *,
    level: OverrideLevel,
    region: str,
    changes: list[CellChange],
    reason: str,
    comment: str,
) -> list[tuple[str, str]]:
    """Write each change through the overrides service; one message per refused cell, one for the saved ones.
    Saved changes queue the draft's recomputation."""
    messages: list[tuple[str, str]] = []
    saved = 0
    source = SOURCE_BY_ROLE.get(page.user.role, OverrideSource.DEMAND_PLANNER)
    for change in changes:
        label = cell_label(change.key, change.period)
        if math.isnan(change.new):
            messages.append(("bad", page.t("refused", cell=label, message=change.problem or "not a number")))
            continue
        try:
            cell = OverrideCell(
                plan_version_id=work.version.id,
                level=level,
                region_id=region,
                period=change.period,
                item_id=change.key if level is OverrideLevel.ITEM else "",
                family_id=change.key if level is OverrideLevel.FAMILY else "",
            )
            overrides.set_override(
                page.workspace,
                actor=page.user,
                cell=cell,
                value=change.new,
                kind=OverrideKind.ABSOLUTE,
                source=source,
                expected_row_version=change.row_version,
                reason=reason,
                comment=comment,
            )
            saved += 1
        except StaleWrite as stale:
            current = stale.current["value"] if stale.current else None
            messages.append(
                ("bad", page.t("conflict", cell=label, value="–" if current is None else f"{current:,.0f}"))
            )
        except OpenSOPError as error:
            messages.append(("bad", page.t("refused", cell=label, message=str(error))))
    if saved:
        messages.insert(0, ("ok", page.t("saved", n=saved)))
        _replan(page, work, "overrides saved")
    elif not changes:
        messages.append(("", page.t("nothing_changed")))
    return messages


@router.post("/demand/save", response_class=HTMLResponse)
async def save_grid(request: Request) -> HTMLResponse:
    """Async only to read the form; the saving itself (database, replanning) runs in a worker thread."""
    form = await request.form()
    return await run_in_threadpool(_save_grid, request, form)


def _save_grid(request: Request, form: Any) -> HTMLResponse:
    page = page_of(request)
    try:
        version = int(str(form.get("version", "")))
    except ValueError as error:
        raise InvalidRequest("the grid form was altered", hint="reload the page") from error
    scope = Scope(str(form.get("region", "")), str(form.get("category", "")), str(form.get("family", "")))
    work = work_of(page, version)
    if work is None:
        raise InvalidRequest("there is no plan version to edit")
    level = OverrideLevel.ITEM if scope.family else OverrideLevel.FAMILY
    changes = [
        CellChange(key, period, None, value, row_version, problem)
        for key, period, value, row_version, problem in _form_cells(form, page.language)
    ]
    messages = apply_changes(
        page,
        work,
        level=level,
        region=scope.region,
        changes=changes,
        reason=str(form.get("reason", "")),
        comment=str(form.get("comment", "")),
    )
    fresh = working(page, work.cycle, work.version)
    # an approved or submitted version refuses every edit: 409 like the API (the grid still shows why, per cell)
    return _demand_page(page, fresh, scope, messages=messages, status=200 if work.editable else 409)


@router.get("/demand/grid.xlsx")
def download_grid(
    request: Request, version: int | None = None, region: str = "", category: str = "", family: str = ""
) -> Response:
    page = page_of(request)
    work = work_of(page, version)
    if work is None:
        raise InvalidRequest("there is no plan version yet")
    grid = build_grid(work, region=region, category=category, family=family)
    name = f"demand_review_v{work.version.id}_{grid.level}_{region or 'all'}.xlsx"
    return Response(
        grid_workbook(grid),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _grid_for_upload(page: Page, plan_version_id: int, level: str, region: str) -> tuple[Working, Grid]:
    work = work_of(page, plan_version_id)
    if work is None:
        raise InvalidRequest("there is no plan version to edit")
    chosen = OverrideLevel.ITEM if level == OverrideLevel.ITEM.value else OverrideLevel.FAMILY
    return work, build_grid(work, region=region, level=chosen)


@router.post("/demand/upload", response_class=HTMLResponse)
def upload_grid(request: Request, file: Annotated[UploadFile | None, File()] = None) -> HTMLResponse:
    """Validate and diff an edited workbook; nothing is written until the user confirms the diff. A plain `def`:
    reading a workbook runs in a worker thread, not on the event loop."""
    page = page_of(request)
    if file is None or not file.filename:
        raise InvalidRequest("choose the edited workbook")
    content = file.file.read(MAX_UPLOAD_BYTES + 1)
    upload = read_grid_upload(content, None)
    if not upload.ok:
        work = work_of(page, None)
        return _demand_page(page, work, Scope(), upload=upload, status=422)
    work, grid = _grid_for_upload(page, upload.plan_version_id, upload.level, upload.region_id)
    upload = read_grid_upload(content, grid)
    scope = Scope(region=upload.region_id)
    return _demand_page(page, work, scope, upload=upload, status=200 if upload.ok else 422)


@router.post("/demand/apply", response_class=HTMLResponse)
async def apply_upload(request: Request) -> HTMLResponse:
    """Async only to read the form; applying the changes runs in a worker thread."""
    form = await request.form()
    return await run_in_threadpool(_apply_upload, request, form)


def _apply_upload(request: Request, form: Any) -> HTMLResponse:
    page = page_of(request)
    try:
        version = int(str(form.get("version", "")))
        count = int(str(form.get("count", "0")))
        changes = [
            CellChange(
                key=str(form.get(f"key{i}", "")),
                period=date.fromisoformat(str(form.get(f"period{i}", ""))),
                old=None,
                new=float(str(form.get(f"new{i}", ""))),
                row_version=int(str(form.get(f"rv{i}", "0"))),
            )
            for i in range(min(count, 10_000))
        ]
    except ValueError as error:
        raise InvalidRequest("the confirmation form was altered", hint="upload the workbook again") from error
    level_text = str(form.get("level", OverrideLevel.FAMILY.value))
    region = str(form.get("region", ""))
    work, _grid = _grid_for_upload(page, version, level_text, region)
    level = OverrideLevel.ITEM if level_text == OverrideLevel.ITEM.value else OverrideLevel.FAMILY
    reason = str(form.get("reason", "")) or "Excel upload"
    messages = apply_changes(
        page, work, level=level, region=region, changes=changes, reason=reason, comment=str(form.get("comment", ""))
    )
    fresh = working(page, work.cycle, work.version)
    return _demand_page(page, fresh, Scope(region=region), messages=messages)
