"""Forecast benchmark: OpenSOP's automatic selection vs single statsforecast models.

Runs, in one go:
1. Tourism monthly (../shared/data/tourism, 366 series, horizon 24): MASE (scaled by the in-sample seasonal
   naive, m = 12, averaged over series, as the data README) and sMAPE of OpenSOP's selection vs SeasonalNaive,
   AutoETS and AutoTheta alone; series per second; OpenSOP's wall time / plain statsforecast's wall time for the
   same work (cross_validation of the same candidate models with the same windows + forecast of all of them).
2. The demo company (opensop.demo.generate_demo, when present): forecast_demand wall time and series per second.
3. `--scale`: N synthetic monthly series (60 months) with selection and backtest (default N = 10,000).

`--smoke` runs everything at tiny size in a few seconds.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, AutoTheta, Naive, SeasonalNaive

from opensop.config import ForecastConfig
from opensop.demand.standalone import forecast_frame

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tourism"
H, M = 24, 12


def mase_smape(test: pd.DataFrame, train: pd.DataFrame, column: str) -> tuple[float, float]:
    y = train["y"]
    seasonal_error = (y - y.groupby(train["unique_id"]).shift(M)).abs()
    scale = seasonal_error.groupby(train["unique_id"]).mean()
    err = (test["y"] - test[column]).abs()
    mae = err.groupby(test["unique_id"]).mean()
    mase = (mae / scale.reindex(mae.index)).mean()
    smape = (200 * err / (test["y"].abs() + test[column].abs())).groupby(test["unique_id"]).mean().mean()
    return float(mase), float(smape)


def tourism(smoke: bool, jobs: int) -> None:
    if not DATA.exists():
        print(f"tourism data not found at {DATA}: skipped")
        return
    train = pd.read_csv(DATA / "tourism_monthly_train.csv", parse_dates=["date"])
    test = pd.read_csv(DATA / "tourism_monthly_test.csv", parse_dates=["date"])
    if smoke:
        keep = train["unique_id"].drop_duplicates().iloc[:4]
        train, test = train[train["unique_id"].isin(keep)], test[test["unique_id"].isin(keep)]
    train = train[["unique_id", "date", "y"]].rename(columns={"date": "ds"})
    test = test[["unique_id", "date", "y"]].rename(columns={"date": "ds"})
    n = train["unique_id"].nunique()
    config = ForecastConfig(backtest_horizon=H, backtest_step=6, jobs=jobs)

    t0 = time.perf_counter()
    ours = forecast_frame(train, horizon=H, freq="MS", jobs=jobs, season_length=M, config=config)
    t_ours = time.perf_counter() - t0

    models = [SeasonalNaive(M), AutoETS(season_length=M), AutoTheta(season_length=M)]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sf = StatsForecast(models=models, freq="MS", n_jobs=jobs, fallback_model=Naive())
        sf.cross_validation(df=train, h=H, n_windows=3, step_size=6, refit=False)
        plain = sf.forecast(df=train, h=H, level=[80, 95])
    t_plain = time.perf_counter() - t0

    joined = test.merge(ours.forecast[["unique_id", "ds", "forecast"]], on=["unique_id", "ds"])
    joined = joined.merge(plain[["unique_id", "ds", "SeasonalNaive", "AutoETS", "AutoTheta"]], on=["unique_id", "ds"])
    print(f"Tourism monthly: {n} series, horizon {H}")
    print(f"{'model':<22}{'MASE':>8}{'sMAPE':>8}")
    for column, label in [
        ("forecast", "OpenSOP (auto select)"),
        ("SeasonalNaive", "SeasonalNaive"),
        ("AutoETS", "AutoETS"),
        ("AutoTheta", "AutoTheta"),
    ]:
        mase, smape = mase_smape(joined, train, column)
        print(f"{label:<22}{mase:>8.3f}{smape:>8.2f}")
    print(ours.selection["model"].value_counts().to_string())
    print(
        f"OpenSOP wall {t_ours:.1f}s ({n / t_ours:.1f} series/s); plain statsforecast same models {t_plain:.1f}s; "
        f"ratio {t_ours / t_plain:.2f}"
    )


def synthetic(n: int, months: int = 60, seed: int = 0) -> pd.DataFrame:
    """Monthly SKU-like series: 60% seasonal with trend and noise, 40% intermittent (Poisson arrivals)."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    n_cont = int(n * 0.6)
    level = rng.uniform(20, 500, (n_cont, 1))
    season = 1 + rng.uniform(0, 0.4, (n_cont, 1)) * np.sin(2 * np.pi * (t + rng.integers(0, 12, (n_cont, 1))) / 12)
    cont = (
        level * season * (1 + rng.uniform(-0.005, 0.01, (n_cont, 1)) * t)
        + rng.normal(0, 1, (n_cont, months)) * level * 0.1
    )
    inter = rng.poisson(rng.uniform(0.1, 0.6, (n - n_cont, 1)), (n - n_cont, months)) * rng.uniform(
        1, 20, (n - n_cont, 1)
    )
    y = np.clip(np.vstack([cont, inter]), 0, None)
    ds = pd.date_range("2020-01-01", periods=months, freq="MS")
    return pd.DataFrame(
        {"unique_id": np.repeat([f"s{i:05d}" for i in range(n)], months), "ds": np.tile(ds, n), "y": y.ravel()}
    )


def scale(n: int, jobs: int) -> None:
    frame = synthetic(n)
    t0 = time.perf_counter()
    result = forecast_frame(frame, horizon=18, freq="MS", jobs=jobs)
    wall = time.perf_counter() - t0
    print(
        f"scale: {n} series x 60 months, selection + 3-window backtest + forecast: {wall:.1f}s "
        f"({n / wall:.1f} series/s)"
    )
    print(result.selection["model"].value_counts().to_string())


def demo(smoke: bool) -> None:
    try:
        from opensop.demo import generate_demo  # type: ignore[attr-defined]
    except ImportError:
        print("opensop.demo.generate_demo not available: demo company skipped")
        return
    from opensop.config import PlanningConfig
    from opensop.demand import forecast_demand
    from opensop.schema import PlanningData

    frames = generate_demo()
    if smoke:  # ten items: a few seconds
        keep = frames["items"]["item_id"].iloc[:10]
        frames["sales_history"] = frames["sales_history"][frames["sales_history"]["item_id"].isin(keep)]
    data = PlanningData.from_frames(frames)
    t0 = time.perf_counter()
    result = forecast_demand(data, PlanningConfig())
    wall = time.perf_counter() - t0
    n = len(result.selection)
    print(f"demo company: {n} item x region series, forecast_demand {wall:.1f}s ({n / wall:.1f} series/s)")
    print(result.selection["demand_class"].value_counts().to_string())
    print(result.selection["model"].value_counts().to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--scale", type=int, nargs="?", const=10_000, default=0, help="synthetic series count")
    parser.add_argument("--jobs", type=int, default=-1)
    args = parser.parse_args()
    tourism(args.smoke, args.jobs)
    demo(args.smoke)
    if args.scale or args.smoke:
        scale(50 if args.smoke else args.scale, args.jobs)


if __name__ == "__main__":
    main()
