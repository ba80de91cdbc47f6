"""WAPE, bias, MASE and FVA on a hand-computed case."""

from __future__ import annotations

import pandas as pd
import pytest

from opensop.demand import accuracy, forecast_value_added

HIERARCHY = pd.DataFrame({"item_id": ["a", "b"], "family_id": ["F", "F"], "category_id": ["C", "C"]})
PERIODS = pd.date_range("2024-01-01", periods=2, freq="MS")


def _data() -> tuple[pd.DataFrame, pd.DataFrame]:
    actuals = pd.DataFrame(
        {"item_id": ["a", "a", "b", "b"], "region_id": "R", "period": list(PERIODS) * 2, "quantity": [10.0, 20, 30, 40]}
    )
    snapshots = pd.DataFrame(
        {
            "cycle": "2023-12",
            "lag": 1,
            "item_id": ["a", "a", "b", "b"],
            "region_id": "R",
            "period": list(PERIODS) * 2,
            "statistical": [12.0, 18, 30, 50],
            "consensus": [10.0, 20, 35, 40],
            "naive": [20.0, 20, 20, 20],
            "sales": [12.0, 18, 35, 50],
        }
    )
    # a: actual 10, 20; b: actual 30, 40 — sorted as a/Jan, a/Feb, b/Jan, b/Feb
    snapshots = snapshots.sort_values(["item_id", "period"], ignore_index=True)
    return snapshots, actuals


def test_item_and_total_wape_bias() -> None:
    snapshots, actuals = _data()
    out = accuracy(snapshots, actuals, HIERARCHY, lags=(1,), levels=("item", "total")).set_index(["level", "measure"])
    # item statistical: |12-10| + |18-20| + |30-30| + |50-40| = 14 over 100 -> 0.14; bias (110 - 100) / 100 = 0.10
    assert out.loc[("item", "statistical"), "wape"] == pytest.approx(0.14)
    assert out.loc[("item", "statistical"), "bias"] == pytest.approx(0.10)
    # total statistical: Jan 42 vs 40, Feb 68 vs 60 -> (2 + 8) / 100
    assert out.loc[("total", "statistical"), "wape"] == pytest.approx(0.10)
    # consensus: item errors 0 + 0 + 5 + 0 = 5 -> 0.05
    assert out.loc[("item", "consensus"), "wape"] == pytest.approx(0.05)
    # MASE with m = 12 and 2 actuals: lag-1 scale. a: scale |20-10| = 10, MAE 2 -> 0.2; b: scale 10, MAE 5 -> 0.5
    assert out.loc[("item", "statistical"), "mase"] == pytest.approx(0.35)


def test_fva_steps() -> None:
    snapshots, actuals = _data()
    fva = forecast_value_added(snapshots, actuals, HIERARCHY, levels=("item",), lags=(1,)).set_index("step")
    # naive: |20-10| + 0 + |20-30| + |20-40| = 40 -> 0.40; statistical 0.14 -> FVA 0.26
    assert fva.loc["statistical vs naive", "fva"] == pytest.approx(0.26)
    # consensus 0.05 vs statistical 0.14 -> +0.09
    assert fva.loc["consensus vs statistical", "fva"] == pytest.approx(0.09)
    # sales changed only b/Jan (35 vs 30, actual 30): stat error 0, sales error 5 -> FVA -5/30
    assert fva.loc["sales vs statistical", "n_cells"] == 1
    assert fva.loc["sales vs statistical", "fva"] == pytest.approx(-5 / 30)
