"""Reconciliation on a hand-checked hierarchy: items a, b in family F; c in G; all in category C; regions R, S."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opensop.config import ReconciliationMethod
from opensop.demand.forecast import lifecycle_zeros
from opensop.reconcile import reconcile

H = pd.DataFrame({"item_id": ["a", "b", "c"], "family_id": ["F", "F", "G"], "category_id": ["C", "C", "C"]})
P = pd.Timestamp("2025-01-01")
FC = pd.DataFrame(
    {"item_id": ["a", "b", "c", "a"], "region_id": ["R", "R", "R", "S"], "period": P, "forecast": [1.0, 2.0, 3.0, 4.0]}
)
BASE = pd.DataFrame({"level": ["total"], "period": [P], "forecast": [20.0]})


def _items(result: object) -> dict[tuple[str, str], float]:
    items = result.items  # type: ignore[attr-defined]
    return {(i, r): v for i, r, v in zip(items["item_id"], items["region_id"], items["forecast"], strict=True)}


def test_bottom_up_sums() -> None:
    out = reconcile(FC, H, ReconciliationMethod.BOTTOM_UP, base=BASE)
    levels = out.levels.set_index("level")
    assert levels.loc["total", "forecast"] == 10.0
    assert levels.loc["total", "base"] == 20.0
    fam = out.levels[out.levels["level"] == "family_region"].set_index(["family_id", "region_id"])["forecast"]
    assert fam.to_dict() == {("F", "R"): 3.0, ("F", "S"): 4.0, ("G", "R"): 3.0}


def test_top_down_forecast_proportions() -> None:
    # total 20 vs bottom sum 10: every bottom doubles (proportions of the base forecasts down the tree)
    out = reconcile(FC, H, ReconciliationMethod.TOP_DOWN, base=BASE)
    assert _items(out) == pytest.approx({("a", "R"): 2.0, ("b", "R"): 4.0, ("c", "R"): 6.0, ("a", "S"): 8.0})


def test_min_trace_matches_the_wls_closed_form() -> None:
    # Bottom order aR, bR, cR, aS. Rows of S written by hand, one per node of the 8 levels.
    s = np.array(
        [
            [1, 1, 1, 1],  # total
            [1, 1, 1, 0],
            [0, 0, 0, 1],  # regions R, S
            [1, 1, 1, 1],  # category C
            [1, 1, 1, 0],
            [0, 0, 0, 1],  # C x R, C x S
            [1, 1, 0, 1],
            [0, 0, 1, 0],  # families F, G
            [1, 1, 0, 0],
            [0, 0, 0, 1],
            [0, 0, 1, 0],  # F x R, F x S, G x R
            [1, 0, 0, 1],
            [0, 1, 0, 0],
            [0, 0, 1, 0],  # items a, b, c
            [1, 0, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
            [0, 0, 0, 1],  # bottom
        ],
        dtype=float,
    )
    bottom = np.array([1.0, 2.0, 3.0, 4.0])
    y_hat = s @ bottom
    y_hat[0] = 20.0  # the independent total forecast
    w_inv = np.diag(1.0 / s.sum(axis=1))
    expected = np.linalg.solve(s.T @ w_inv @ s, s.T @ w_inv @ y_hat)
    out = reconcile(FC, H, ReconciliationMethod.MIN_TRACE, base=BASE)
    got = _items(out)
    assert [got[k] for k in [("a", "R"), ("b", "R"), ("c", "R"), ("a", "S")]] == pytest.approx(expected)
    assert out.levels.loc[out.levels["level"] == "total", "forecast"].iloc[0] == pytest.approx(expected.sum())


def test_negative_inputs_give_non_negative_coherent_output() -> None:
    fc = FC.assign(forecast=[-5.0, 2.0, 3.0, 4.0])
    for method in ReconciliationMethod:
        out = reconcile(fc, H, method)
        assert (out.levels["forecast"] >= 0).all()
        total = out.levels.loc[out.levels["level"] == "total", "forecast"].iloc[0]
        assert total == pytest.approx(out.items["forecast"].sum())


def test_items_outside_their_life_stay_zero_at_every_level() -> None:
    """b has ended (phase-out): its forecast is 0. MinTrace spreads the total's gap (base 20 vs 8 summed) over every
    item, b included; as a structural zero b keeps 0, the others keep their reconciled values, and every level is
    the sum of its items (family F in R is a alone)."""
    fc = FC.assign(forecast=[1.0, 0.0, 3.0, 4.0])
    spread = _items(reconcile(fc, H, ReconciliationMethod.MIN_TRACE, base=BASE))
    assert spread[("b", "R")] > 0.3
    ended = pd.DataFrame({"item_id": ["b"], "period": [P]})
    out = reconcile(fc, H, ReconciliationMethod.MIN_TRACE, base=BASE, zeros=ended)
    items = _items(out)
    assert items[("b", "R")] == 0.0
    alive = [key for key in items if key[0] != "b"]
    assert [items[key] for key in alive] == pytest.approx([spread[key] for key in alive])
    levels = out.levels
    family = levels[levels["level"] == "family_region"].set_index(["family_id", "region_id"])["forecast"]
    assert family[("F", "R")] == pytest.approx(items[("a", "R")])
    total = float(levels.loc[levels["level"] == "total", "forecast"].iloc[0])
    assert total == pytest.approx(sum(items.values()))


def test_lifecycle_zeros_are_the_months_before_launch_and_after_end_of_life() -> None:
    items = pd.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "lifecycle": ["new", "phase_out", "active"],
            "launch_period": [pd.Timestamp("2025-02-01"), pd.NaT, pd.NaT],
            "end_period": [pd.NaT, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-01")],  # c is not phase-out
        }
    )
    zeros = lifecycle_zeros(items, pd.date_range("2025-01-01", periods=3, freq="MS"))
    assert list(zip(zeros["item_id"], zeros["period"].dt.strftime("%Y-%m"), strict=True)) == [
        ("a", "2025-01"),
        ("b", "2025-02"),
        ("b", "2025-03"),
    ]
