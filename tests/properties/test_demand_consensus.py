"""A family-level override leaves the family total exactly as entered and locked items unchanged."""

from __future__ import annotations

import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st

from opensop.demand import apply_overrides

P = pd.Timestamp("2025-03-01")


@given(
    stat=st.lists(st.floats(0, 1e4), min_size=2, max_size=8),
    locks=st.lists(st.booleans(), min_size=8, max_size=8),
    target=st.floats(0, 1e5),
    source=st.sampled_from(["sales", "marketing", "finance", "demand_planner"]),
)
def test_family_total_and_locks(stat: list[float], locks: list[bool], target: float, source: str) -> None:
    n = len(stat)
    items = [f"i{k}" for k in range(n)]
    locked_items = [i for i, lock in zip(items, locks[:n], strict=True) if lock]
    locked_total = sum(v for v, lock in zip(stat, locks[:n], strict=True) if lock)
    assume(len(locked_items) < n and target >= locked_total)
    statistical = pd.DataFrame({"item_id": items, "region_id": "R", "period": P, "forecast": stat})
    hierarchy = pd.DataFrame({"item_id": items, "family_id": "F", "category_id": "C"})
    override = pd.DataFrame(
        [{"family_id": "F", "region_id": "R", "period": P, "source": source, "kind": "absolute", "value": target}]
    )
    locked = pd.DataFrame({"item_id": locked_items, "region_id": "R", "period": P})
    out = apply_overrides(statistical, override, hierarchy, locked=locked).plan.set_index("item_id")
    assert abs(out["consensus"].sum() - target) <= 1e-6 * max(1.0, target)
    assert out.loc[locked_items, "consensus"].tolist() == out.loc[locked_items, "statistical"].tolist()
    assert (out["consensus"] >= 0).all()
