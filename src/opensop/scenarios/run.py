"""Run scenarios: levers -> supply.plan -> finance.project -> kpi.compute, one by one or in parallel processes.

Results stack under a `scenario` column (`stack`), never as copies of the data. A run is deterministic: the same
data, demand, scenario and config give bit-identical frames, hence the same `ScenarioResult.content_hash()`;
`run_many` with processes returns exactly what the sequential loop returns, in the order of the scenarios.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import sys
import time
import types
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import pandas as pd

from opensop import supply
from opensop.config import PlanningConfig
from opensop.finance import FinancialPlan, project
from opensop.kpi import KpiInputs, compute, not_available
from opensop.scenarios.scenario import Scenario, resolved
from opensop.schema import PlanningData

MAX_WORKERS = 2
AUTO: Final = "auto"
Workers: TypeAlias = int | Literal["auto"]
# Wall time from creating the pool to both workers ready, measured on the idle 2-core dev machine with bytecode
# compiled: 1.1 s from a script, 2.8 s from the `opensop` command (the forkserver imports what its main imports;
# 7.8 s without compiled bytecode), 0.1 s once this process has started the forkserver. AUTO uses the command's.
POOL_START_SECONDS = 3.0


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


@dataclass(frozen=True)
class _Batch:
    """What every scenario of a `run_many` call shares; sent to each worker process once, not with each task."""

    data: PlanningData
    demand: pd.DataFrame
    config: PlanningConfig
    accuracy: pd.DataFrame | None

    def run(self, scenario: Scenario) -> ScenarioResult:
        return run(self.data, self.demand, scenario, self.config, accuracy=self.accuracy)


_WORKER_BATCH: list[_Batch] = []  # the batch of this worker process, set by `_start_worker`


def _start_worker(batch: _Batch) -> None:
    _WORKER_BATCH[:] = [batch]


def _run_in_worker(scenario: Scenario) -> ScenarioResult:
    return _WORKER_BATCH[0].run(scenario)


def _preload() -> list[str]:
    """Modules the forkserver imports once, before it forks the workers: this one and those `__main__` imports.

    multiprocessing re-runs the parent's `__main__` in every child (so that functions defined there unpickle);
    the `opensop` command's main imports the whole CLI (3.3 s here, 9 s without compiled bytecode). With the
    modules that main's top level came from already imported in the forkserver, that re-run costs nothing and
    the workers start in milliseconds. They are read off the main's namespace (`import a.b` binds only `a`, so
    a script written that way has its workers import `a.b` again). A main run with `-m` is not preloaded itself:
    the child re-runs it under another name, and runpy warns when the module is already imported. (Python
    3.11's own `"__main__"` preload entry never fires: the forkserver looks for a `main_path` key that
    `spawn.get_preparation_data` does not produce.)
    """
    names = {__name__}
    main = sys.modules.get("__main__")
    for value in vars(main).values() if main is not None else ():
        module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        if isinstance(module, str) and not module.startswith("__"):
            names.add(module)
    return sorted(names)


def _pool(workers: int, batch: _Batch) -> ProcessPoolExecutor:
    """Worker processes forked from a forkserver (spawned where there is none, e.g. Windows).

    The forkserver is a fresh interpreter that imports the planning modules once and has run no solver and
    opened no database, so its forks inherit no solver state, connections or file handles from the caller (plain
    `fork` would) and, unlike `spawn`, do not import everything again: a worker is ready in milliseconds, and the
    forkserver stays up for the next pool of this process. (numpy's OpenBLAS threads, started at import, are
    stopped and re-created around the fork by OpenBLAS' own fork handlers.)
    """
    context: multiprocessing.context.BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver = multiprocessing.get_context("forkserver")
        forkserver.set_forkserver_preload(_preload())
        context = forkserver
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(batch,))


def usable_cores() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one, e.g. under taskset or a cgroup)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def choose_workers(remaining: int, seconds_each: float, *, cores: int) -> int:
    """Processes worth starting for `remaining` scenarios that each take about `seconds_each` alone.

    Parallel runs only pay when the wall time they save, (remaining - ceil(remaining / workers)) x seconds_each,
    exceeds the pool's start, POOL_START_SECONDS. A scenario run is single-threaded (HiGHS' simplex): two
    workers on the idle 2-core machine each take the wall and CPU time the run takes in this process, so there
    are no solver or BLAS threads to limit, and one worker per usable core (at most MAX_WORKERS) is right.

    Break-even measured from the command's imports, 2 idle cores, k demo scenarios of ~1.3 s each (12 months),
    sequential / parallel wall time: k=3 0.57-0.69, k=5 0.94-0.95, k=7 1.08, k=9 1.14-1.23. Parallel pays from
    7 scenarios, and this rule, timing the first one, also starts processes from 7; at the smoke size (~0.5 s
    per scenario) it takes 15. The demo's base + 4 seed scenarios (~16 s, ~11 of them the margin scenario's
    solve) stay sequential: 2 workers finish them in 12.9 s from a script but would save under 1 s from the
    command, and from its 1.4 s base this rule estimates 2.8 s saved, under the command's pool start.
    """
    workers = min(MAX_WORKERS, cores, remaining)
    if workers < 2:
        return 1
    saved = (remaining - math.ceil(remaining / workers)) * seconds_each
    return workers if saved > POOL_START_SECONDS else 1


def run_many(
    base_data: PlanningData,
    base_demand: pd.DataFrame,
    scenarios: Sequence[Scenario],
    config: PlanningConfig,
    *,
    accuracy: pd.DataFrame | None = None,
    workers: Workers = AUTO,
) -> list[ScenarioResult]:
    """`run` for each scenario, in scenario order: on `workers` processes, or AUTO to let `choose_workers` decide.

    AUTO plans the first scenario (usually the base) in this process and times it; that time decides whether
    the rest are worth a pool. 1 runs everything in this process. In a pool the shared data go to each worker
    once (initializer); a task carries only its scenario. Results are the same whichever way they were run.
    """
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique: {names}")
    scenarios = resolved(scenarios)
    batch = _Batch(base_data, base_demand, config, accuracy)
    if workers == AUTO:
        if not scenarios:
            return []
        first = batch.run(scenarios[0])
        rest = scenarios[1:]
        chosen = choose_workers(len(rest), first.seconds, cores=usable_cores())
        return [first, *_run_all(batch, rest, chosen)]
    return _run_all(batch, scenarios, workers)


def _run_all(batch: _Batch, scenarios: Sequence[Scenario], workers: int) -> list[ScenarioResult]:
    if workers <= 1 or len(scenarios) <= 1:
        return [batch.run(s) for s in scenarios]
    with _pool(min(workers, len(scenarios)), batch) as pool:
        return list(pool.map(_run_in_worker, scenarios))


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
