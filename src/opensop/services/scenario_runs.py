"""Use cases of the pre-S&OP: store scenarios (a Scenario's JSON in the scenario definition), run and compare them
on the workspace's latest data against the base plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from opensop.config import PlanningConfig
from opensop.cycle.permissions import Action, require
from opensop.errors import NotFoundError
from opensop.pipeline import PipelineStep, run_pipeline
from opensop.scenarios import AUTO, BASE, Comparison, Scenario, Workers, compare, run_many
from opensop.services import scenario_definitions
from opensop.services.auth import Principal
from opensop.services.imports import current_dataset
from opensop.services.workspace import Workspace
from opensop.store.cycle_tables import ScenarioDefinition


def store_scenario(workspace: Workspace, *, actor: Principal, scenario: Scenario) -> ScenarioDefinition:
    """Keep a scenario as a definition row (audited); its levers and settings are the Scenario's own JSON."""
    content = {key: value for key, value in scenario.to_dict().items() if key not in ("name", "description")}
    return scenario_definitions.create_scenario(
        workspace, actor=actor, name=scenario.name, levers=content, description=scenario.description
    )


def stored_scenarios(workspace: Workspace, *, actor: Principal) -> list[Scenario]:
    rows = scenario_definitions.list_scenarios(workspace, actor=actor)
    return [Scenario.from_dict({"name": r.name, "description": r.description, **r.levers}) for r in rows]


def compare_scenarios(
    workspace: Workspace,
    *,
    actor: Principal,
    names: Sequence[str] = (),
    config: PlanningConfig | None = None,
    workers: Workers = AUTO,
) -> Comparison:
    """Run the base and the named stored scenarios (all when none named) on the latest load and compare them.

    The base demand is the consensus of the demand review on that load, so every scenario moves from the same
    starting point; results stack under the scenario name, nothing is copied in the database. `workers`: see
    `opensop.scenarios.run_many` (AUTO starts processes only when the batch is long enough to repay them).
    """
    require(actor.role, Action.VIEW)
    chosen = stored_scenarios(workspace, actor=actor)
    if names:
        missing = sorted(set(names) - {s.name for s in chosen})
        if missing:
            raise NotFoundError(f"no scenario named {', '.join(missing)}", hint="see `opensop scenario list`")
        chosen = [s for s in chosen if s.name in names]
    if not chosen:
        raise NotFoundError("no scenario to compare", hint="create one with `opensop scenario create FILE.json`")
    planning = config or PlanningConfig()
    _, data = current_dataset(workspace)
    base = run_pipeline(data, planning, until=PipelineStep.CONSENSUS)
    scenarios = [BASE, *[s for s in chosen if s.name != BASE.name]]
    results = run_many(data, base.supply_demand(), scenarios, planning, workers=workers)
    return compare(results, base=BASE.name)
