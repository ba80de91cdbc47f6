"""Automatic model selection by rolling-origin backtest, and the final forecast with prediction intervals.

Input: regular series `unique_id, ds, y` (see `opensop.demand.series.sanitize`) and a candidate group per series
(`opensop.demand.classify.candidate_group`). Per group, every candidate is backtested with statsforecast's
`cross_validation` over `windows` origins `step` periods apart, each forecasting `backtest_horizon` periods.
Per series and model:

    MAE  = mean |y - yhat| over all backtest windows and steps
    MASE = MAE / mean_t |y_t - y_{t-m}|      (in-sample seasonal naive error, m = season length; lag 1 if short)
    WAPE = sum |y - yhat| / sum |y|

Both metrics divide the MAE by a model-independent constant of the series, so they rank models identically;
the configured metric is the one reported. The winner is the model with the lowest metric; with `ensemble`,
the mean of the `ensemble_size` best models is backtested too and wins when strictly better.

Only the winning models are then refitted on the full history (the Auto models are never fitted for series
that do not use them). Prediction intervals:

* models with native intervals (ETS, Theta, ARIMA, seasonal naive, historic average, naive): statsforecast's;
* models without (Croston family) and ensembles: split-conformal, residual-based. The half-width at level L is
  the L-quantile of the series' absolute backtest errors |y - yhat| (all windows and steps pooled), so the
  interval has constant width over the horizon;
* series too short to backtest with a model without intervals: the L-quantile of |y_t - mean(y)| over the
  history (the empirical spread of demand around its level).

Bounds are then clipped at 0 (demand is non-negative) and ordered lo95 <= lo80 <= point <= hi80 <= hi95.
A series whose model fails falls back to statsforecast's `fallback_model` (Naive); a forecast still missing is
replaced by the mean of the last season and reported, so one bad series never fails a run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import Naive

from opensop.config import ForecastConfig, ForecastEngine, SelectionMetric
from opensop.demand.models import CATALOGUE, CandidateGroup, ModelName, ModelSpec, candidates, default_model
from opensop.demand.series import WARNING_COLUMNS, naive_scale, warnings_frame

SeriesProgress = Callable[[int, int], None]
KEYS = ["unique_id", "ds"]


@dataclass(frozen=True)
class EngineOptions:
    horizon: int
    freq: str | int = "MS"
    season_length: int = 12
    levels: tuple[int, ...] = (80, 95)
    windows: int = 3
    backtest_horizon: int | None = None
    backtest_step: int = 3
    metric: SelectionMetric = SelectionMetric.MASE
    ensemble: bool = True
    ensemble_size: int = 2
    use_auto_arima: bool = False
    jobs: int = -1
    engine: ForecastEngine = ForecastEngine.LOCAL
    nonnegative: bool = True

    @classmethod
    def from_config(cls, config: ForecastConfig, *, horizon: int, freq: str | int = "MS") -> EngineOptions:
        return cls(
            horizon=horizon,
            freq=freq,
            season_length=config.season_length,
            levels=tuple(sorted(config.interval_levels)),
            windows=config.backtest_windows,
            backtest_horizon=config.backtest_horizon,
            backtest_step=config.backtest_step,
            metric=config.selection_metric,
            ensemble=config.ensemble,
            ensemble_size=config.ensemble_size,
            use_auto_arima=config.use_auto_arima,
            jobs=config.jobs,
            engine=config.engine,
        )

    @property
    def cv_horizon(self) -> int:
        return self.backtest_horizon or min(self.horizon, self.season_length)

    def min_backtest_length(self, group: CandidateGroup) -> int:
        """History needed to backtest: the held-out windows plus a training span (two seasons if continuous)."""
        train = 2 * self.season_length if group is CandidateGroup.CONTINUOUS else max(self.season_length, 6)
        return self.cv_horizon + (self.windows - 1) * self.backtest_step + train


@dataclass(frozen=True)
class EngineResult:
    """forecast: unique_id, ds, model, forecast, lo_<L>, hi_<L> per level.
    selection: unique_id, candidate_group, model, members, metric, backtest_metric, n_observations, backtested.
    warnings: unique_id, rule, message."""

    forecast: pd.DataFrame
    selection: pd.DataFrame
    warnings: pd.DataFrame


def bound_columns(levels: tuple[int, ...]) -> list[str]:
    return [f"{side}_{level}" for level in sorted(levels) for side in ("lo", "hi")]


def _run(options: EngineOptions, models: list[ModelSpec], method: str, df: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """One StatsForecast call: all cores for Auto models, one process for trivial ones (or the Dask cluster)."""
    auto = any(spec.auto for spec in models)
    sf = StatsForecast(
        models=[spec.build(options.season_length) for spec in models],
        freq=options.freq,
        n_jobs=options.jobs if auto else 1,
        fallback_model=Naive(),
    )
    data: Any = df.astype({"unique_id": "object"})
    if options.engine is ForecastEngine.DASK:
        import dask.dataframe as dd  # noqa: PLC0415 - optional extra `distributed`, only for this engine

        data = dd.from_pandas(  # type: ignore[no-untyped-call]
            data, npartitions=max(2, min(len(df) // 1000, 64))
        )
    # statsforecast's numba kernels warn on degenerate inputs (constant or all-zero windows, e.g.
    # "invalid value encountered in divide"); the fallback model and our post-processing handle those series.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # fugue's Dask transform groups with pandas' deprecated apply-on-grouping-columns; harmless here.
        warnings.filterwarnings("ignore", message="DataFrameGroupBy.apply operated", category=FutureWarning)
        result = getattr(sf, method)(df=data, **kwargs)
        if options.engine is ForecastEngine.DASK:
            result = result.compute()
    result = pd.DataFrame(result).reset_index(drop="unique_id" in result.columns)
    result["unique_id"] = result["unique_id"].astype("string")
    return result.sort_values([c for c in ("unique_id", "cutoff", "ds") if c in result.columns], ignore_index=True)


def _scale(series: pd.DataFrame, season_length: int) -> pd.Series:
    """The MASE scale of each series for model selection; 1 when it is zero or undefined (any model ranks the same)."""
    scale = naive_scale(series, season_length)
    return scale.where(scale > 0, 1.0).fillna(1.0)


def _backtest(
    options: EngineOptions, df: pd.DataFrame, models: tuple[ModelName, ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Backtest predictions, long: unique_id, ds, cutoff, y, model, yhat; and the wide frame with all models."""
    auto = [CATALOGUE[m] for m in models if CATALOGUE[m].auto]
    trivial = [CATALOGUE[m] for m in models if not CATALOGUE[m].auto]
    common = {"h": options.cv_horizon, "n_windows": options.windows, "step_size": options.backtest_step}
    keys = ["unique_id", "ds", "cutoff", "y"]
    wide: pd.DataFrame | None = None
    for group, refit in ((auto, False), (trivial, True)):
        if not group:
            continue
        part = _run(options, group, "cross_validation", df, refit=refit, **common)
        wide = part if wide is None else wide.merge(part.drop(columns="y"), on=keys[:3], how="inner")
    assert wide is not None
    long = wide.melt(id_vars=keys, value_vars=[str(m) for m in models], var_name="model", value_name="yhat")
    return long, wide


def _score(long: pd.DataFrame, scale: pd.Series, metric: SelectionMetric) -> pd.DataFrame:
    """unique_id, model, score (the configured metric; inf when a model produced no usable prediction)."""
    long = long.assign(abs_error=(long["y"] - long["yhat"]).abs(), abs_y=long["y"].abs())
    sums = long.groupby(["unique_id", "model"], sort=False).agg(
        mae=("abs_error", "mean"), sae=("abs_error", "sum"), say=("abs_y", "sum")
    )
    nan_rows = long["yhat"].isna().groupby([long["unique_id"], long["model"]], sort=False).any()
    if metric is SelectionMetric.MASE:
        score = sums["mae"] / scale.reindex(sums.index.get_level_values("unique_id")).to_numpy()
    else:
        score = sums["sae"] / sums["say"].where(sums["say"] > 0, np.nan)
        score = score.fillna(sums["sae"])
    score = score.where(~nan_rows.reindex(score.index).to_numpy(), np.inf)
    return pd.DataFrame({"score": score}).reset_index()


def _quantile_halfwidths(errors: pd.DataFrame, levels: tuple[int, ...]) -> pd.DataFrame:
    """Index unique_id; one column per level: the level-quantile of |error| (split-conformal half-width)."""
    grouped = errors.groupby("unique_id", sort=True)["abs_error"]
    return pd.DataFrame({level: grouped.quantile(level / 100.0) for level in levels})


def _select(
    options: EngineOptions, group: CandidateGroup, df: pd.DataFrame, scale: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Winner per series (unique_id, model, members, backtest_metric) and conformal half-widths per series."""
    models = candidates(group, use_auto_arima=options.use_auto_arima)
    long, _ = _backtest(options, df, models)
    scores = _score(long, scale, options.metric).sort_values(["unique_id", "score", "model"], ignore_index=True)
    scores["rank"] = scores.groupby("unique_id", sort=False).cumcount()
    best = scores.loc[scores["rank"] == 0, ["unique_id", "model", "score"]].set_index("unique_id")
    best["members"] = best["model"]
    chosen_long = long.merge(best["model"].reset_index(), on=["unique_id", "model"])
    if options.ensemble and options.ensemble_size > 1 and len(models) > 1:
        top = scores.loc[scores["rank"] < options.ensemble_size, ["unique_id", "model"]]
        members = long.merge(top, on=["unique_id", "model"])
        mean = members.groupby(["unique_id", "ds", "cutoff"], sort=False).agg(y=("y", "first"), yhat=("yhat", "mean"))
        mean = mean.reset_index().assign(model=str(ModelName.ENSEMBLE))
        ens = _score(mean, scale, options.metric).set_index("unique_id")["score"].reindex(best.index)
        wins = ens < best["score"]
        names = top.groupby("unique_id", sort=True)["model"].agg("+".join).reindex(best.index)
        best.loc[wins, "model"] = str(ModelName.ENSEMBLE)
        best.loc[wins, "members"] = names[wins]
        best.loc[wins, "score"] = ens[wins]
        winners = set(best.index[wins])
        chosen_long = pd.concat(
            [chosen_long[~chosen_long["unique_id"].isin(winners)], mean[mean["unique_id"].isin(winners)]]
        )
    errors = chosen_long.assign(abs_error=(chosen_long["y"] - chosen_long["yhat"]).abs())
    widths = _quantile_halfwidths(errors, options.levels)
    return best.rename(columns={"score": "backtest_metric"}).reset_index(), widths


def _dispersion_halfwidths(df: pd.DataFrame, levels: tuple[int, ...]) -> pd.DataFrame:
    """Half-widths from the spread of history around its mean: for short series without native intervals."""
    spread = (df["y"] - df.groupby("unique_id")["y"].transform("mean")).abs()
    return _quantile_halfwidths(pd.DataFrame({"unique_id": df["unique_id"], "abs_error": spread}), levels)


def _final(
    options: EngineOptions, df: pd.DataFrame, selection: pd.DataFrame, progress: Callable[[int], None]
) -> pd.DataFrame:
    """Refit only the models each series uses; returns unique_id, ds, model (the member), forecast and bounds."""
    usage = selection[["unique_id", "model", "members"]].assign(member=selection["members"].str.split("+"))
    usage = usage.explode("member")
    parts = []
    for member, ids in usage.groupby("member", sort=True)["unique_id"]:
        spec = CATALOGUE[ModelName(str(member))]
        parts.append(_member_forecast(options, spec, df[df["unique_id"].isin(ids)]))
        progress(int((selection.loc[selection["model"] == member, "unique_id"]).size))
    return _member_columns(pd.concat(parts, ignore_index=True), options)


def _member_columns(members: pd.DataFrame, options: EngineOptions) -> pd.DataFrame:
    """Every bound column present (NaN for models without native intervals), in one order."""
    return members.reindex(columns=[*KEYS, "forecast", *bound_columns(options.levels), "member"])


def _member_forecast(options: EngineOptions, spec: ModelSpec, df: pd.DataFrame) -> pd.DataFrame:
    """One model fitted on `df` and forecast: unique_id, ds, forecast, its native bounds (if any), member."""
    levels = list(options.levels)
    kwargs: dict[str, Any] = {"h": options.horizon}
    if spec.native_intervals:
        kwargs["level"] = levels
    member = str(spec.name)
    renamed = {member: "forecast"}
    for level in levels:
        renamed[f"{member}-lo-{level}"] = f"lo_{level}"
        renamed[f"{member}-hi-{level}"] = f"hi_{level}"
    part = _run(options, [spec], "forecast", df, **kwargs).rename(columns=renamed)
    kept = [c for c in [*KEYS, "forecast", *bound_columns(options.levels)] if c in part.columns]
    return part[kept].assign(member=member)


def forecast_series(
    series: pd.DataFrame,
    groups: pd.Series,
    options: EngineOptions,
    *,
    progress: SeriesProgress | None = None,
) -> EngineResult:
    """Select, fit and forecast every series of `series` (unique_id, ds, y); `groups` maps unique_id -> group.

    Series with no positive value get a zero forecast (model `zero`) without touching statsforecast.
    """
    levels = options.levels
    bounds = bound_columns(levels)
    found: list[pd.DataFrame] = []
    size = (
        series.assign(abs_y=series["y"].abs())
        .groupby("unique_id", sort=True)
        .agg(n=("y", "size"), total=("abs_y", "sum"))
    )
    total = 2 * len(size)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done = min(total, done + n)
        if progress is not None:
            progress(done, total)

    zero_ids = size.index[size["total"] == 0]
    live = series[~series["unique_id"].isin(zero_ids)]
    groups = groups.reindex(size.index).fillna(str(CandidateGroup.CONTINUOUS))
    scale = _scale(live, options.season_length)
    selections, widths = [], []
    for group_name, ids in groups.drop(zero_ids).groupby(groups.drop(zero_ids), sort=True):
        group = CandidateGroup(str(group_name))
        n_obs = size.loc[ids.index, "n"]
        long_enough = n_obs.index[n_obs >= options.min_backtest_length(group)]
        short = n_obs.index[n_obs < options.min_backtest_length(group)]
        if len(long_enough):
            chosen, width = _select(options, group, live[live["unique_id"].isin(long_enough)], scale)
            selections.append(chosen.assign(candidate_group=str(group), backtested=True))
            widths.append(width)
        if len(short):
            defaults = [str(default_model(group, int(n), options.season_length)) for n in n_obs.loc[short]]
            selections.append(
                pd.DataFrame(
                    {
                        "unique_id": short,
                        "model": defaults,
                        "members": defaults,
                        "backtest_metric": np.nan,
                        "candidate_group": str(group),
                        "backtested": False,
                    }
                )
            )
            found.append(warnings_frame(short, "short_history", "too short to backtest: default model used"))
            native = pd.Series([CATALOGUE[ModelName(m)].native_intervals for m in defaults], index=short)
            no_native = native.index[~native.to_numpy()]
            if len(no_native):
                widths.append(_dispersion_halfwidths(live[live["unique_id"].isin(no_native)], levels))
        tick(len(ids))
    if len(zero_ids):
        found.append(warnings_frame(zero_ids, "all_zero", "no demand in the history: forecast is 0"))

    forecast_parts: list[pd.DataFrame] = []
    if selections:
        selection = pd.concat(selections, ignore_index=True)
        members = _final(options, live, selection, tick)
        forecast_parts.append(_combine(members, selection, pd.concat(widths) if widths else None, options))
    else:
        selection = pd.DataFrame(columns=["unique_id", "model", "members", "backtest_metric"])
    if len(zero_ids):
        last = series.groupby("unique_id")["ds"].max().loc[zero_ids]
        forecast_parts.append(_zero_forecast(last, options))
        selection = pd.concat(
            [
                selection,
                pd.DataFrame(
                    {"unique_id": zero_ids, "model": str(ModelName.ZERO), "members": str(ModelName.ZERO)}
                ).assign(candidate_group=None, backtest_metric=np.nan, backtested=False),
            ],
            ignore_index=True,
        )
    forecast, repaired = finish(pd.concat(forecast_parts, ignore_index=True), live, options)
    found.append(repaired)
    selection = selection.merge(size["n"].rename("n_observations").reset_index(), on="unique_id", how="left")
    selection["metric"] = str(options.metric)
    selection = selection.astype({"unique_id": "string", "model": "string", "members": "string"})
    tick(total)
    return EngineResult(
        forecast=forecast[[*KEYS, "model", "forecast", *bounds]].sort_values(KEYS, ignore_index=True),
        selection=selection[
            [
                "unique_id",
                "candidate_group",
                "model",
                "members",
                "metric",
                "backtest_metric",
                "n_observations",
                "backtested",
            ]
        ].sort_values("unique_id", ignore_index=True),
        warnings=concat_warnings(found),
    )


def concat_warnings(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack warning frames (unique_id, rule, message), dropping empty ones."""
    kept = [f[WARNING_COLUMNS] for f in frames if len(f)]
    if not kept:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in WARNING_COLUMNS})
    return pd.concat(kept, ignore_index=True).astype("string")


def _combine(
    members: pd.DataFrame, selection: pd.DataFrame, widths: pd.DataFrame | None, options: EngineOptions
) -> pd.DataFrame:
    """One row per series and period: the winner's forecast, or the members' mean for ensembles; bounds from
    native intervals or point +- conformal half-width."""
    bounds = bound_columns(options.levels)
    point = members.groupby(KEYS, sort=False)["forecast"].mean().rename("forecast")
    out = point.reset_index().merge(selection[["unique_id", "model", "members"]], on="unique_id")
    single = members.drop(columns="forecast").rename(columns={"member": "members"})
    out = out.merge(single, on=[*KEYS, "members"], how="left")
    if widths is not None:
        width = widths.reindex(out["unique_id"]).to_numpy()
        for j, level in enumerate(options.levels):
            lo, hi = f"lo_{level}", f"hi_{level}"
            conformal = out[lo].isna().to_numpy() & ~np.isnan(width[:, j])
            out.loc[conformal, lo] = out.loc[conformal, "forecast"] - width[conformal, j]
            out.loc[conformal, hi] = out.loc[conformal, "forecast"] + width[conformal, j]
    return out[[*KEYS, "model", "forecast", *bounds]]


def _zero_forecast(last: pd.Series, options: EngineOptions) -> pd.DataFrame:
    """Zero forecasts over the horizon after each series' last date."""
    steps = range(1, options.horizon + 1)
    if isinstance(options.freq, int):
        dates = [last.to_numpy() + k * options.freq for k in steps]
    else:
        offset = pd.tseries.frequencies.to_offset(options.freq)
        dates = [(pd.DatetimeIndex(last.to_numpy()) + k * offset).to_numpy() for k in steps]
    frame = pd.DataFrame(
        {
            "unique_id": pd.array(np.tile(last.index.to_numpy(), options.horizon), dtype="string"),
            "ds": np.concatenate(dates),
            "model": str(ModelName.ZERO),
        }
    )
    frame["forecast"] = 0.0
    for column in bound_columns(options.levels):
        frame[column] = 0.0
    return frame


def finish(forecast: pd.DataFrame, history: pd.DataFrame, options: EngineOptions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Repair missing values, clip at zero and order the bounds; report series that needed a repair."""
    found = []
    missing_point = forecast["forecast"].isna()
    if missing_point.any():
        recent = history.groupby("unique_id").tail(options.season_length).groupby("unique_id")["y"].mean()
        forecast.loc[missing_point, "forecast"] = recent.reindex(forecast.loc[missing_point, "unique_id"]).to_numpy()
        forecast["forecast"] = forecast["forecast"].fillna(0.0)
        found.append(
            warnings_frame(forecast.loc[missing_point, "unique_id"], "model_failed", "mean of last season used")
        )
    bounds = bound_columns(options.levels)
    missing_bounds = forecast[bounds].isna().any(axis=1)
    if missing_bounds.any():
        found.append(
            warnings_frame(forecast.loc[missing_bounds, "unique_id"], "no_interval", "interval set to the point")
        )
        for column in bounds:
            forecast[column] = forecast[column].fillna(forecast["forecast"])
    if options.nonnegative:
        forecast[["forecast", *bounds]] = forecast[["forecast", *bounds]].clip(lower=0.0)
    lower = forecast["forecast"].to_numpy(dtype="float64")
    upper = lower.copy()
    for level in sorted(options.levels):
        lower = np.minimum(forecast[f"lo_{level}"].to_numpy(dtype="float64"), lower)
        upper = np.maximum(forecast[f"hi_{level}"].to_numpy(dtype="float64"), upper)
        forecast[f"lo_{level}"], forecast[f"hi_{level}"] = lower, upper
    return forecast, pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=WARNING_COLUMNS)


def model_output(series: pd.DataFrame, spec: ModelSpec, options: EngineOptions) -> pd.DataFrame:
    """One model's own forecast of every series, before any repair: unique_id, ds, model, forecast, bounds.

    Intervals are the model's own, or the history-dispersion half-widths for models without native intervals.
    This is what the model contract is checked on: `finish` would hide a model that returns NaN.
    """
    ids = pd.Index(series["unique_id"].unique())
    selection = pd.DataFrame({"unique_id": ids, "model": str(spec.name), "members": str(spec.name)})
    widths = None if spec.native_intervals else _dispersion_halfwidths(series, options.levels)
    members = _member_columns(_member_forecast(options, spec, series), options)
    return _combine(members, selection, widths, options).sort_values(KEYS, ignore_index=True)
