"""Turning raw tidy history (`unique_id, ds, y`) into regular series the models can trust.

Garbage in never crashes a run: every repair is reported as one warning per series and rule, and a series that
cannot be repaired (dates off the frequency grid) is excluded explicitly. Repairs, in order:

* rows without an id or a date are dropped (`missing_keys`);
* missing quantities count as no sale, 0 (`missing_values`);
* several rows for one date are summed (`duplicated_dates`), as sales lines of one period are;
* negative quantities (returns exceeding sales) become 0 when demand must be non-negative (`negative_values`);
* a series with a date off the `freq` grid (mixed frequencies, a weekly series in a monthly file) is excluded
  (`irregular_frequency`): guessing how to re-bucket it would hide a data problem;
* missing periods between a series' first and last date are filled with 0 (`gaps_filled`).

Outlier cleansing (`flag_outliers`) is reversible: the original `y` is kept next to `cleansed`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WARNING_COLUMNS = ["unique_id", "rule", "message"]
OUTLIER_WINDOW = 7
MAD_TO_SIGMA = 1.4826


def warnings_frame(ids: pd.Series | pd.Index | list[str], rule: str, message: str) -> pd.DataFrame:
    """One warning row per distinct id."""
    unique = pd.unique(pd.Series(list(ids), dtype="string"))
    return pd.DataFrame({"unique_id": unique, "rule": rule, "message": message}, columns=WARNING_COLUMNS)


def naive_scale(series: pd.DataFrame, season_length: int) -> pd.Series:
    """The MASE denominator per unique_id: mean_t |y_t - y_{t-m}| over the series' own values (the in-sample error of
    the seasonal naive, m = season length), with lag 1 when the series is not longer than one season. NaN for a
    series of one value; 0 for a constant one: callers decide what such a series is scaled by."""
    grouped = series.groupby("unique_id", sort=True)["y"]
    lag = np.where(grouped.transform("size") > season_length, season_length, 1)
    seasonal = (series["y"] - grouped.shift(season_length)).abs()
    first = (series["y"] - grouped.shift(1)).abs()
    error = pd.Series(np.where(lag == season_length, seasonal, first), index=series.index)
    return error.groupby(series["unique_id"]).mean()


def _grid_positions(ds: pd.Series, freq: str | int) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Position of each date on one global grid of `freq` steps, and whether it lies exactly on it."""
    if isinstance(freq, int):
        values = ds.to_numpy(dtype="int64")
        start = int(values.min())
        offset = values - start
        on_grid = offset % freq == 0
        return offset // freq, on_grid, pd.Index(np.arange(start, int(values.max()) + freq, freq))
    dates = pd.date_range(ds.min(), ds.max(), freq=freq)
    positions = dates.searchsorted(ds.to_numpy())
    inside = positions < len(dates)
    on_grid = np.zeros(len(ds), dtype=bool)
    on_grid[inside] = dates.to_numpy()[positions[inside]] == ds.to_numpy()[inside]
    return positions, on_grid, dates


def sanitize(frame: pd.DataFrame, *, freq: str | int, nonnegative: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regular, gap-free series sorted by (unique_id, ds), and the warnings of every repair made."""
    found: list[pd.DataFrame] = []
    df = frame[["unique_id", "ds", "y"]].copy()
    df["unique_id"] = df["unique_id"].astype("string")
    df["y"] = pd.to_numeric(df["y"], errors="coerce").astype("float64")
    if not isinstance(freq, int):
        df["ds"] = pd.to_datetime(df["ds"], errors="coerce")
    missing_keys = df["unique_id"].isna() | df["ds"].isna()
    if missing_keys.any():
        found.append(
            warnings_frame(
                df.loc[missing_keys, "unique_id"].fillna("<no id>"), "missing_keys", "rows without id or date dropped"
            )
        )
        df = df.loc[~missing_keys]
    if df.empty:
        return pd.DataFrame({"unique_id": pd.Series(dtype="string"), "ds": [], "y": []}), _concat(found)

    missing = df["y"].isna()
    if missing.any():
        found.append(warnings_frame(df.loc[missing, "unique_id"], "missing_values", "missing quantities read as 0"))
        df["y"] = df["y"].fillna(0.0)
    duplicated = df.duplicated(["unique_id", "ds"], keep=False)
    if duplicated.any():
        found.append(
            warnings_frame(df.loc[duplicated, "unique_id"], "duplicated_dates", "rows of the same date were summed")
        )
    df = df.groupby(["unique_id", "ds"], sort=True)["y"].sum().reset_index()
    if nonnegative:
        negative = df["y"] < 0
        if negative.any():
            found.append(
                warnings_frame(df.loc[negative, "unique_id"], "negative_values", "negative quantities set to 0")
            )
            df.loc[negative, "y"] = 0.0

    positions, on_grid, grid = _grid_positions(df["ds"], freq)
    off_ids = df.loc[~on_grid, "unique_id"].unique()
    if len(off_ids):
        found.append(
            warnings_frame(
                off_ids, "irregular_frequency", f"dates off the '{freq}' grid (mixed frequency?): series excluded"
            )
        )
    keep = ~df["unique_id"].isin(off_ids).to_numpy()
    df, positions = df.loc[keep].reset_index(drop=True), positions[keep]
    df["pos"] = positions

    bounds = df.groupby("unique_id", sort=True)["pos"].agg(["min", "max", "size"])
    lengths = (bounds["max"] - bounds["min"] + 1).to_numpy()
    gaps = bounds.index[lengths > bounds["size"].to_numpy()]
    if len(gaps):
        found.append(warnings_frame(gaps, "gaps_filled", "missing periods filled with 0"))
    ids = np.repeat(bounds.index.to_numpy(), lengths)
    starts = np.repeat(bounds["min"].to_numpy(), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    full = pd.DataFrame({"unique_id": pd.array(ids, dtype="string"), "pos": starts + offsets})
    full = full.merge(df[["unique_id", "pos", "y"]], on=["unique_id", "pos"], how="left")
    full["y"] = full["y"].fillna(0.0)
    full["ds"] = grid[full["pos"].to_numpy()]
    out = full[["unique_id", "ds", "y"]].reset_index(drop=True)
    return out, _concat(found)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in WARNING_COLUMNS})
    return pd.concat(frames, ignore_index=True).astype("string")


def flag_outliers(frame: pd.DataFrame, *, threshold: float, eligible: pd.Index) -> pd.DataFrame:
    """Add `is_outlier` and `cleansed` (= `y` except outliers, which take the local median).

    A point is an outlier when |y_t - m_t| > threshold * 1.4826 * MAD, where m_t is the centred rolling median
    over 7 periods and MAD the series' median absolute deviation of the residuals y - m (1.4826 * MAD estimates
    the standard deviation of normal noise robustly). Only `eligible` series are screened: for intermittent
    demand the spikes are the signal, and a MAD of 0 (mostly-zero series) would flag every sale.
    """
    out = frame.copy()
    grouped = out.groupby("unique_id", sort=False)["y"]
    median = grouped.rolling(OUTLIER_WINDOW, center=True, min_periods=1).median()
    out["_median"] = median.reset_index(level=0, drop=True).reindex(out.index)
    residual = out["y"] - out["_median"]
    center = residual.groupby(out["unique_id"]).transform("median")
    mad = (residual - center).abs().groupby(out["unique_id"]).transform("median")
    scale = MAD_TO_SIGMA * mad
    out["is_outlier"] = (
        out["unique_id"].isin(eligible).to_numpy() & (scale > 0).to_numpy() & (residual.abs() > threshold * scale)
    ).astype(bool)
    out["cleansed"] = out["y"].where(~out["is_outlier"], out["_median"])
    return out.drop(columns="_median")
