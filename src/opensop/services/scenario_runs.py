"""Use cases of the pre-S&OP: scenarios stored as definitions, planned as draft versions through the plan service,
compared, and the decision recommended.

A scenario (`opensop.scenarios.Scenario`) is a recipe: levers applied in order to the consensus and the data. Its
definition row keeps the recipe as JSON — `{"base": ..., "levers": [...], "config_overrides": {...}}`, the one lever
model every door writes (the CLI's files, the API, the web form) and `Scenario.from_dict` validates where it enters.
A scenario whose `base` names another scenario answers it: it is planned with that scenario's levers first.

Running a scenario is a plan run on the cycle's working draft (`opensop.services.plan_runs`): the draft's kept
forecast and its overrides, then the levers, stored as a draft version named after the scenario — so the plan that
is compared is the plan that can be submitted and approved, and the forecast is never made again for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from opensop.cycle.permissions import Action, require
from opensop.cycle.status import CycleStatus
from opensop.errors import NotFoundError, OpenSOPError
from opensop.pipeline import CycleResult, PipelineStep
from opensop.scenarios import Comparison, Scenario, compare
from opensop.scenarios.levers import no_investments
from opensop.scenarios.run import ScenarioResult
from opensop.scenarios.scenario import chained_levers
from opensop.services import cycles, plan_runs, plans, runs, scenario_definitions
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store.cycle_tables import PlanningCycle, PlanVersion, Run, ScenarioDefinition

BASE_NAME = "Base"
ScenarioProgress = Callable[[str], None]


def scenario_of(row: ScenarioDefinition) -> Scenario:
    document = scenario_definitions.scenario_document(row.name, row.levers)
    return Scenario.from_dict({"name": row.name, "description": row.description, **document})


def store_scenario(workspace: Workspace, *, actor: Principal, scenario: Scenario) -> ScenarioDefinition:
    """Keep a scenario as a definition row (audited)."""
    return scenario_definitions.create_scenario(
        workspace,
        actor=actor,
        name=scenario.name,
        levers=scenario_definitions.scenario_document(scenario.name, scenario.to_dict()),
        description=scenario.description,
    )


def save_scenario(
    workspace: Workspace, *, actor: Principal, scenario: Scenario, reason: str = ""
) -> ScenarioDefinition:
    """Create the scenario, or replace the recipe of the one of that name (the web form re-runs by name)."""
    document = scenario_definitions.scenario_document(scenario.name, scenario.to_dict())
    existing = {row.name: row for row in scenario_definitions.list_scenarios(workspace, actor=actor)}
    row = existing.get(scenario.name)
    if row is None:
        return scenario_definitions.create_scenario(
            workspace, actor=actor, name=scenario.name, levers=document, description=scenario.description
        )
    return scenario_definitions.update_scenario(
        workspace,
        actor=actor,
        scenario_id=row.id,
        expected_row_version=row.row_version,
        levers=document,
        description=scenario.description,
        reason=reason,
    )


def stored_scenarios(workspace: Workspace, *, actor: Principal) -> list[Scenario]:
    return [scenario_of(row) for row in scenario_definitions.list_scenarios(workspace, actor=actor)]


def delete_scenario(workspace: Workspace, *, actor: Principal, name: str, reason: str = "") -> None:
    rows = {row.name: row for row in scenario_definitions.list_scenarios(workspace, actor=actor)}
    if name not in rows:
        raise NotFoundError(f"no scenario named {name!r}", hint="see `opensop scenario list`")
    scenario_definitions.delete_scenario(workspace, actor=actor, scenario_id=rows[name].id, reason=reason)


@dataclass(frozen=True)
class WorkingPlan:
    cycle: PlanningCycle
    draft: PlanVersion


def working_plan(workspace: Workspace, *, actor: Principal) -> WorkingPlan:
    """The open cycle's working draft (`plans.working_version`): what every scenario is planned from."""
    found = [c for c in cycles.list_cycles(workspace, actor=actor) if c.status == CycleStatus.OPEN]
    if not found:
        raise NotFoundError("there is no open cycle", hint="`opensop plan` opens the cycle of the latest actuals")
    draft = plans.working_version(workspace, actor=actor, cycle_id=found[0].id)
    if draft is None:
        raise NotFoundError(
            f"cycle {found[0].period:%Y-%m} has no plan yet", hint="`opensop plan` stores its working draft"
        )
    return WorkingPlan(found[0], draft)


def _request(work: WorkingPlan, scenario: Scenario, known: dict[str, Scenario]) -> plan_runs.PlanRequest:
    config = plans.parse_config(work.draft.config)
    return plan_runs.PlanRequest(
        cycle_id=work.cycle.id,
        base_version_id=work.draft.id,
        scenario=scenario.name,
        label=scenario.description[:200],
        levers=chained_levers(scenario, known),
        until=PipelineStep.KPI,
        config=scenario.configure(config) if config is not None and scenario.config_overrides else None,
        reason=f"scenario {scenario.name}",
    )


def queue_scenario(workspace: Workspace, *, actor: Principal, name: str) -> Run:
    """Queue the plan run of a stored scenario on the working draft; the worker stores its version."""
    known = {s.name: s for s in stored_scenarios(workspace, actor=actor)}
    if name not in known:
        raise NotFoundError(f"no scenario named {name!r}")
    request = _request(working_plan(workspace, actor=actor), known[name], known)
    return runs.submit_run(workspace, actor=actor, step=plan_runs.PLAN_STEP, params=request.to_params())


def _as_result(scenario: Scenario, result: CycleResult, seconds: float) -> ScenarioResult:
    finance, kpis = result.finance, result.kpis
    if finance is None or kpis is None:
        raise RuntimeError("a compared plan runs through the KPIs")
    investments = result.investments if result.investments is not None else no_investments()
    return ScenarioResult(scenario, result.config, result.require_supply(), finance, kpis, investments, seconds)


@dataclass(frozen=True)
class ScenarioComparison:
    """The comparison and the draft version each scenario was stored as (name -> version id)."""

    comparison: Comparison
    versions: dict[str, int]
    base_version_id: int


def compare_scenarios(
    workspace: Workspace,
    *,
    actor: Principal,
    names: Sequence[str] = (),
    progress: ScenarioProgress | None = None,
) -> ScenarioComparison:
    """Plan the named stored scenarios (all when none named) on the working draft, one version each, and compare
    them with the draft re-planned as it is. A scenario that cannot be planned (a lever naming nothing, no feasible
    plan) fails alone, by name; the others are compared."""
    require(actor.role, Action.EDIT_PLAN)
    say = progress or (lambda _message: None)
    known = {s.name: s for s in stored_scenarios(workspace, actor=actor)}
    if names:
        missing = sorted(set(names) - set(known))
        if missing:
            raise NotFoundError(f"no scenario named {', '.join(missing)}", hint="see `opensop scenario list`")
    chosen = [known[name] for name in (names or sorted(known))]
    if not chosen:
        raise NotFoundError("no scenario to compare", hint="create one with `opensop scenario create FILE.json`")
    work = working_plan(workspace, actor=actor)
    say(f"the working draft v{work.draft.id} as it is")
    started = time.perf_counter()
    reference = plan_runs.PlanRequest(
        cycle_id=work.cycle.id, base_version_id=work.draft.id, scenario="base", levers=(), until=PipelineStep.KPI
    )
    base = Scenario(BASE_NAME, description=f"the working draft v{work.draft.id}")
    results = [
        _as_result(
            base, plan_runs.plan_in_memory(workspace, actor=actor, request=reference), time.perf_counter() - started
        )
    ]
    versions: dict[str, int] = {}
    failures: dict[str, str] = {}
    for scenario in chosen:
        say(scenario.name)
        started = time.perf_counter()
        try:
            _, outcome = runs.plan_here(workspace, actor=actor, request=_request(work, scenario, known))
        except OpenSOPError as error:
            failures[scenario.name] = str(error)
            continue
        versions[scenario.name] = int(outcome.summary["plan_version_id"])
        results.append(_as_result(replace(scenario), outcome.result, time.perf_counter() - started))
    comparison = compare(results, base=BASE_NAME, failures=failures)
    return ScenarioComparison(comparison, versions, work.draft.id)
