"""Run scenarios: levers -> supply.plan -> finance.project -> kpi.compute, one by one or in parallel processes.

Results stack under a `scenario` column (`stack`), never as copies of the data. A run is deterministic: the same
data, demand, scenario and config give bit-identical frames, hence the same `ScenarioResult.content_hash()`;
`run_many` with processes returns exactly what the sequential loop returns, in the order of the scenarios.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import pandas as pd

from opensop import supply
from opensop.config import PlanningConfig
from opensop.finance import FinancialPlan, project
from opensop.kpi import KpiInputs, compute, not_available
from opensop.scenarios.scenario import Scenario
from opensop.schema import PlanningData

MAX_WORKERS = 2


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's plan: `kpis` (kpi, label, value, unit, better), finance lines, the supply plan itself."""

    scenario: Scenario
    config: PlanningConfig
    supply: supply.SupplyPlan
    finance: FinancialPlan
    kpis: pd.DataFrame
    investments: pd.DataFrame
    seconds: float

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def is_ok(self) -> bool:
        return self.supply.solve.is_ok

    def content_hash(self) -> str:
        """SHA-256 of the scenario, the config and every result frame (timings excluded)."""
        digest = hashlib.sha256()
        digest.update(self.scenario.content_hash().encode())
        digest.update(self.config.content_hash().encode())
        digest.update(str(self.supply.solve.status).encode())
        frames = [
            self.kpis,
            self.finance.lines,
            self.supply.measures,
            self.supply.costs,
            self.supply.shortfalls,
            self.investments,
        ]
        for frame in frames:
            digest.update(",".join(map(str, frame.columns)).encode())
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return digest.hexdigest()


def run(
    base_data: PlanningData,
    base_demand: pd.DataFrame,
    scenario: Scenario,
    config: PlanningConfig,
    *,
    accuracy: pd.DataFrame | None = None,
) -> ScenarioResult:
    """Plan one scenario. An infeasible supply plan gives an empty financial plan and KPIs of NaN, not an error."""
    started = time.perf_counter()
    inputs = scenario.prepare(base_data, base_demand, config)
    plan = supply.plan(inputs.data, inputs.demand, inputs.config)
    if plan.solve.is_ok:
        finance = project(inputs.data, inputs.demand, plan, inputs.config, investments=inputs.investments)
        kpis = compute(KpiInputs(inputs.data, plan, finance, accuracy))
    else:
        finance = FinancialPlan.empty()
        kpis = not_available(with_accuracy=accuracy is not None)
    return ScenarioResult(
        scenario, inputs.config, plan, finance, kpis, inputs.investments, time.perf_counter() - started
    )


def run_many(
    base_data: PlanningData,
    base_demand: pd.DataFrame,
    scenarios: Sequence[Scenario],
    config: PlanningConfig,
    *,
    accuracy: pd.DataFrame | None = None,
    workers: int = MAX_WORKERS,
) -> list[ScenarioResult]:
    """`run` for each scenario, on up to `workers` processes (1: in this process), results in scenario order.

    Worker processes are started with `spawn` (a fresh interpreter: no solver threads inherited from a fork).
    """
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique: {names}")
    job = partial(run, base_data, base_demand, config=config, accuracy=accuracy)
    if workers <= 1 or len(scenarios) <= 1:
        return [job(s) for s in scenarios]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(scenarios)), mp_context=context) as pool:
        return list(pool.map(job, scenarios))


def stack(results: Sequence[ScenarioResult]) -> dict[str, pd.DataFrame]:
    """kpis, finance (lines), measures (supply), shortfalls, capacity: each with a leading `scenario` column."""

    def tagged(frames: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
        parts = [frame.assign(scenario=name) for name, frame in frames if len(frame)]
        if not parts:
            return pd.DataFrame({"scenario": pd.Series(dtype=str)})
        out = pd.concat(parts, ignore_index=True)
        return out[["scenario", *[c for c in out.columns if c != "scenario"]]]

    return {
        "kpis": tagged([(r.name, r.kpis) for r in results]),
        "finance": tagged([(r.name, r.finance.lines) for r in results]),
        "measures": tagged([(r.name, r.supply.measures) for r in results]),
        "shortfalls": tagged([(r.name, r.supply.shortfalls) for r in results]),
        "capacity": tagged([(r.name, r.supply.capacity) for r in results]),
    }
