"""Consensus overrides: hand-checked disaggregation, locks, precedence."""

from __future__ import annotations

import pandas as pd
import pytest

from opensop.demand import apply_overrides

P = pd.Timestamp("2025-01-01")
HIERARCHY = pd.DataFrame({"item_id": ["a", "b", "c"], "family_id": ["F", "F", "F"], "category_id": ["C", "C", "C"]})


def _stat(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"item_id": ["a", "b", "c"], "region_id": "R", "period": P, "forecast": values})


def _override(**kw: object) -> pd.DataFrame:
    row = {
        "family_id": "F",
        "region_id": "R",
        "period": P,
        "source": "sales",
        "kind": "absolute",
        "author": "ann",
        "reason": "deal",
    }
    row.update(kw)
    return pd.DataFrame([row])


def test_family_override_pro_rata_with_lock() -> None:
    # stat a=10, b=30, c=60; family target 200; c locked at 60 -> free 140 split 10:30 -> a=35, b=105
    out = apply_overrides(
        _stat([10, 30, 60]),
        _override(value=200.0),
        HIERARCHY,
        locked=pd.DataFrame({"item_id": ["c"], "region_id": ["R"], "period": [P]}),
    )
    plan = out.plan.set_index("item_id")
    assert plan["sales"].to_dict() == pytest.approx({"a": 35.0, "b": 105.0, "c": 60.0})
    assert plan["consensus"].sum() == pytest.approx(200.0)
    assert plan["statistical"].tolist() == [10, 30, 60]
    assert set(plan["consensus_source"]) == {"sales"}


def test_percent_and_zero_stat_split_evenly() -> None:
    # stat all 0: +50% of 0 is 0; absolute 90 -> 30 each
    out = apply_overrides(_stat([0, 0, 0]), _override(value=90.0), HIERARCHY)
    assert out.plan["consensus"].tolist() == pytest.approx([30.0, 30.0, 30.0])
    pct = apply_overrides(_stat([10, 20, 30]), _override(value=50.0, kind="percent"), HIERARCHY)
    # (1 + 0.5) * 60 = 90 split 1:2:3
    assert pct.plan["consensus"].tolist() == pytest.approx([15.0, 30.0, 45.0])


def test_demand_planner_wins_over_later_sales() -> None:
    overrides = pd.concat(
        [
            _override(value=120.0, source="demand_planner", entered_at="2025-01-02"),
            _override(value=300.0, source="sales", entered_at="2025-01-05"),
            _override(value=60.0, source="finance", entered_at="2025-01-03"),
        ],
        ignore_index=True,
    )
    out = apply_overrides(_stat([10, 20, 30]), overrides, HIERARCHY)
    plan = out.plan
    assert plan["consensus"].sum() == pytest.approx(120.0)
    assert plan["sales"].sum() == pytest.approx(300.0)
    assert plan["finance"].sum() == pytest.approx(60.0)
    assert plan["marketing"].tolist() == [10, 20, 30]
    assert set(plan["consensus_source"]) == {"demand_planner"}


def test_latest_non_planner_wins_and_item_override_refines_family() -> None:
    overrides = pd.concat(
        [
            _override(value=60.0, source="finance", entered_at="2025-01-03"),
            _override(value=300.0, source="sales", entered_at="2025-01-05"),
            _override(value=100.0, source="sales", family_id=None, item_id="a", entered_at="2025-01-01"),
        ],
        ignore_index=True,
    )
    plan = apply_overrides(_stat([10, 20, 30]), overrides, HIERARCHY).plan.set_index("item_id")
    # sales: family 300 split 1:2:3 -> 50, 100, 150; then the finer item override sets a = 100
    assert plan["sales"].to_dict() == pytest.approx({"a": 100.0, "b": 100.0, "c": 150.0})
    # consensus, latest override per cell: a's sales value dates from 01-01 (item override), finance's family
    # override (01-03: 60 split 1:2:3 -> a = 10) is later; b and c take sales' family override of 01-05.
    assert plan["consensus"].to_dict() == pytest.approx({"a": 10.0, "b": 100.0, "c": 150.0})
    assert plan["consensus_source"].to_dict() == {"a": "finance", "b": "sales", "c": "sales"}


def test_bad_overrides_are_reported_not_raised() -> None:
    bad = pd.concat([_override(value=-5.0), _override(value=10.0, source="ceo")], ignore_index=True)
    out = apply_overrides(_stat([1, 2, 3]), bad, HIERARCHY)
    assert out.plan["consensus"].tolist() == [1, 2, 3]
    assert sorted(out.warnings["message"]) == ["missing or negative value", "unknown source"]
    locked_all = apply_overrides(
        _stat([1, 2, 3]),
        _override(value=100.0),
        HIERARCHY,
        locked=pd.DataFrame({"item_id": ["a", "b", "c"], "region_id": "R", "period": P}),
    )
    assert locked_all.warnings["rule"].tolist() == ["target_not_reachable"]
    assert locked_all.plan["consensus"].tolist() == [1, 2, 3]
