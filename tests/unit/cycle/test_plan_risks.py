"""The executive risks as data (each adapter words them in its own language), on a hand-made set of plan rows."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from opensop.cycle.plan_measures import plan_risks

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


def _rows(*rows: tuple[str, str | None, str | None, date, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["measure", "item_id", "resource_id", "period", "value"])


def test_lost_sales_and_the_most_loaded_resource_month() -> None:
    measures = _rows(
        ("lost", "A", None, JAN, 3.0),
        ("lost", "A", None, FEB, 2.0),
        ("lost", "B", None, JAN, 7.0),
        ("lost", "C", None, JAN, 0.2),  # below half a unit: not a risk
        ("capacity_load", None, "M", JAN, 90.0),
        ("capacity_regular", None, "M", JAN, 100.0),
        ("capacity_load", None, "M", FEB, 130.0),
        ("capacity_regular", None, "M", FEB, 100.0),
        ("capacity_load", None, "N", FEB, 110.0),
        ("capacity_regular", None, "N", FEB, 100.0),
    )
    lost, capacity = plan_risks(measures)
    assert lost == {"kind": "lost_sales", "items": [("B", 7.0), ("A", 5.0)]}
    assert (capacity["kind"], capacity["resource"], capacity["period"]) == ("capacity", "M", pd.Timestamp(FEB))
    assert capacity["share"] == pytest.approx(1.3)


def test_a_plan_within_capacity_and_losing_nothing_has_no_risk() -> None:
    measures = _rows(("lost", "A", None, JAN, 0.0), ("capacity_load", None, "M", JAN, 50.0))
    measures = pd.concat([measures, _rows(("capacity_regular", None, "M", JAN, 100.0))], ignore_index=True)
    assert plan_risks(measures) == []
