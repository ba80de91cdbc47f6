"""Reconciled forecasts are coherent at every level (to 1e-6) and non-negative, for any method."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from opensop.config import ReconciliationMethod
from opensop.reconcile import LEVELS, reconcile


@st.composite
def cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n_items = draw(st.integers(1, 6))
    n_regions = draw(st.integers(1, 3))
    n_periods = draw(st.integers(1, 3))
    families = [f"F{draw(st.integers(0, 2))}" for _ in range(n_items)]
    hierarchy = pd.DataFrame(
        {
            "item_id": [f"i{k}" for k in range(n_items)],
            "family_id": families,
            "category_id": ["C" + f[-1] if f[-1] != "2" else "C0" for f in families],
        }
    )
    periods = pd.date_range("2025-01-01", periods=n_periods, freq="MS")
    cells = [(f"i{k}", f"R{r}", p) for k in range(n_items) for r in range(n_regions) for p in periods]
    values = draw(st.lists(st.floats(-50, 1000), min_size=len(cells), max_size=len(cells)))
    fc = pd.DataFrame(cells, columns=["item_id", "region_id", "period"]).assign(forecast=values)
    totals = draw(st.lists(st.floats(0, 5000), min_size=n_periods, max_size=n_periods))
    base = pd.DataFrame({"level": "total", "period": periods, "forecast": totals})
    return fc, hierarchy, base


@given(case=cases(), method=st.sampled_from(list(ReconciliationMethod)))
def test_every_level_is_the_sum_of_its_items(
    case: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], method: ReconciliationMethod
) -> None:
    fc, hierarchy, base = case
    out = reconcile(fc, hierarchy, method, base=base)
    items = out.items.merge(hierarchy, on="item_id")
    assert (out.levels["forecast"] >= 0).all()
    for level in LEVELS:
        keys = list(level.keys)
        got = out.levels[out.levels["level"] == level.name].set_index([*keys, "period"])["forecast"].sort_index()
        want = items.groupby([*keys, "period"])["forecast"].sum().sort_index()
        assert len(got) == len(want)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=1e-6, rtol=0)
