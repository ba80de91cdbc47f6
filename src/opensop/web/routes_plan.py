"""Supply review (run the plan, capacity heatmap, shortfalls and why, inventory vs safety stock) and financial
review (key numbers, plan vs budget and vs the last plan of record, waterfall of the gaps)."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from opensop.cycle.status import PlanStatus
from opensop.errors import NotFoundError
from opensop.finance.gaps import vs_budget, vs_plan
from opensop.finance.projection import FinancialPlan
from opensop.services import plans
from opensop.services.failures import InvalidRequest
from opensop.store.cycle_tables import PlanVersion
from opensop.web import charts, results
from opensop.web.core import PREFIX, Page, WebRoute, page_of, redirect, render
from opensop.web.planning import Working, current_cycle, stored_finance, working, working_version

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)
TOP_SHORTFALLS = 25


def _work(page: Page, version: int | None) -> Working | None:
    cycle = current_cycle(page)
    if cycle is None:
        return None
    chosen = working_version(page, cycle, version)
    return working(page, cycle, chosen) if chosen is not None else None


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(key): value for key, value in row.items()} for row in frame.to_dict(orient="records")]


def _shortfalls(frame: pd.DataFrame) -> list[dict[str, Any]]:
    worst = frame.sort_values("quantity", ascending=False).head(TOP_SHORTFALLS)
    return [
        {
            "item_id": row.item_id,
            "region_id": row.region_id,
            "period": row.period,
            "quantity": row.quantity,
            "binding": row.binding,
            "binding_period": None if pd.isna(row.binding_period) else row.binding_period,
            "shadow_price": row.shadow_price,
            "relief": row.relief,
        }
        for row in worst.itertuples()
    ]


@router.get("/supply", response_class=HTMLResponse)
def supply_review(request: Request, version: int | None = None, item: str = "") -> HTMLResponse:
    page = page_of(request)
    work = _work(page, version)
    outcome = results.cached_plan(work.load_id, work.config, work.overrides) if work else None
    data: dict[str, Any] = {"work": work, "outcome": outcome, "item": item}
    if outcome is not None and outcome.result.supply is not None:
        supply = outcome.result.supply
        data["solve"] = supply.solve
        if supply.solve.is_ok:
            data["heatmap"] = charts.heatmap(supply.capacity)
            data["shortfalls"] = _shortfalls(supply.shortfalls)
            data["shortfall_count"] = len(supply.shortfalls)
            inventory = supply.inventory[supply.inventory["kind"] != "component"]
            items = sorted(set(inventory["item_id"].astype(str)))
            chosen = item if item in items else (items[0] if items else "")
            data["items"] = items
            data["item"] = chosen
            mine = (
                inventory[inventory["item_id"].astype(str) == chosen].groupby("period")["quantity"].sum().reset_index()
            )
            safety = supply.safety_stock
            level = float(safety.loc[safety["item_id"].astype(str) == chosen, "safety_stock"].sum())
            data["inventory_chart"] = charts.inventory_chart(mine, level, page.t)
    return render(page, "supply.html", **data)


@router.post("/supply/run")
def run_plan(request: Request, version: Annotated[int | None, Form()] = None) -> RedirectResponse:
    """Consensus -> supply -> finance on the working draft, stored as its content (a planner's action)."""
    page = page_of(request)
    work = _work(page, version)
    if work is None:
        raise InvalidRequest("there is no plan version yet", hint="start the demand review first")
    outcome = results.run_plan(work.load_id, work.data, work.config, work.overrides)
    plans.replace_measures(
        page.workspace,
        actor=page.user,
        version_id=work.version.id,
        measures=results.plan_measures(outcome),
        reason="plan run from the supply review",
    )
    return redirect(f"/supply?version={work.version.id}")


@router.post("/plan/{version_id}/submit")
def submit(
    request: Request, version_id: int, reason: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "/"
) -> RedirectResponse:
    page = page_of(request)
    plans.transition(page.workspace, actor=page.user, version_id=version_id, target=PlanStatus.SUBMITTED, reason=reason)
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
        "kpis": results.kpis(finance),
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
    work = _work(page, version)
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
