"""Garbage in: every repair is reported per series, nothing crashes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.demand.series import flag_outliers, naive_scale, sanitize


def test_repairs_and_warnings() -> None:
    raw = pd.DataFrame(
        {
            "unique_id": ["a", "a", "a", "b", "b", "c", "c", None],
            "ds": [
                "2024-01-01",
                "2024-01-01",
                "2024-03-01",
                "2024-01-01",
                "2024-02-01",
                "2024-01-01",
                "2024-01-15",
                "2024-01-01",
            ],
            "y": [1.0, 2.0, np.nan, -5.0, 4.0, 1.0, 1.0, 3.0],
        }
    )
    clean, found = sanitize(raw, freq="MS")
    rules = set(zip(found["unique_id"], found["rule"], strict=True))
    assert ("a", "duplicated_dates") in rules
    assert ("a", "missing_values") in rules
    assert ("a", "gaps_filled") in rules
    assert ("b", "negative_values") in rules
    assert ("c", "irregular_frequency") in rules
    assert ("<no id>", "missing_keys") in rules
    # a: Jan = 1 + 2, Feb gap = 0, Mar NaN = 0; b: Jan -5 -> 0, Feb 4; c excluded
    assert clean["y"].tolist() == [3.0, 0.0, 0.0, 0.0, 4.0]
    assert clean["unique_id"].tolist() == ["a", "a", "a", "b", "b"]


def test_integer_time_index() -> None:
    raw = pd.DataFrame({"unique_id": ["x", "x", "x"], "ds": [1, 2, 4], "y": [1.0, 2.0, 4.0]})
    clean, found = sanitize(raw, freq=1)
    assert clean["ds"].tolist() == [1, 2, 3, 4]
    assert clean["y"].tolist() == [1.0, 2.0, 0.0, 4.0]
    assert found["rule"].tolist() == ["gaps_filled"]


def test_outlier_is_flagged_and_reversible() -> None:
    # residuals from the rolling median are 0 except +-1 noise and one spike of 100
    y = [10.0, 11.0, 10.0, 11.0, 10.0, 110.0, 10.0, 11.0, 10.0, 11.0, 10.0]
    frame = pd.DataFrame({"unique_id": "s", "ds": range(len(y)), "y": y})
    out = flag_outliers(frame, threshold=4.0, eligible=pd.Index(["s"]))
    assert out["is_outlier"].tolist() == [i == 5 for i in range(len(y))]
    assert out.loc[5, "y"] == 110.0
    # centred window of 7 around index 5: 10, 11, 10, 110, 10, 11, 10 -> sorted median 10
    assert out.loc[5, "cleansed"] == 10.0


def test_naive_scale_by_hand() -> None:
    # season 2. a: 3 values > 2 -> lag 2: |4 - 1| = 3. b: 2 values, not longer than a season -> lag 1: |5 - 2| = 3,
    # mean 3. c: constant -> 0. d: one value -> no difference at all, NaN.
    series = pd.DataFrame(
        {
            "unique_id": ["a", "a", "a", "b", "b", "c", "c", "c", "d"],
            "y": [1.0, 2.0, 4.0, 2.0, 5.0, 7.0, 7.0, 7.0, 9.0],
        }
    )
    scale = naive_scale(series, season_length=2)
    assert scale[["a", "b", "c"]].tolist() == [3.0, 3.0, 0.0]
    assert np.isnan(scale["d"])
