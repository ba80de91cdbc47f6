"""Standalone mode: tidy file in, forecast frame out; garbage reported per series; Dask gives the same answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opensop.config import ForecastEngine
from opensop.demand.standalone import forecast_file, forecast_frame
from opensop.errors import SourceError


def _tidy() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    ds = pd.date_range("2021-01-01", periods=30, freq="MS")
    good = pd.DataFrame({"unique_id": "good", "ds": ds, "y": 20 + rng.normal(0, 1, 30)})
    zeros = pd.DataFrame({"unique_id": "zeros", "ds": ds, "y": 0.0})
    one = pd.DataFrame({"unique_id": "one", "ds": ds[:1], "y": [7.0]})
    dup = pd.DataFrame({"unique_id": "dup", "ds": [ds[0], ds[0], ds[1]], "y": [1.0, 2.0, np.nan]})
    mixed = pd.DataFrame({"unique_id": "mixed", "ds": [ds[0], ds[0] + pd.Timedelta(days=7)], "y": [1.0, 1.0]})
    neg = pd.DataFrame({"unique_id": "neg", "ds": ds[:3], "y": [5.0, -3.0, 5.0]})
    return pd.concat([good, zeros, one, dup, mixed, neg], ignore_index=True)


def test_forecast_file_with_garbage(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    _tidy().to_csv(path, index=False)
    calls: list[tuple[int, int]] = []
    out = forecast_file(path, horizon=4, freq="MS", levels=(80, 95), jobs=1, progress=lambda d, t: calls.append((d, t)))
    assert out.groupby("unique_id").size().to_dict() == {"dup": 4, "good": 4, "neg": 4, "one": 4, "zeros": 4}
    assert not out.isna().any().any()
    assert (out.loc[out["unique_id"] == "zeros", "forecast"] == 0).all()
    rules = set(zip(out.attrs["warnings"]["unique_id"], out.attrs["warnings"]["rule"], strict=True))
    assert {
        ("mixed", "irregular_frequency"),
        ("dup", "duplicated_dates"),
        ("zeros", "all_zero"),
        ("neg", "negative_values"),
        ("one", "short_history"),
    } <= rules
    assert calls[-1][0] == calls[-1][1]


def test_parquet_and_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        forecast_file(tmp_path / "missing.csv", horizon=3, freq="MS")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"id": [1], "y": [1]}).to_csv(bad, index=False)
    with pytest.raises(SourceError, match="unique_id"):
        forecast_file(bad, horizon=3, freq="MS")
    pq = tmp_path / "in.parquet"
    _tidy().query("unique_id == 'good'").to_parquet(pq)
    assert len(forecast_file(pq, horizon=3, freq="MS", jobs=1)) == 3


def test_integer_index_any_frequency() -> None:
    frame = pd.DataFrame({"unique_id": "w", "ds": np.arange(1, 41), "y": np.tile([1.0, 2.0, 3.0, 4.0], 10)})
    out = forecast_frame(frame, horizon=5, freq=1, jobs=1, season_length=4)
    assert out.forecast["ds"].tolist() == [41, 42, 43, 44, 45]


@pytest.mark.slow
def test_dask_engine_matches_local() -> None:
    from dask import distributed

    frame = _tidy().query("unique_id in ['good', 'neg', 'zeros']")
    local = forecast_frame(frame, horizon=3, freq="MS", jobs=1).forecast
    with (
        distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster),
    ):
        remote = forecast_frame(frame, horizon=3, freq="MS", jobs=1, engine=ForecastEngine.DASK).forecast
    pd.testing.assert_frame_equal(local.reset_index(drop=True), remote.reset_index(drop=True), check_dtype=False)
