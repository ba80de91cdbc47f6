"""forecast_demand on a small company: horizon, life cycle, events, history, warnings."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from opensop.config import ForecastConfig, PlanningConfig
from opensop.demand import forecast_demand
from opensop.schema import PlanningData

PERIODS = pd.date_range("2021-01-01", periods=40, freq="MS")


def _data() -> PlanningData:
    rng = np.random.default_rng(0)
    items = pd.DataFrame(
        {
            "item_id": ["A", "B", "N", "P", "Z"],
            "family_id": ["F1", "F1", "F1", "F2", "F2"],
            "lifecycle": ["active", "active", "new", "phase_out", "active"],
            "like_item_id": [None, None, "A", None, None],
            "end_period": [None, None, None, "2024-06-01", None],
            "unit_price": 1.0,
            "unit_cost": 1.0,
        }
    )
    rows = []
    for item in ["A", "B", "P"]:
        q = 50 + 10 * np.sin(np.arange(40) * np.pi / 6) + rng.normal(0, 2, 40)
        rows.append(pd.DataFrame({"period": PERIODS, "item_id": item, "region_id": "R1", "quantity": q}))
    # N sold 20 and 30 in the last two months, when A sold about (A's values): scale = 50 / (A's two months)
    rows.append(pd.DataFrame({"period": PERIODS[-2:], "item_id": "N", "region_id": "R1", "quantity": [20.0, 30.0]}))
    rows.append(pd.DataFrame({"period": PERIODS, "item_id": "Z", "region_id": "R1", "quantity": 0.0}))
    rows.append(pd.DataFrame({"period": PERIODS[:1], "item_id": "Z", "region_id": "R1", "quantity": [np.nan]}))
    history = pd.concat(rows, ignore_index=True)
    events = pd.DataFrame(
        {
            "item_id": [None],
            "family_id": ["F1"],
            "region_id": [None],
            "period": ["2024-07-01"],
            "uplift_qty": [100.0],
            "label": ["fair"],
        }
    )
    return PlanningData.from_frames(
        {
            "items": items,
            "families": pd.DataFrame({"family_id": ["F1", "F2"], "category_id": ["C", "C"]}),
            "regions": pd.DataFrame({"region_id": ["R1"]}),
            "sales_history": history,
            "events": events,
        }
    )


@pytest.fixture(scope="module")
def result() -> object:
    config = PlanningConfig(horizon_months=6, forecast=ForecastConfig(jobs=1))
    return forecast_demand(_data(), config)


def test_horizon_starts_after_history(result: object) -> None:
    fc = result.forecast  # type: ignore[attr-defined]
    assert sorted(fc["period"].unique()) == list(pd.date_range("2024-05-01", periods=6, freq="MS"))
    assert fc.groupby(["item_id", "region_id"]).size().eq(6).all()
    assert not fc[["forecast", "lo_80", "hi_80", "lo_95", "hi_95"]].isna().any().any()


def test_phase_out_is_zero_after_end(result: object) -> None:
    fc = result.forecast.set_index(["item_id", "period"])  # type: ignore[attr-defined]
    assert fc.loc[("P", pd.Timestamp("2024-06-01")), "forecast"] > 0
    assert (fc.loc["P"].loc["2024-07-01":, "forecast"] == 0).all()


def test_new_item_follows_like_item(result: object) -> None:
    fc = result.forecast.set_index(["item_id", "period"])["baseline"]  # type: ignore[attr-defined]
    hist = result.history.set_index(["item_id", "period"])["quantity"]  # type: ignore[attr-defined]
    scale = 50.0 / (hist.loc[("A", PERIODS[-2])] + hist.loc[("A", PERIODS[-1])])
    assert fc.loc["N"].to_numpy() == pytest.approx(scale * fc.loc["A"].to_numpy())
    sel = result.selection.set_index("item_id")  # type: ignore[attr-defined]
    assert sel.loc["N", "demand_class"] == "new"
    assert sel.loc["N", "model"] == "like_item"


def test_family_event_adds_exactly_its_units(result: object) -> None:
    fc = result.forecast  # type: ignore[attr-defined]
    july = fc[fc["period"] == "2024-07-01"]
    assert july["event_uplift"].sum() == pytest.approx(100.0)
    assert (july["forecast"] - july["baseline"]).sum() == pytest.approx(100.0)
    assert set(july.loc[july["event_uplift"] > 0, "item_id"]) == {"A", "B", "N"}


def test_garbage_series_warned_not_crashed(result: object) -> None:
    warnings = result.warnings  # type: ignore[attr-defined]
    rules = set(zip(warnings["item_id"], warnings["rule"], strict=True))
    assert ("Z", "no_demand") in rules
    sel = result.selection.set_index("item_id")  # type: ignore[attr-defined]
    assert "Z" not in sel.index  # no positive sale ever: not a demand series
    hist = result.history  # type: ignore[attr-defined]
    assert {"quantity", "cleansed", "is_outlier", "event_uplift"} <= set(hist.columns)


def test_start_period_in_the_future_extends_the_engine_horizon() -> None:
    config = PlanningConfig(horizon_months=3, start_period=date(2024, 9, 1), forecast=ForecastConfig(jobs=1))
    fc = forecast_demand(_data(), config).forecast
    assert sorted(fc["period"].unique()) == list(pd.date_range("2024-09-01", periods=3, freq="MS"))
