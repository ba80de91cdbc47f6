"""Plan runs: the monthly job on a cycle's data, executed by the worker and stored as a draft plan version.

forecast -> reconcile -> consensus (with the overrides of the version the run starts from) -> levers -> supply ->
finance -> KPIs, through `opensop.pipeline`'s own steps. The run reads everything it needs in one transaction at its
start and writes its whole result with ONE plans-service call at its end — `create_version` for a new draft,
`replace_measures` to recompute a draft in place — so a killed worker leaves no half-written plan, and a draft that
was submitted meanwhile refuses the write (the run fails with that message). A supply plan without a solution fails
the run and writes nothing: a version always holds a usable plan.

The statistical forecast is the expensive part (most of the minute on the demo company; the other steps take
seconds). It is kept as measures of the version it was made for (`opensop.cycle.plan_measures`) and reused when a
run starts from a version with the same dataset load and planning configuration: re-planning after an override, or
a scenario on the working draft. Why there rather than in a table or a file of its own: it is written in the same
transaction as the plan, covered by the same content hash, shared by every worker and web process through the
database, and it cannot outlive or contradict the plan it belongs to. Content written outside a run unlinks the
version from its run (`plans.replace_measures`), and such a version's forecast is recomputed rather than trusted.

The run's summary (stored on the run) carries what a page shows besides measures: the accuracy of the forecast
models, the shortfalls with their reasons, safety stocks, KPIs, and the override rows the consensus included.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from opensop.config import PlanningConfig
from opensop.cycle.permissions import Action, require
from opensop.cycle.plan_content import DIMENSIONS, conform_measures, measure_hash
from opensop.cycle.plan_measures import plan_measures, statistical_cells
from opensop.cycle.status import CycleStatus, PlanStatus
from opensop.errors import InfeasiblePlanError, InvalidRequest, InvalidTransition, NotFoundError, SolverError
from opensop.periods import months_between
from opensop.pipeline import OVERRIDE_COLUMNS, PIPELINE_STEPS, CycleResult, PipelineStep, restore_forecast, run_steps
from opensop.scenarios.levers import CapacityScale, DemandChange, Lever, lever_from_dict
from opensop.scenarios.scenario import Scenario
from opensop.schema.frames import PlanningData
from opensop.services import plans
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.cycle_tables import PlanningCycle, PlanOverride, PlanVersion, Run
from opensop.store.database import transaction
from opensop.supply import SolveStatus
from opensop.supply.health import health_check
from opensop.supply.requirements import rough_cut_overloads

PLAN_STEP = "plan"
MAX_ID = 2**31 - 2
LEVER_RANGE = (-90.0, 200.0)
TOP_SHORTFALLS = 25
RunProgress = Callable[[float, str], None]


@dataclass(frozen=True)
class Levers:
    """The quick what-ifs of the web form and the API's plan-run body: the consensus demand and the capacity of
    every resource, in percent. They are written as the scenario levers they mean (`to_levers`), so a quick
    scenario is stored, run, listed and compared like any other."""

    demand_pct: float = 0.0
    capacity_pct: float = 0.0

    def __post_init__(self) -> None:
        low, high = LEVER_RANGE
        if not (low <= self.demand_pct <= high and low <= self.capacity_pct <= high):
            raise InvalidRequest(f"levers must stay between {low:g} % and +{high:g} %")

    def to_levers(self) -> tuple[Lever, ...]:
        chosen: list[Lever] = []
        if self.demand_pct:
            chosen.append(DemandChange(pct=self.demand_pct))
        if self.capacity_pct:
            chosen.append(CapacityScale(pct=self.capacity_pct))
        return tuple(chosen)


def parse_levers(raw: Any) -> tuple[Lever, ...]:
    """Levers as stored or sent: a list of lever objects (`opensop.scenarios.levers`), or the quick form
    {demand_pct, capacity_pct} that runs queued before levers were one model still carry."""
    if raw is None:
        return ()
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - {"demand_pct", "capacity_pct"})
        if unknown:
            raise InvalidRequest(f"unknown lever(s): {', '.join(unknown)}", hint="give a list of levers")
        return Levers(float(raw.get("demand_pct", 0.0)), float(raw.get("capacity_pct", 0.0))).to_levers()
    if not isinstance(raw, list):
        raise InvalidRequest("levers are a list of lever objects", hint='e.g. [{"kind": "demand_change", "pct": 10}]')
    return tuple(lever_from_dict(item, position=index + 1) for index, item in enumerate(raw))


def levers_json(levers: tuple[Lever, ...]) -> list[dict[str, Any]]:
    return [lever.to_dict() for lever in levers]


@dataclass(frozen=True)
class PlanRequest:
    """What to plan. Without `base_version_id` a new draft is planned from the cycle's data without overrides;
    with it, the run uses that version's overrides, dataset load, configuration and kept forecast, and either
    replaces its content (`in_place`, a draft only) or creates a new draft (a scenario). `until` is the last
    pipeline step; None plans an in-place run as deep as the version's current content (recomputing a consensus
    after an override keeps a supply plan if the version had one) and a new version through the KPIs. `levers`
    None means: the version's own levers when it is recomputed in place (a scenario stays the scenario it is
    named after), none otherwise."""

    cycle_id: int
    base_version_id: int | None = None
    in_place: bool = False
    scenario: str = "base"
    label: str = ""
    levers: tuple[Lever, ...] | None = None
    until: PipelineStep | None = None
    config: PlanningConfig | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.in_place and self.base_version_id is None:
            raise InvalidRequest("an in-place plan run needs the version to recompute", hint="give base_version_id")
        if self.until is not None and list(PipelineStep).index(self.until) < list(PipelineStep).index(
            PipelineStep.CONSENSUS
        ):
            raise InvalidRequest("a plan run goes at least to the consensus", hint="until: consensus ... kpi")
        if not self.scenario.strip() or len(self.scenario) > 100:
            raise InvalidRequest("name the scenario (at most 100 characters)")
        if len(self.label) > 200:
            raise InvalidRequest("the label (the scenario's description) has at most 200 characters")

    def to_params(self) -> dict[str, Any]:
        return {
            "cycle_id": self.cycle_id,
            "base_version_id": self.base_version_id,
            "in_place": self.in_place,
            "scenario": self.scenario,
            "label": self.label,
            "levers": levers_json(self.levers) if self.levers is not None else None,
            "until": self.until.value if self.until is not None else None,
            "config": self.config.to_dict() if self.config is not None else None,
            "reason": self.reason,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PlanRequest:
        """The request a run's JSON parameters describe; anything malformed is the requester's mistake."""
        known = set(cls(cycle_id=1).to_params())
        unknown = sorted(set(params) - known)
        if unknown:
            raise InvalidRequest(f"unknown plan run parameter(s): {', '.join(unknown)}", hint=", ".join(sorted(known)))
        if "cycle_id" not in params:
            raise InvalidRequest("a plan run needs the cycle_id")
        try:
            base = params.get("base_version_id")
            levers = params.get("levers")
            in_place = params.get("in_place", False)
            if not isinstance(in_place, bool):
                raise TypeError("in_place is true or false")
            return cls(
                cycle_id=_identifier(params["cycle_id"]),
                base_version_id=None if base is None else _identifier(base),
                in_place=in_place,
                scenario=_text(params.get("scenario") or "base", 100),
                label=_text(params.get("label") or "", 200),
                levers=None if levers is None else parse_levers(levers),
                until=PipelineStep(params["until"]) if params.get("until") else None,
                config=plans.parse_config(params.get("config")),
                reason=_text(params.get("reason") or "", 10_000),
            )
        except (TypeError, ValueError, AttributeError) as error:
            raise InvalidRequest(f"the plan run parameters are not valid: {error}") from error


def _identifier(value: Any) -> int:
    """A row id as the database stores it (32 bits): anything else would fail in the database, not here."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not 1 <= int(value) <= MAX_ID:
        raise ValueError(f"{value!r} is not an id")
    return int(value)


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise ValueError(f"expected a text of at most {limit} characters")
    return value


def _open_cycle(session: Session, cycle_id: int) -> PlanningCycle:
    cycle = session.get(PlanningCycle, cycle_id)
    if cycle is None:
        raise NotFoundError(f"cycle {cycle_id} does not exist")
    if cycle.status != CycleStatus.OPEN:
        raise InvalidTransition(f"cycle {cycle_id} is closed", hint="open a new cycle")
    return cycle


def cycle_config(cycle: PlanningCycle, config: PlanningConfig | None) -> PlanningConfig:
    """The configuration a plan of `cycle` runs with: its horizon is the cycle's, whatever the request said (one
    rule, `opensop.cycle.steps.roll_horizon`, for every plan of every door)."""
    months = months_between(cycle.horizon_start, cycle.horizon_end) + 1
    return replace(config or PlanningConfig(), start_period=cycle.horizon_start, horizon_months=months)


def _base_version(session: Session, request: PlanRequest) -> PlanVersion | None:
    if request.base_version_id is None:
        return None
    version = session.get(PlanVersion, request.base_version_id)
    if version is None or version.cycle_id != request.cycle_id:
        raise NotFoundError(f"plan version {request.base_version_id} is not a version of cycle {request.cycle_id}")
    if request.in_place and version.status != PlanStatus.DRAFT:
        raise InvalidTransition(
            f"a {version.status} plan version cannot be modified", hint="revise it, or plan a new draft"
        )
    cycle = session.get(PlanningCycle, request.cycle_id)
    asked = cycle_config(cycle, request.config) if cycle is not None and request.config is not None else None
    if request.in_place and asked is not None and asked != plans.parse_config(version.config):
        raise InvalidRequest(
            "a version is recomputed with the configuration it stores", hint="plan a new draft to change it"
        )
    return version


def check_params(workspace: Workspace, actor: Principal, params: dict[str, Any]) -> dict[str, Any]:
    """Refuse a plan run at once when it could only fail: who may plan, which cycle and version, the levers."""
    require(actor.role, Action.EDIT_PLAN)
    request = PlanRequest.from_params(params)
    with transaction(workspace.sessions) as session:
        _open_cycle(session, request.cycle_id)
        _base_version(session, request)
    return request.to_params()


def overrides_frame(rows: list[PlanOverride]) -> pd.DataFrame:
    """Stored override cells -> the pipeline's override rows ("" keys mean any: all regions, any item)."""
    records = [
        {
            "source": row.source,
            "kind": row.kind,
            "value": row.value,
            "period": row.period,
            "item_id": row.item_id or None,
            "family_id": row.family_id or None,
            "category_id": None,
            "region_id": row.region_id or None,
            "author": row.author,
            "reason": row.reason,
            "comment": row.comment,
            "entered_at": row.updated_at,
        }
        for row in rows
    ]
    return pd.DataFrame(records, columns=[*OVERRIDE_COLUMNS, "entered_at"])


def override_marks(rows: list[PlanOverride]) -> list[list[int]]:
    """[id, row_version] of each override: which edits a computed consensus includes (a page compares them)."""
    return sorted([row.id, row.row_version] for row in rows)


@dataclass(frozen=True)
class _Inputs:
    cycle_id: int
    load_id: int
    data: PlanningData
    config: PlanningConfig
    overrides: list[PlanOverride]
    kept: pd.DataFrame | None
    accuracy: list[dict[str, Any]]
    until: PipelineStep
    levers: tuple[Lever, ...]


def _run_summary(session: Session, version: PlanVersion | None) -> dict[str, Any]:
    run = session.get(Run, version.run_id) if version is not None and version.run_id is not None else None
    return dict(run.result or {}) if run is not None else {}


def _kept_forecast(
    session: Session, version: PlanVersion | None, load_id: int, config: PlanningConfig
) -> tuple[pd.DataFrame | None, list[dict[str, Any]]]:
    """The base version's statistical forecast and its accuracy table, when a run made it for this load and config."""
    made = _run_summary(session, version).get("forecast", {})
    if version is None or made.get("load_id") != load_id or made.get("config_hash") != config.forecast_hash():
        return None, []
    return statistical_cells(plans.verified_measures(session, version)), list(made.get("accuracy", []))


def _read_inputs(workspace: Workspace, request: PlanRequest) -> _Inputs:
    """Everything the run plans from, read in one transaction: a consistent snapshot of data and overrides."""
    with transaction(workspace.sessions) as session:
        cycle = _open_cycle(session, request.cycle_id)
        base = _base_version(session, request)
        latest = repositories.latest_load(session)
        load_id = (base.load_id if base is not None else None) or cycle.load_id or (latest.id if latest else None)
        if load_id is None:
            raise NotFoundError("no data has been imported yet", hint="import the planning data first")
        config = request.config or (plans.parse_config(base.config) if base is not None else None)
        config = cycle_config(cycle, config)
        rows: list[PlanOverride] = []
        if base is not None:
            query = select(PlanOverride).where(PlanOverride.plan_version_id == base.id).order_by(PlanOverride.id)
            rows = list(session.scalars(query))
        kept, accuracy = _kept_forecast(session, base, load_id, config)
        made = _run_summary(session, base) if request.in_place else {}
        until = request.until or (PipelineStep(made["until"]) if made.get("until") else PipelineStep.KPI)
        levers = request.levers if request.levers is not None else parse_levers(made.get("levers"))
        data = repositories.read_dataset(session, load_id)
    return _Inputs(cycle.id, load_id, data, config, rows, kept, accuracy, until, levers)


def apply_levers(result: CycleResult, levers: tuple[Lever, ...]) -> CycleResult:
    """The consensus result with a scenario's levers applied in order (`opensop.scenarios`): its demand, data,
    configuration and investments are what the supply, finance and KPI steps then plan from."""
    if not levers:
        return result
    prepared = Scenario("levers", levers).prepare(result.data, result.supply_demand(), result.config)
    return replace(
        result,
        data=prepared.data,
        config=prepared.config,
        scenario_demand=prepared.demand,
        investments=prepared.investments,
    )


def _compute(inputs: _Inputs, report: RunProgress) -> tuple[CycleResult, pd.DataFrame, list[dict[str, Any]]]:
    """The pipeline's steps on a read snapshot: the plan result, its measures and the forecast accuracy table."""
    steps = _pipeline_progress(report)
    start = CycleResult(inputs.data, inputs.config, overrides_frame(inputs.overrides))
    if inputs.kept is not None:
        result = replace(start, forecast=restore_forecast(inputs.kept))
        result = run_steps(result, after=PipelineStep.RECONCILE, until=PipelineStep.CONSENSUS, progress=steps)
        accuracy = inputs.accuracy
    else:
        result = run_steps(start, until=PipelineStep.CONSENSUS, progress=steps)
        accuracy = accuracy_table(result.require_forecast().selection)
    result = apply_levers(result, inputs.levers)
    if inputs.until is not PipelineStep.CONSENSUS:
        result = run_steps(result, after=PipelineStep.CONSENSUS, until=inputs.until, progress=steps)
    _check_solved(result)
    return result, plan_measures(result), accuracy


def accuracy_table(selection: pd.DataFrame) -> list[dict[str, Any]]:
    """By demand class: series count, the most chosen model (with its count), the median backtest error."""
    rows = []
    for demand_class, group in selection.groupby("demand_class", sort=True):
        models = group["model"].value_counts()
        metric = group["backtest_metric"].median()
        rows.append(
            {
                "demand_class": str(demand_class),
                "series": len(group),
                "model": f"{models.index[0]} ({models.iloc[0]})" if len(models) else "",
                "metric": None if pd.isna(metric) else float(metric),
            }
        )
    return rows


def _pipeline_progress(report: RunProgress) -> Callable[[str, int, int], None]:
    """Pipeline progress -> the run's progress: a share per step, at most one write per second inside a step."""
    names = [step.name for step in PIPELINE_STEPS]
    last_step, last_at = "", 0.0

    def progress(step: str, done: int, total: int) -> None:
        nonlocal last_step, last_at
        now = time.monotonic()
        if step == last_step and now - last_at < 1.0:
            return
        last_step, last_at = step, now
        share = (names.index(PipelineStep(step)) + (done / total if total else 0.0)) / len(names)
        title = next(s.title for s in PIPELINE_STEPS if s.name == step)
        report(0.05 + 0.85 * share, f"{title}: {done}/{total}" if total > 1 else title)

    return progress


def _check_solved(result: CycleResult) -> None:
    if result.supply is None or result.supply.solve.is_ok:
        return
    solve = result.supply.solve
    if solve.status is SolveStatus.INFEASIBLE:
        named = "; ".join(solve.conflicts[:5]) or "the solver named no constraint"
        raise InfeasiblePlanError(
            f"the supply plan has no solution with this data (conflicting: {named})",
            hint="check capacities, storage and opening stock of the named items, or plan with other levers",
        )
    raise SolverError(
        f"the solver stopped without a usable supply plan ({solve.status.value}: {solve.termination})",
        hint="raise the solver time limit or plan at family level",
    )


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-able rows: months as ISO dates, missing values as None."""

    def plain(value: Any) -> Any:
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        return None if pd.isna(value) else value

    return [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _number(value: Any) -> float | None:
    """A float for JSON; NaN (which PostgreSQL's JSON refuses) as None."""
    return None if pd.isna(value) else float(value)


def _supply_summary(result: CycleResult) -> dict[str, Any]:
    supply = result.require_supply()
    rough_cut = rough_cut_overloads(
        result.data, result.supply_demand(), result.config, safety_stock=supply.safety_stock
    )[["resource_id", "period", "load", "regular", "overtime", "overload", "utilisation"]]
    columns = ["item_id", "region_id", "period", "quantity", "binding", "binding_period", "shadow_price", "relief"]
    worst = supply.shortfalls.reindex(columns=columns)
    if len(worst):
        worst = worst.sort_values("quantity", ascending=False).head(TOP_SHORTFALLS)
    safety = supply.safety_stock.groupby(supply.safety_stock["item_id"].astype(str))["safety_stock"].sum()
    return {
        "status": supply.solve.status.value,
        "objective": _number(supply.solve.objective),
        "costs": {
            str(line): _number(value) for line, value in zip(supply.costs["line"], supply.costs["value"], strict=True)
        },
        "runtime_seconds": supply.solve.runtime_seconds,
        "shortfall_count": len(supply.shortfalls),
        "shortfalls": _json_rows(worst),
        "safety_stock": {str(item): _number(value) for item, value in safety.items()},
        "health": _json_rows(health_check(supply, result.data, demand=result.supply_demand())),
        "rough_cut": _json_rows(rough_cut.head(TOP_SHORTFALLS)),
        "rough_cut_count": len(rough_cut),
    }


@dataclass(frozen=True)
class PlanOutcome:
    """What a plan run stored (`summary`, the run's record) and the computed result it came from (for a caller in
    the same process, such as the CLI, that prints it)."""

    summary: dict[str, Any]
    result: CycleResult


def plan_in_memory(
    workspace: Workspace, *, actor: Principal, request: PlanRequest, progress: RunProgress | None = None
) -> CycleResult:
    """The plan `request` describes, computed exactly as `plan_and_store` would, and not stored: the reference a
    comparison measures stored scenario versions against (the working draft re-planned as it is)."""
    require(actor.role, Action.VIEW)
    inputs = _read_inputs(workspace, request)
    result, _, _ = _compute(inputs, progress or (lambda _fraction, _message: None))
    return result


def run_plan(
    workspace: Workspace,
    *,
    actor: Principal,
    request: PlanRequest,
    run_id: int | None = None,
    progress: RunProgress | None = None,
) -> dict[str, Any]:
    """Plan `request` and store it as a draft version in one audited transaction; returns the run's summary."""
    return plan_and_store(workspace, actor=actor, request=request, run_id=run_id, progress=progress).summary


def plan_and_store(
    workspace: Workspace,
    *,
    actor: Principal,
    request: PlanRequest,
    run_id: int | None = None,
    progress: RunProgress | None = None,
) -> PlanOutcome:
    """The one path of every plan: the worker's runs, `opensop plan` and `make demo` all come through here."""
    require(actor.role, Action.EDIT_PLAN)
    report = progress or (lambda _fraction, _message: None)
    inputs = _read_inputs(workspace, request)
    report(0.05, f"load {inputs.load_id} read, {len(inputs.overrides)} override(s)")
    result, measures, accuracy = _compute(inputs, report)
    report(0.95, f"writing {len(measures)} plan rows")
    if request.in_place and request.base_version_id is not None:
        version = plans.replace_measures(
            workspace,
            actor=actor,
            version_id=request.base_version_id,
            measures=measures,
            reason=request.reason or "plan recomputed",
            run_id=run_id,
        )
    else:
        version = plans.create_version(
            workspace,
            actor=actor,
            cycle_id=inputs.cycle_id,
            measures=measures,
            scenario=request.scenario,
            label=request.label,
            config=inputs.config,
            load_id=inputs.load_id,
            run_id=run_id,
            reason=request.reason or f"plan run ({request.scenario})",
            parent_id=request.base_version_id,
            overrides=inputs.overrides,
        )
    summary: dict[str, Any] = {
        "plan_version_id": version.id,
        "rows": version.row_count,
        "until": inputs.until.value,
        "levers": levers_json(inputs.levers),
        "forecast_reused": inputs.kept is not None,
        "forecast": {"load_id": inputs.load_id, "config_hash": inputs.config.forecast_hash(), "accuracy": accuracy},
        "overrides": override_marks(inputs.overrides),
    }
    if result.supply is not None:
        summary["supply"] = _supply_summary(result)
    if result.kpis is not None:
        summary["kpis"] = {str(k): _number(v) for k, v in zip(result.kpis["kpi"], result.kpis["value"], strict=True)}
    report(1.0, f"plan version {version.id} written")
    return PlanOutcome(summary, result)


@dataclass(frozen=True)
class RerunCheck:
    """A version re-planned from what it stores (load, configuration, overrides, levers), compared to its content.

    `differences`: measure, stored, recomputed, largest_gap — one row per measure whose rows differ (empty when
    the hashes agree), so a planner sees where a plan could not be reproduced."""

    version_id: int
    stored_hash: str
    recomputed_hash: str
    rows: int
    recomputed_rows: int
    differences: pd.DataFrame

    @property
    def reproduced(self) -> bool:
        return self.stored_hash == self.recomputed_hash


def _rerun_inputs(workspace: Workspace, version_id: int) -> tuple[PlanVersion, _Inputs]:
    with transaction(workspace.sessions) as session:
        version = session.get(PlanVersion, version_id)
        if version is None:
            raise NotFoundError(f"plan version {version_id} does not exist")
        made = _run_summary(session, version)
        if not made or version.load_id is None:
            raise InvalidRequest(
                f"plan version {version_id} was not computed by a plan run (its content was uploaded or written "
                "through the API), so there is nothing to re-run",
                hint="re-run a version planned by `opensop plan`, the worker or the web",
            )
        config = plans.parse_config(version.config) or PlanningConfig()
        query = select(PlanOverride).where(PlanOverride.plan_version_id == version.id).order_by(PlanOverride.id)
        rows = list(session.scalars(query))
        data = repositories.read_dataset(session, version.load_id)
        until = PipelineStep(made["until"]) if made.get("until") else PipelineStep.KPI
        levers = parse_levers(made.get("levers"))
        return version, _Inputs(version.cycle_id, version.load_id, data, config, rows, None, [], until, levers)


def rerun(
    workspace: Workspace, *, actor: Principal, version_id: int, progress: RunProgress | None = None
) -> RerunCheck:
    """Re-plan a version from its stored dataset load, configuration, overrides and levers — the forecast made
    again, not reused — and compare the content hash: the proof that a plan follows from what it records."""
    require(actor.role, Action.VIEW)
    version, inputs = _rerun_inputs(workspace, version_id)
    _, measures, _ = _compute(inputs, progress or (lambda _fraction, _message: None))
    recomputed = conform_measures(measures, scenario=version.scenario)
    with transaction(workspace.sessions) as session:
        stored = plans.verified_measures(session, version)
    return RerunCheck(
        version_id=version.id,
        stored_hash=version.content_hash,
        recomputed_hash=measure_hash(recomputed),
        rows=len(stored),
        recomputed_rows=len(recomputed),
        differences=measure_differences(stored, recomputed),
    )


def measure_differences(stored: pd.DataFrame, recomputed: pd.DataFrame) -> pd.DataFrame:
    """Per measure whose rows differ: the totals on each side and the largest gap on one row."""
    keys = [column for column in DIMENSIONS if column != "scenario"]
    both = stored.drop(columns="scenario").merge(
        recomputed.drop(columns="scenario"), on=keys, how="outer", suffixes=("_stored", "_recomputed")
    )
    both[keys] = both[keys].astype(object)
    gap = (both["value_stored"].fillna(0.0) - both["value_recomputed"].fillna(0.0)).abs()
    missing = both["value_stored"].isna() | both["value_recomputed"].isna()
    differ = both.assign(gap=gap)[(gap > 0) | missing]
    table = differ.groupby("measure", as_index=False).agg(
        stored=("value_stored", "sum"), recomputed=("value_recomputed", "sum"), largest_gap=("gap", "max")
    )
    return table.sort_values("largest_gap", ascending=False).reset_index(drop=True)


def version_summary(workspace: Workspace, *, actor: Principal, version: PlanVersion) -> dict[str, Any]:
    """The summary of the run that computed the version's current content ({} when no run did)."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        return _run_summary(session, version)
