"""Forecast accuracy and Forecast Value Added (FVA) from snapshots of past forecasts and actuals.

`snapshots`: cycle, lag, item_id, region_id, period, statistical, consensus, naive (and optionally one column
per override source: sales, marketing, finance, demand_planner — that source's view). `actuals`: item_id,
region_id, period, quantity. `hierarchy`: item_id, family_id, category_id.

At a level, forecasts and actuals are summed to the level's keys (item: item x region, family: family x region,
category: category x region, total: one series) per cycle, lag and period; then, for forecast F and actual A
over all cells of the level at a lag:

    WAPE = sum |A - F| / sum |A|
    bias = sum (F - A) / sum A          (> 0: over-forecast)
    MASE = mean over series of  MAE_series / mean_t |A_t - A_{t-m}|
           (the scale is the seasonal naive error over the series' actuals; lag 1 when shorter than m + 1)

FVA of a process step (Gilliland): WAPE of the input minus WAPE of the output on the same cells, in points;
positive means the step improved the forecast. Steps: statistical vs naive, consensus vs statistical, and each
source's view vs statistical on the cells that source changed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from opensop.demand.series import naive_scale

with warnings.catch_warnings():
    # utilsforecast 0.2.x has a docstring with an invalid escape ("\\h"), reported when the module is compiled
    # (DeprecationWarning on Python 3.11, SyntaxWarning from 3.12).
    warnings.filterwarnings("ignore", message="invalid escape sequence", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="invalid escape sequence", category=SyntaxWarning)
    from utilsforecast.losses import mae

LEVEL_KEYS: dict[str, list[str]] = {
    "item": ["item_id", "region_id"],
    "family": ["family_id", "region_id"],
    "category": ["category_id", "region_id"],
    "total": [],
}
MEASURES = ("statistical", "consensus", "naive")
SOURCE_COLUMNS = ("sales", "marketing", "finance", "demand_planner")


def _at_level(
    snapshots: pd.DataFrame, actuals: pd.DataFrame, hierarchy: pd.DataFrame, level: str, measures: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(forecast cells with actual `y` and `unique_id`, actual series `unique_id, ds, y` for the scale)."""
    if level not in LEVEL_KEYS:
        raise ValueError(f"unknown level {level!r}; choose from {sorted(LEVEL_KEYS)}")
    keys = LEVEL_KEYS[level]
    h = hierarchy[["item_id", "family_id", "category_id"]]
    fc = snapshots.merge(h, on="item_id", how="left")
    act = actuals[["item_id", "region_id", "period", "quantity"]].merge(h, on="item_id", how="left")
    fc_level = fc.groupby(["cycle", "lag", *keys, "period"], as_index=False, dropna=False)[measures].sum(min_count=1)
    act_level = act.groupby([*keys, "period"], dropna=False)["quantity"].sum().reset_index()
    cells = fc_level.merge(act_level, on=[*keys, "period"], how="inner").rename(columns={"quantity": "y"})
    for frame in (cells, act_level):
        frame["unique_id"] = _series_id(frame, keys)
    series = act_level.rename(columns={"period": "ds", "quantity": "y"})[["unique_id", "ds", "y"]]
    return cells, series.sort_values(["unique_id", "ds"], ignore_index=True)


def _series_id(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """One string id per key combination ("total" at the top level)."""
    ids = pd.Series("total", index=frame.index, dtype="string")
    for i, key in enumerate(keys):
        part = frame[key].astype("string").fillna("<none>")
        ids = part if i == 0 else ids + "|" + part
    return ids


def accuracy(
    snapshots: pd.DataFrame,
    actuals: pd.DataFrame,
    hierarchy: pd.DataFrame,
    *,
    levels: tuple[str, ...] = ("item", "family", "category", "total"),
    lags: tuple[int, ...] = (1, 3),
    season_length: int = 12,
) -> pd.DataFrame:
    """level, lag, measure, wape, bias, mase, n_series, n_cells: one row per level x lag x measure."""
    measures = [m for m in (*MEASURES, *SOURCE_COLUMNS) if m in snapshots.columns]
    rows = []
    for level in levels:
        cells, series = _at_level(snapshots[snapshots["lag"].isin(lags)], actuals, hierarchy, level, measures)
        scale = naive_scale(series, season_length)
        scale = scale.where(scale > 0)
        for lag in lags:
            at = cells[cells["lag"] == lag]
            for measure in measures:
                valid = at[at[measure].notna()]
                err = valid[measure] - valid["y"]
                denominator = valid["y"].abs().sum()
                per_series = mae(
                    valid.rename(columns={"period": "ds"}),
                    models=[measure],
                    cutoff_col="cycle",
                )
                per_series = per_series.groupby("unique_id")[measure].mean()
                mase = (per_series / scale.reindex(per_series.index)).dropna()
                rows.append(
                    {
                        "level": level,
                        "lag": lag,
                        "measure": measure,
                        "wape": err.abs().sum() / denominator if denominator > 0 else np.nan,
                        "bias": err.sum() / valid["y"].sum() if valid["y"].sum() != 0 else np.nan,
                        "mase": mase.mean() if len(mase) else np.nan,
                        "n_series": valid["unique_id"].nunique(),
                        "n_cells": len(valid),
                    }
                )
    return pd.DataFrame(rows)


def forecast_value_added(
    snapshots: pd.DataFrame,
    actuals: pd.DataFrame,
    hierarchy: pd.DataFrame,
    *,
    levels: tuple[str, ...] = ("item", "family"),
    lags: tuple[int, ...] = (1, 3),
) -> pd.DataFrame:
    """level, lag, step, input, output, wape_input, wape_output, fva (points of WAPE), n_cells."""
    sources = [s for s in SOURCE_COLUMNS if s in snapshots.columns]
    steps = [("naive", "statistical"), ("statistical", "consensus"), *[("statistical", s) for s in sources]]
    measures = sorted({m for step in steps for m in step})
    rows = []
    for level in levels:
        cells, _ = _at_level(snapshots[snapshots["lag"].isin(lags)], actuals, hierarchy, level, measures)
        for lag in lags:
            at = cells[cells["lag"] == lag]
            for before, after in steps:
                scope = at[at[before].notna() & at[after].notna()]
                if after in sources:
                    scope = scope[~np.isclose(scope[after], scope[before])]
                total = scope["y"].abs().sum()
                w_in = (scope[before] - scope["y"]).abs().sum() / total if total > 0 else np.nan
                w_out = (scope[after] - scope["y"]).abs().sum() / total if total > 0 else np.nan
                rows.append(
                    {
                        "level": level,
                        "lag": lag,
                        "step": f"{after} vs {before}",
                        "input": before,
                        "output": after,
                        "wape_input": w_in,
                        "wape_output": w_out,
                        "fva": w_in - w_out,
                        "n_cells": len(scope),
                    }
                )
    return pd.DataFrame(rows)
