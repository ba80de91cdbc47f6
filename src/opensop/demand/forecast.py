"""The statistical demand forecast of the demand review: `PlanningData` in, `DemandForecast` out.

Per item x region series, in order:

1. history from the first positive sale to the last month of the dataset, gaps filled with 0
   (`opensop.demand.series.sanitize`, which also reports garbage per series);
2. events removed from history to get the baseline (`opensop.demand.events`);
3. classification on the baseline (`opensop.demand.classify`): smooth / erratic / intermittent / lumpy /
   inactive, overridden by `new` (fewer than `new_item_months` months, or a `new` item without history)
   and `phase_out` (items.lifecycle);
4. outlier cleansing of smooth and erratic series (original and cleansed kept side by side);
5. automatic model selection and forecast (`opensop.demand.engine`) on the cleansed baseline;
6. life cycle: a new item takes its like-item's forecast in the same region, scaled by the ratio of its own
   sales to the like-item's over the months both sold (1 without own sales), else the family profile (mean
   forecast of the family's established series in the region); nothing before `launch_period`; a phase-out
   item is 0 after `end_period`;
7. future events added back as explicit uplifts (`baseline`, `event_uplift`, `forecast = baseline + uplift`).

The horizon is `config.horizon_months` months from `config.start_period`, or from the month after the last
month of history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opensop.config import PlanningConfig
from opensop.demand import events as ev
from opensop.demand.classify import DemandClass, candidate_group, classify
from opensop.demand.engine import EngineOptions, SeriesProgress, bound_columns, concat_warnings, forecast_series
from opensop.demand.models import ModelName
from opensop.demand.series import flag_outliers, sanitize, warnings_frame
from opensop.periods import month_start, months_between
from opensop.schema import PlanningData
from opensop.schema.frames import CELL

SERIES = ["item_id", "region_id"]


@dataclass(frozen=True)
class DemandForecast:
    """forecast: item_id, region_id, period, model, forecast, lo_80, hi_80, lo_95, hi_95, baseline, event_uplift.
    selection: item_id, region_id, demand_class, model, members, metric, backtest_metric, n_observations, adi, cv2.
    history: item_id, region_id, period, quantity, event_uplift, cleansed, is_outlier.
    warnings: item_id, region_id, rule, message."""

    forecast: pd.DataFrame
    selection: pd.DataFrame
    history: pd.DataFrame
    warnings: pd.DataFrame


def _horizon(data: PlanningData, config: PlanningConfig) -> tuple[pd.Timestamp, pd.DatetimeIndex, int]:
    """(last history month, horizon months, months the engine must forecast to reach the horizon's end)."""
    last = data.last_history_period
    start = pd.Timestamp(config.start_period) if config.start_period else last + pd.offsets.MonthBegin(1)
    start = month_start(start)
    periods = pd.date_range(start, periods=config.horizon_months, freq="MS")
    steps = months_between(last, periods[-1])
    return last, periods, max(steps, 1)


def _series_keys(frame: pd.DataFrame) -> pd.DataFrame:
    keys = frame[SERIES].drop_duplicates().sort_values(SERIES, ignore_index=True)
    keys["unique_id"] = pd.array([f"s{i}" for i in range(len(keys))], dtype="string")
    return keys


def _prepare_history(data: PlanningData, last: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw monthly cells from each series' first positive sale to `last`, one extra 0 row at `last`."""
    raw = data.sales_history[[*CELL, "quantity"]].dropna(subset=SERIES)
    first = raw[raw["quantity"] > 0].groupby(SERIES)["period"].min().rename("first").reset_index()
    raw = raw.merge(first, on=SERIES)
    raw = raw[raw["period"] >= raw["first"]].drop(columns="first")
    at_last = raw.loc[raw["period"] == last, SERIES].drop_duplicates()
    tails = first[SERIES].merge(at_last, on=SERIES, how="left", indicator=True)
    tails = tails.loc[tails["_merge"] == "left_only", SERIES].assign(period=last, quantity=0.0)
    return pd.concat([raw, tails], ignore_index=True), first


def forecast_demand(
    data: PlanningData, config: PlanningConfig, *, progress: SeriesProgress | None = None
) -> DemandForecast:
    """Statistical forecast per item x region with intervals, chosen models, cleansed history and warnings."""
    fc = config.forecast
    last, periods, steps = _horizon(data, config)
    raw, first = _prepare_history(data, last)
    silent = data.sales_history[SERIES].drop_duplicates().merge(first[SERIES], how="left", indicator=True)
    silent = silent.loc[silent["_merge"] == "left_only", SERIES].assign(
        rule="no_demand", message="no positive sale in the history: excluded (no forecast)"
    )
    keys = _series_keys(pd.concat([raw[SERIES], _launch_series(data, raw)[SERIES]]))
    tidy = raw.merge(keys, on=SERIES).rename(columns={"period": "ds", "quantity": "y"})
    clean, found = sanitize(tidy[["unique_id", "ds", "y"]], freq="MS")
    history = clean.merge(keys, on="unique_id").rename(columns={"ds": "period", "y": "quantity"})

    expanded_past = ev.expand(data.events, history[CELL], data.items)
    history = ev.remove_from_history(history, expanded_past)
    classes = classify(history.rename(columns={"baseline": "y"}))
    master = data.items[["item_id", "family_id", "lifecycle", "end_period", "launch_period", "like_item_id"]]
    lifecycle = keys.merge(master, on="item_id", how="left")
    classes = lifecycle.merge(classes, on="unique_id", how="left")
    classes["n_observations"] = classes["n_observations"].fillna(0).astype("int64")
    statistical = classes["demand_class"].fillna(str(DemandClass.INACTIVE))
    is_new = (classes["n_observations"] < fc.new_item_months) & (statistical != DemandClass.INACTIVE)
    is_new |= (classes["lifecycle"] == "new") & (classes["n_observations"] < fc.new_item_months)
    classes["demand_class"] = np.select(
        [classes["lifecycle"].eq("phase_out").fillna(False).to_numpy(), is_new.fillna(False).to_numpy()],
        [str(DemandClass.PHASE_OUT), str(DemandClass.NEW)],
        default=statistical.to_numpy(dtype=str),
    )
    groups = candidate_group(pd.Series(statistical.to_numpy(), index=classes["unique_id"].to_numpy()))

    continuous = classes.loc[statistical.isin([DemandClass.SMOOTH, DemandClass.ERRATIC]), "unique_id"]
    tidy_baseline = history[["unique_id", "period", "baseline"]].rename(columns={"period": "ds", "baseline": "y"})
    cleansed = flag_outliers(tidy_baseline, threshold=fc.outlier_threshold, eligible=pd.Index(continuous))
    history["cleansed"] = cleansed["cleansed"].to_numpy()
    history["is_outlier"] = cleansed["is_outlier"].to_numpy()

    series = history[["unique_id", "period", "cleansed"]].rename(columns={"period": "ds", "cleansed": "y"})
    result = forecast_series(series, groups, EngineOptions.from_config(fc, horizon=steps), progress=progress)
    bounds = bound_columns(tuple(sorted(fc.interval_levels)))
    forecast = result.forecast.rename(columns={"ds": "period"})
    forecast = forecast[forecast["period"].isin(periods)].merge(keys, on="unique_id")

    forecast, lifecycle_warnings = _apply_lifecycle(forecast, classes, history, keys, periods, bounds)
    expanded_future = ev.expand(data.events, forecast[CELL], data.items)
    forecast = ev.add_to_forecast(forecast, expanded_future, ["forecast", *bounds])

    selection = classes.merge(result.selection.drop(columns=["n_observations"]), on="unique_id", how="left")
    profiled = forecast.loc[forecast["model"].isin(_PROFILES)].groupby("unique_id")["model"].first()
    selection["model"] = selection["model"].astype("object")
    selection.loc[selection["unique_id"].isin(profiled.index), "model"] = selection["unique_id"].map(profiled)
    warnings = concat_warnings([found, result.warnings, lifecycle_warnings]).merge(keys, on="unique_id")
    if len(silent):
        warnings = pd.concat([warnings, silent.astype("string")], ignore_index=True)
    return DemandForecast(
        forecast=forecast[[*CELL, "model", "forecast", *bounds, "baseline", "event_uplift"]]
        .sort_values(CELL, ignore_index=True)
        .astype({"model": "string"}),
        selection=selection[
            [*SERIES, "demand_class", "model", "members", "metric", "backtest_metric", "n_observations", "adi", "cv2"]
        ]
        .sort_values(SERIES, ignore_index=True)
        .astype({"demand_class": "string", "model": "string"}),
        history=history[[*CELL, "quantity", "event_uplift", "cleansed", "is_outlier"]].sort_values(
            CELL, ignore_index=True
        ),
        warnings=warnings[[*SERIES, "rule", "message"]],
    )


_PROFILES = [str(ModelName.LIKE_ITEM), str(ModelName.FAMILY_PROFILE)]


def lifecycle_zeros(items: pd.DataFrame, periods: pd.DatetimeIndex) -> pd.DataFrame:
    """item_id, period: the months an item is not sold — before the launch_period of an item that has one, after
    the end_period of a phase-out item. Its forecast is 0 there, and reconciliation keeps it so."""
    frame = items[["item_id", "lifecycle", "launch_period", "end_period"]].astype({"item_id": str})
    grid = frame.merge(pd.DataFrame({"period": periods}), how="cross")
    launch = pd.to_datetime(grid["launch_period"]).astype("datetime64[ns]")
    end = pd.to_datetime(grid["end_period"]).astype("datetime64[ns]")
    before_launch = (grid["period"] < launch).fillna(False)
    ended = (grid["lifecycle"] == "phase_out") & (grid["period"] > end).fillna(False)
    return grid.loc[before_launch | ended, ["item_id", "period"]].reset_index(drop=True)


def _launch_series(data: PlanningData, raw: pd.DataFrame) -> pd.DataFrame:
    """item_id, region_id of `new` items without any history: the regions their like-item (else family) sells in."""
    items = data.items
    selling = raw[SERIES].drop_duplicates()
    new = items[(items["lifecycle"] == "new") & ~items["item_id"].isin(selling["item_id"])]
    if new.empty:
        return pd.DataFrame({"item_id": pd.Series(dtype="string"), "region_id": pd.Series(dtype="string")})
    like = new[["item_id", "like_item_id"]].merge(
        selling.rename(columns={"item_id": "like_item_id"}), on="like_item_id"
    )
    family_regions = selling.merge(items[["item_id", "family_id"]], on="item_id")[["family_id", "region_id"]]
    by_family = new[["item_id", "family_id"]].merge(family_regions.drop_duplicates(), on="family_id")
    both = pd.concat([like[SERIES], by_family[SERIES]]).drop_duplicates()
    return both.astype({"item_id": "string", "region_id": "string"})


def _apply_lifecycle(
    forecast: pd.DataFrame,
    classes: pd.DataFrame,
    history: pd.DataFrame,
    keys: pd.DataFrame,
    periods: pd.DatetimeIndex,
    bounds: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Like-item / family profiles for new series, zero before launch and after end of life."""
    values = ["forecast", *bounds]
    found = []
    grid = keys.merge(pd.DataFrame({"period": periods}), how="cross")
    forecast = grid.merge(forecast.drop(columns=SERIES), on=["unique_id", "period"], how="left")
    forecast["model"] = forecast["model"].fillna(str(ModelName.ZERO))
    forecast[values] = forecast[values].fillna(0.0)
    info = classes.set_index("unique_id")
    new_ids = info.index[info["demand_class"] == DemandClass.NEW]
    established = forecast[~forecast["unique_id"].isin(new_ids)]
    if len(new_ids):
        new = forecast[forecast["unique_id"].isin(new_ids)][["unique_id", *CELL]]
        new = new.merge(info[["like_item_id"]], left_on="unique_id", right_index=True)
        like = established[[*CELL, *values]].rename(columns={"item_id": "like_item_id"})
        by_like = new.merge(like, on=["like_item_id", "region_id", "period"])
        by_like = by_like.assign(model=str(ModelName.LIKE_ITEM))
        scale = _like_scale(history, new[["unique_id", "item_id", "region_id", "like_item_id"]].drop_duplicates())
        by_like[values] = by_like[values].mul(scale.reindex(by_like["unique_id"]).fillna(1.0).to_numpy(), axis=0)
        rest = new[~new["unique_id"].isin(by_like["unique_id"])]
        profile = _family_profile(established, classes, values)
        by_family = rest.merge(classes[["unique_id", "family_id"]], on="unique_id").merge(
            profile, on=["family_id", "region_id", "period"]
        )
        by_family = by_family.assign(model=str(ModelName.FAMILY_PROFILE))
        profiled = pd.concat([by_like, by_family], ignore_index=True)[["unique_id", "period", "model", *values]]
        missing = new_ids.difference(pd.Index(profiled["unique_id"].unique()))
        if len(missing):
            found.append(warnings_frame(missing, "no_profile", "new series without like-item or family: own history"))
        forecast = forecast.merge(profiled, on=["unique_id", "period"], how="left", suffixes=("", "_profile"))
        has = forecast["model_profile"].notna()
        for column in ["model", *values]:
            forecast.loc[has, column] = forecast.loc[has, f"{column}_profile"]
        forecast = forecast.drop(columns=[f"{c}_profile" for c in ["model", *values]])
    dates = forecast[["unique_id"]].merge(info[["launch_period", "end_period"]], left_on="unique_id", right_index=True)
    before_launch = (forecast["period"] < dates["launch_period"].to_numpy()).fillna(False).to_numpy(dtype=bool)
    phase_out = (forecast["unique_id"].map(info["demand_class"]) == DemandClass.PHASE_OUT).to_numpy()
    ended = phase_out & (forecast["period"] > dates["end_period"].to_numpy()).fillna(False).to_numpy(dtype=bool)
    forecast.loc[before_launch | ended, values] = 0.0
    no_end = info.index[(info["demand_class"] == DemandClass.PHASE_OUT) & info["end_period"].isna()]
    if len(no_end):
        found.append(warnings_frame(no_end, "phase_out_without_end", "phase-out item without end_period"))
    return forecast, concat_warnings(found)


def _like_scale(history: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Per new series: own sales / like-item sales in the same region over the months the new series sold."""
    own = history.merge(pairs[["unique_id"]], on="unique_id")[["unique_id", "period", "quantity"]]
    like = history[[*CELL, "quantity"]].rename(columns={"item_id": "like_item_id", "quantity": "like_quantity"})
    both = own.merge(pairs, on="unique_id").merge(like, on=["like_item_id", "region_id", "period"])
    sums = both.groupby("unique_id")[["quantity", "like_quantity"]].sum()
    ratio = sums["quantity"] / sums["like_quantity"].where(sums["like_quantity"] > 0)
    return ratio.dropna()


def _family_profile(established: pd.DataFrame, classes: pd.DataFrame, values: list[str]) -> pd.DataFrame:
    """family_id, region_id, period and the mean of each value over the family's established series."""
    with_family = established.merge(classes[["unique_id", "family_id"]], on="unique_id")
    active = with_family.groupby("unique_id")["forecast"].transform("sum") > 0
    return with_family[active].groupby(["family_id", "region_id", "period"], as_index=False)[values].mean()
