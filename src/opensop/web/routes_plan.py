"""Supply review (run the plan, capacity heatmap, shortfalls and why, inventory vs safety stock) and financial
review (key numbers, plan vs budget and vs the last plan of record, waterfall of the gaps).

"Run the plan" queues the worker's plan run on the draft; both pages read the stored version and the summary of the
run that computed it (solver status, shortfall reasons, safety stocks), never a computation of their own."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from opensop.cycle.plan_measures import capacity_use, key_numbers
from opensop.cycle.status import PlanStatus
from opensop.errors import InvalidRequest, NotFoundError
from opensop.finance.gaps import vs_budget, vs_plan
from opensop.finance.projection import FinancialPlan
from opensop.pipeline import PipelineStep
from opensop.services import plan_runs, plans, runs
from opensop.services.records import PlanVersion
from opensop.web import charts
from opensop.web.core import PREFIX, Page, WebRoute, page_of, redirect, render
from opensop.web.planning import (
    BASE_SCENARIO,
    Working,
    in_place_panel,
    stored_finance,
    work_of,
)

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(key): value for key, value in row.items()} for row in frame.to_dict(orient="records")]


@router.get("/supply", response_class=HTMLResponse)
def supply_review(request: Request, version: int | None = None, item: str = "") -> HTMLResponse:
    page = page_of(request)
    work = work_of(page, version)
    data: dict[str, Any] = {"work": work, "supply": None, "item": item, "panel": None}
    if work is None:
        return render(page, "supply.html", **data)
    data["panel"] = in_place_panel(page, work, reload=True)
    data["pending"] = len(work.pending)
    data["can_run"] = work.editable and work.version.scenario == BASE_SCENARIO and page.can("edit_plan")
    supply = work.summary.get("supply")
    if supply is not None:
        data["supply"] = supply
        data["heatmap"] = charts.heatmap(capacity_use(work.measures))
        measures = work.measures
        safety = {str(k): v for k, v in supply.get("safety_stock", {}).items()}
        inventory = measures[(measures["measure"] == "inventory_quantity") & measures["item_id"].isin(list(safety))]
        items = sorted(set(inventory["item_id"].astype(str)))
        chosen = item if item in items else (items[0] if items else "")
        mine = inventory[inventory["item_id"] == chosen].groupby("period")["value"].sum().reset_index()
        data["items"] = items
        data["item"] = chosen
        data["inventory_chart"] = charts.inventory_chart(
            mine.rename(columns={"value": "quantity"}), float(safety.get(chosen) or 0.0), page.t
        )
    return render(page, "supply.html", **data)


@router.post("/supply/run")
def run_plan(request: Request, version: Annotated[int | None, Form()] = None) -> RedirectResponse:
    """Queue consensus -> supply -> finance on the working draft (a planner's action); the page follows the run."""
    page = page_of(request)
    work = work_of(page, version)
    if work is None:
        raise InvalidRequest("there is no plan version yet", hint="start the demand review first")
    plan = plan_runs.PlanRequest(
        cycle_id=work.cycle.id,
        base_version_id=work.version.id,
        in_place=True,
        until=PipelineStep.KPI,
        reason="plan run from the supply review",
    )
    runs.submit_run(page.workspace, actor=page.user, step=plan_runs.PLAN_STEP, params=plan.to_params())
    return redirect(f"/supply?version={work.version.id}")


@router.post("/plan/{version_id}/submit")
def submit(
    request: Request, version_id: int, reason: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "/"
) -> RedirectResponse:
    page = page_of(request)
    plans.transition(page.workspace, actor=page.user, version_id=version_id, target=PlanStatus.SUBMITTED, reason=reason)
    return redirect(back if back.startswith("/") and not back.startswith("//") else "/")


@router.post("/plan/{version_id}/revise")
def revise(
    request: Request, version_id: int, reason: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "/"
) -> RedirectResponse:
    """A new draft copying a submitted or rejected version, which the pages then work on (the latest draft)."""
    page = page_of(request)
    plans.revise(page.workspace, actor=page.user, version_id=version_id, reason=reason or "revised from the web")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "/")


_REVIEWS: dict[tuple[Any, ...], dict[str, Any]] = {}


def _review(page: Page, work: Working, finance: FinancialPlan) -> dict[str, Any]:
    """Key numbers and gaps of a stored version, computed once per (version, content, load, plan of record)."""
    try:
        record: PlanVersion | None = plans.plan_of_record(page.workspace, actor=page.user)
    except NotFoundError:
        record = None
    key = (work.version.id, work.version.content_hash, work.load_id, record.id if record else None)
    if key in _REVIEWS:
        return _REVIEWS[key]
    budget = vs_budget(finance, work.data.budget, by=("family_id",))
    lines = ["revenue", "gross_margin", "inventory_value", "cash_flow", "plan_cost"]
    review = {
        "kpis": key_numbers(finance),
        "budget": budget,
        "vs_last": records(vs_plan(finance, stored_finance(page, record), lines=lines)) if record else [],
    }
    _REVIEWS[key] = review
    while len(_REVIEWS) > 16:
        _REVIEWS.pop(next(iter(_REVIEWS)))
    return review


@router.get("/finance", response_class=HTMLResponse)
def financial_review(request: Request, version: int | None = None) -> HTMLResponse:
    page = page_of(request)
    work = work_of(page, version)
    data: dict[str, Any] = {"work": work, "has_plan": False}
    if work is not None:
        finance = stored_finance(page, work.version)
        if len(finance.lines):
            review = _review(page, work, finance)
            budget = review["budget"]
            revenue = budget[budget["measure"] == "revenue"]
            data.update(
                has_plan=True,
                kpis=review["kpis"],
                budget=records(budget),
                vs_last=review["vs_last"],
                waterfall=charts.waterfall(
                    [str(f) for f in revenue["family_id"]],
                    [float(g) for g in revenue["gap"]],
                    float(revenue["reference"].sum()),
                    page.t,
                ),
            )
    return render(page, "finance.html", **data)
