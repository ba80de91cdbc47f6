"""Scenarios (levers, run, side-by-side comparison with a recommendation) and the executive S&OP page
(one-page summary, approve / reject / publish through the plan-version service, the executive pack)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from opensop.cycle.plan_measures import key_numbers, plan_risks
from opensop.cycle.status import DecisionStatus, PlanStatus
from opensop.errors import InvalidRequest, NotFoundError
from opensop.finance.projection import FinancialPlan
from opensop.reports import pack as packs
from opensop.scenarios import Scenario
from opensop.scenarios.compare import decision_score
from opensop.services import collaboration, plan_runs, plans, scenario_definitions, scenario_runs
from opensop.services.limits import json_problem
from opensop.services.records import PlanVersion
from opensop.web.core import PREFIX, Page, WebRoute, page_of, parse_number, redirect, render
from opensop.web.planning import (
    current_cycle,
    plan_run_panel,
    stored_finance,
    stored_measures,
    versions,
)

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)
KPI_KEYS = (
    "revenue",
    "gross_margin",
    "margin_pct",
    "inventory_value",
    "cash_flow",
    "plan_cost",
    "fill_rate",
    "units_lost",
)
MAX_LEVERS_TEXT = 20_000
HIGHER_IS_BETTER = {"revenue", "gross_margin", "margin_pct", "cash_flow", "fill_rate"}


def _kpis(page: Page, version: PlanVersion) -> dict[str, float]:
    return key_numbers(stored_finance(page, version))


def compare(page: Page, chosen: list[PlanVersion]) -> dict[str, Any]:
    """KPIs of each version side by side, deltas against the first, and the decision recommended.

    The rule is the pre-S&OP's (`opensop.scenarios.compare`): only a version of a *response* scenario (one with a
    decision lever) can be recommended, scored against the version of the scenario it answers (else the first
    chosen) on contribution, investment and value not served on time; assumptions are never recommended.
    """
    numbers = {v.id: _kpis(page, v) for v in chosen}
    first = numbers[chosen[0].id]
    rows = [
        {
            "key": key,
            "values": [numbers[v.id][key] for v in chosen],
            "deltas": [numbers[v.id][key] - first[key] for v in chosen],
            "better": key in HIGHER_IS_BETTER,
        }
        for key in KPI_KEYS
    ]
    stored = {s.name: s for s in scenario_runs.stored_scenarios(page.workspace, actor=page.user)}
    catalogue = {
        v.id: plan_runs.version_summary(page.workspace, actor=page.user, version=v).get("kpis") or {} for v in chosen
    }
    by_name = {v.scenario: v for v in chosen}
    best: PlanVersion | None = None
    best_score = 0.0
    for version in chosen:
        scenario = stored.get(version.scenario)
        if scenario is None or not scenario.is_response:
            continue
        reference = by_name.get(scenario.base, chosen[0])
        if reference.id == version.id or not catalogue[version.id] or not catalogue[reference.id]:
            continue
        score = decision_score(catalogue[version.id], catalogue[reference.id])
        if score > best_score:
            best, best_score = version, score
    return {"versions": chosen, "rows": rows, "recommended": best, "score": best_score}


def _ids(raw: list[str]) -> list[int]:
    try:
        return [int(x) for x in raw if x]
    except ValueError as error:
        raise InvalidRequest("choose plan versions from the list") from error


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(request: Request) -> HTMLResponse:
    page = page_of(request)
    cycle = current_cycle(page)
    found = versions(page, cycle) if cycle else []
    chosen_ids = _ids(request.query_params.getlist("v"))
    chosen = [v for v in found if v.id in chosen_ids]
    comparison = compare(page, chosen) if len(chosen) >= 2 else None
    definitions = scenario_definitions.list_scenarios(page.workspace, actor=page.user)
    shown = max((v.run_id or 0 for v in found), default=0)
    panel = plan_run_panel(page, cycle, {"in_place": False}, shown_run=shown, reload=True) if cycle else None
    return render(
        page,
        "scenarios.html",
        cycle=cycle,
        versions=found,
        definitions=definitions,
        comparison=comparison,
        panel=panel,
    )


@router.post("/scenarios/run")
def run_scenario(
    request: Request,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    demand_pct: Annotated[str, Form()] = "0",
    capacity_pct: Annotated[str, Form()] = "0",
    answers: Annotated[str, Form()] = "",
    levers: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Store the scenario (the one lever model: the quick percentages and any lever of the JSON list) and queue
    its plan run on the working draft; the worker saves it as a draft version named after the scenario."""
    page = page_of(request)
    try:
        quick = plan_runs.Levers(
            parse_number(demand_pct or "0", page.language), parse_number(capacity_pct or "0", page.language)
        )
    except ValueError as error:
        raise InvalidRequest("levers are percentages", hint="type a number such as -10 or 15") from error
    if len(levers) > MAX_LEVERS_TEXT:
        raise InvalidRequest(f"the levers text is longer than {MAX_LEVERS_TEXT} characters")
    try:
        more = json.loads(levers) if levers.strip() else []
    except json.JSONDecodeError as error:
        raise InvalidRequest(f"the levers are not valid JSON: {error.msg} (character {error.pos})") from error
    if problem := json_problem(more):
        raise InvalidRequest(f"the levers cannot be used: {problem}")
    scenario = Scenario(
        name=name.strip(),
        levers=quick.to_levers() + plan_runs.parse_levers(more),
        description=description,
        base=answers.strip() or "base",
    )
    if not scenario.name:
        raise InvalidRequest("name the scenario")
    scenario_runs.save_scenario(page.workspace, actor=page.user, scenario=scenario, reason="scenario form")
    scenario_runs.queue_scenario(page.workspace, actor=page.user, name=scenario.name)
    return redirect("/scenarios")


@router.post("/scenarios/run-stored")
def run_stored_scenario(request: Request, name: Annotated[str, Form()] = "") -> RedirectResponse:
    """Queue a stored scenario (made here, by the CLI or the API) on the working draft, as `POST /scenarios/{id}/run`
    and `opensop scenario compare` do: one service, `scenario_runs.queue_scenario`."""
    page = page_of(request)
    scenario_runs.queue_scenario(page.workspace, actor=page.user, name=name.strip())
    return redirect("/scenarios")


def _risks(page: Page, measures: pd.DataFrame) -> list[str]:
    """The plan's risks (`cycle.plan_measures.plan_risks`) in the page's language."""
    worded = []
    for risk in plan_risks(measures):
        if risk["kind"] == "lost_sales":
            items = ", ".join(f"{item} {page.number(units)}" for item, units in risk["items"])
            worded.append(page.t("risk_lost_sales", items=items))
        else:
            share = page.percent(risk["share"])
            worded.append(
                page.t("risk_capacity", resource=risk["resource"], share=share, month=f"{risk['period']:%Y-%m}")
            )
    return worded


def _monthly(finance: FinancialPlan) -> pd.DataFrame:
    summary = finance.summary(["period"])
    return summary[["period", "revenue", "gross_margin", "inventory_value"]] if len(summary) else summary


def _pack(page: Page, version: PlanVersion) -> packs.PackData:
    cycle = current_cycle(page)
    decisions = (
        [
            d.decision
            for d in collaboration.list_decisions(page.workspace, actor=page.user, cycle_id=cycle.id)
            if d.status == DecisionStatus.OPEN
        ]
        if cycle
        else []
    )
    labels = {key: page.t(key) for key in (*KPI_KEYS, "decisions_required", "risks")}
    return packs.PackData(
        title=f"{page.t('nav_executive')} – {page.t('summary')}",
        cycle=f"{page.t('cycle')} {cycle.period:%Y-%m}" if cycle else "",
        version_id=version.id,
        scenario=version.scenario,
        status=version.status,
        kpis=_kpis(page, version),
        monthly=_monthly(stored_finance(page, version)),
        decisions=decisions,
        risks=_risks(page, stored_measures(page, version)),
        labels=labels,
        language=page.language,
    )


@router.get("/executive", response_class=HTMLResponse)
def executive(request: Request, version: int | None = None) -> HTMLResponse:
    page = page_of(request)
    cycle = current_cycle(page)
    found = versions(page, cycle) if cycle else []
    candidates = [v for v in found if v.status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.PUBLISHED)]
    chosen = next((v for v in found if v.id == version), None) or (candidates[-1] if candidates else None)
    data: dict[str, Any] = {"cycle": cycle, "versions": found, "candidates": candidates, "chosen": chosen}
    if chosen is not None and stored_finance(page, chosen).lines.size:
        data["pack"] = _pack(page, chosen)
        data["comparison"] = compare(page, candidates) if len(candidates) >= 2 else None
    return render(page, "executive.html", **data)


@router.post("/executive/{version_id}/decide")
def decide(
    request: Request, version_id: int, decision: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = ""
) -> RedirectResponse:
    page = page_of(request)
    targets = {"approve": PlanStatus.APPROVED, "reject": PlanStatus.REJECTED, "publish": PlanStatus.PUBLISHED}
    if decision not in targets:
        raise InvalidRequest("choose approve, reject or publish")
    plans.transition(page.workspace, actor=page.user, version_id=version_id, target=targets[decision], reason=comment)
    return redirect(f"/executive?version={version_id}")


def _approved(page: Page, version: int | None) -> PlanVersion:
    if version is not None:
        return plans.get_version(page.workspace, actor=page.user, version_id=version)
    cycle = current_cycle(page)
    found = [
        v for v in (versions(page, cycle) if cycle else []) if v.status in (PlanStatus.APPROVED, PlanStatus.PUBLISHED)
    ]
    if not found:
        raise NotFoundError("there is no approved plan in this cycle yet", hint="the executives approve one first")
    return found[-1]


@router.get("/executive/pack.html", response_class=HTMLResponse)
def pack_html(request: Request, version: int | None = None) -> HTMLResponse:
    page = page_of(request)
    return HTMLResponse(packs.to_html(_pack(page, _approved(page, version))))


@router.get("/executive/pack.pdf")
def pack_pdf(request: Request, version: int | None = None) -> Response:
    page = page_of(request)
    chosen = _approved(page, version)
    pdf = packs.to_pdf(packs.to_html(_pack(page, chosen)))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="sop_pack_v{chosen.id}.pdf"'},
    )


@router.get("/executive/plan.xlsx")
def plan_xlsx(request: Request, version: int | None = None) -> Response:
    page = page_of(request)
    chosen = _approved(page, version)
    return Response(
        packs.plan_workbook(_pack(page, chosen), stored_measures(page, chosen)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="approved_plan_v{chosen.id}.xlsx"'},
    )
