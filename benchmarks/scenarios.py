"""Run the demo's four seed scenarios (plus the base) one by one, in parallel and on `auto`; print wall times.

    .venv/bin/python benchmarks/scenarios.py            # the demo company, 12-month horizon
    .venv/bin/python benchmarks/scenarios.py --smoke    # the demo restricted to 2 families, 3 months (seconds)

Demand is the seasonal naive forecast (last year's month, item x region) so the benchmark measures planning,
not forecasting. Parallel runs use `run_many(workers=2)` (forkserver processes, started from this process
for the first time, as a CLI command does); `auto` lets `run_many` choose (should it choose processes, it finds
the forkserver already up, as a long-lived worker would). Results are checked identical.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from opensop.config import PlanningConfig
from opensop.demo import generate_demo
from opensop.scenarios import AUTO, ScenarioResult, choose_workers, compare, run_many, seed_scenarios, usable_cores
from opensop.schema import PlanningData


def demo(smoke: bool) -> tuple[PlanningData, pd.DataFrame, PlanningConfig]:
    frames = generate_demo()
    if smoke:
        keep = frames["items"]["family_id"].isin(["TON", "POE"])
        items = set(frames["items"].loc[keep, "item_id"])
        for name in ("items", "routings", "components", "costs", "sourcing", "prices", "sales_history", "backorders"):
            frames[name] = frames[name][frames[name]["item_id"].isin(items)]
        parts = set(frames["components"].loc[frames["components"]["item_id"].isin(items), "component_id"])
        frames["inventory"] = frames["inventory"][frames["inventory"]["item_id"].isin(items | parts)]
        frames["events"] = frames["events"].iloc[0:0]
    data = PlanningData.from_frames(frames)
    history = data.sales_history
    last = history["period"].max()
    recent = history[history["period"] > last - pd.DateOffset(months=12)]
    demand = recent[["item_id", "region_id", "period", "quantity"]].assign(
        period=recent["period"] + pd.DateOffset(months=12), quantity=recent["quantity"].clip(lower=0.0)
    )
    return data, demand, PlanningConfig(horizon_months=3 if smoke else 12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny company, a few seconds")
    args = parser.parse_args()
    data, demand, config = demo(args.smoke)
    scenarios = seed_scenarios(with_base=True)
    timed: dict[str, float] = {}
    runs: dict[str, list[ScenarioResult]] = {}
    for label, workers in (("sequential", 1), ("parallel", 2), ("auto", AUTO)):
        started = time.perf_counter()
        runs[label] = run_many(data, demand, scenarios, config, workers=workers)
        timed[label] = time.perf_counter() - started
    sequential = runs["sequential"]
    hashes = [r.content_hash() for r in sequential]
    same = all([r.content_hash() for r in results] == hashes for results in runs.values())
    print(f"{'scenario':<24} {'status':<10} {'run s':>7} {'solve s':>8} {'variables':>10}")
    for r in sequential:
        t = r.supply.timings
        print(f"{r.name:<24} {r.supply.solve.status!s:<10} {r.seconds:7.2f} {t.solve:8.2f} {t.variables:10d}")
    chosen = choose_workers(len(scenarios) - 1, runs["auto"][0].seconds, cores=usable_cores())
    print(
        f"sequential: {timed['sequential']:.2f} s   parallel (2 workers): {timed['parallel']:.2f} s   "
        f"ratio sequential/parallel: {timed['sequential'] / timed['parallel']:.2f}   "
        f"auto ({chosen} worker(s) after the first scenario): {timed['auto']:.2f} s   identical results: {same}"
    )
    print(compare(sequential).ranking[["rank", "scenario", "score", "reasons"]].to_string(index=False))


if __name__ == "__main__":
    main()
