"""Standalone forecasting of any tidy file (`unique_id, ds, y`), for `opensop forecast --input FILE ...`.

The same engine as the demand review (`opensop.demand.engine`): classification picks the candidate set, the
rolling-origin backtest picks the model per series, garbage is repaired or excluded with a warning per series.
`ds` may be dates (with a pandas frequency such as "MS", "W-MON", "D", "QS") or integers (freq an int step).
Demand semantics by default: negative values are repaired to 0 (with a warning) and forecasts are non-negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from opensop.config import ForecastConfig, ForecastEngine, SelectionMetric
from opensop.demand.classify import candidate_group, classify
from opensop.demand.engine import EngineOptions, SeriesProgress, concat_warnings, forecast_series
from opensop.demand.series import sanitize
from opensop.errors import SourceError

REQUIRED = ("unique_id", "ds", "y")


@dataclass(frozen=True)
class StandaloneForecast:
    """forecast: unique_id, ds, model, forecast, lo_<L>, hi_<L>; selection: per series; warnings: per series."""

    forecast: pd.DataFrame
    selection: pd.DataFrame
    warnings: pd.DataFrame


def read_tidy(input_path: Path | str) -> pd.DataFrame:
    """Read a CSV or Parquet file with columns unique_id, ds, y; raise SourceError when it cannot be used."""
    path = Path(input_path)
    if not path.exists():
        raise SourceError(f"input file not found: {path}")
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() in {".parquet", ".pq"} else pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read {path}: {exc}", hint="give a CSV or Parquet file") from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise SourceError(f"{path} lacks column(s) {', '.join(missing)}", hint="columns must be unique_id, ds, y")
    return frame


def forecast_frame(
    frame: pd.DataFrame,
    *,
    horizon: int,
    freq: str | int,
    levels: tuple[int, ...] = (80, 95),
    jobs: int = -1,
    season_length: int | None = None,
    config: ForecastConfig | None = None,
    engine: ForecastEngine = ForecastEngine.LOCAL,
    nonnegative: bool = True,
    progress: SeriesProgress | None = None,
) -> StandaloneForecast:
    """Forecast every series of a tidy frame `horizon` steps ahead (negative values repaired to 0 and forecasts
    clipped at 0 unless `nonnegative` is False)."""
    if horizon < 1:
        raise SourceError(f"horizon must be at least 1, got {horizon}")
    cfg = config or ForecastConfig(selection_metric=SelectionMetric.MASE)
    ds = frame["ds"]
    if isinstance(freq, int) and not pd.api.types.is_integer_dtype(ds):
        raise SourceError("an integer freq needs integer ds values")
    clean, found = sanitize(frame[list(REQUIRED)], freq=freq, nonnegative=nonnegative)
    options = EngineOptions.from_config(cfg, horizon=horizon, freq=freq)
    options = EngineOptions(
        **{
            **options.__dict__,
            "levels": tuple(sorted(levels)),
            "jobs": jobs,
            "engine": engine,
            "nonnegative": nonnegative,
            "season_length": season_length or _season_length(freq),
        }
    )
    classes = classify(clean)
    groups = candidate_group(classes.set_index("unique_id")["demand_class"])
    result = forecast_series(clean, groups, options, progress=progress)
    selection = result.selection.merge(classes[["unique_id", "demand_class", "adi", "cv2"]], on="unique_id")
    return StandaloneForecast(result.forecast, selection, concat_warnings([found, result.warnings]))


def forecast_file(
    input_path: Path | str,
    *,
    horizon: int,
    freq: str | int,
    levels: tuple[int, ...] = (80, 95),
    jobs: int = -1,
    progress: SeriesProgress | None = None,
) -> pd.DataFrame:
    """Forecast a tidy CSV/Parquet file; per-series warnings travel in `result.attrs["warnings"]` (a frame)."""
    result = forecast_frame(
        read_tidy(input_path), horizon=horizon, freq=freq, levels=levels, jobs=jobs, progress=progress
    )
    out = result.forecast.copy()
    out.attrs["warnings"] = result.warnings
    out.attrs["selection"] = result.selection
    return out


def _season_length(freq: str | int) -> int:
    """Seasonal period implied by a pandas frequency: 12 monthly, 4 quarterly, 52 weekly, 7 daily, else 1."""
    if isinstance(freq, int):
        return 1
    code = str(freq).upper()
    for prefix, season in (("M", 12), ("Q", 4), ("W", 52), ("D", 7), ("B", 5), ("H", 24)):
        if code.startswith(prefix):
            return season
    return 1
