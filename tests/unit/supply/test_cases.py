"""Named golden cases in tests/cases/supply_*: each README states the hand-computed optimum."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from opensop.config import PlanningConfig
from opensop.ingest import validate_source
from opensop.schema import PlanningData
from opensop.supply import SolveStatus, objective_value, plan, requirements, rough_cut_capacity

CASES = Path(__file__).resolve().parents[2] / "cases"
NAMES = sorted(p.name for p in CASES.glob("supply_*") if p.is_dir())


def load_case(name: str) -> tuple[PlanningData, pd.DataFrame, PlanningConfig, dict[str, object]]:
    """A case's data, demand, config and expectations; a case with `import_as_of` is read through the import
    (validate_source: the checks of a user's files, which must pass), the others straight from their CSVs."""
    folder = CASES / name
    spec = json.loads((folder / "case.json").read_text())
    demand = pd.read_csv(folder / "demand.csv", parse_dates=["period"])
    if "import_as_of" in spec:
        imported = validate_source(folder, as_of=date.fromisoformat(spec["import_as_of"]))
        assert imported.data is not None, imported.report.to_frame().to_string()
        data = imported.data
    else:
        data = PlanningData.from_frames({p.stem: pd.read_csv(p) for p in folder.glob("*.csv") if p.stem != "demand"})
    return data, demand, PlanningConfig.from_dict(spec["config"]), spec["expect"]


def test_every_case_is_found() -> None:
    assert len(NAMES) >= 5


@pytest.mark.parametrize("name", NAMES)
def test_case_optimum_matches_hand_computation(name: str) -> None:
    data, demand, config, expect = load_case(name)
    result = plan(data, demand, config)
    assert result.solve.status is SolveStatus.OPTIMAL
    assert result.solve.objective == pytest.approx(expect["objective"], rel=1e-9, abs=1e-6)
    assert objective_value(result.costs, config.supply.objective) == pytest.approx(expect["objective"], rel=1e-9)
    for check in expect["rows"]:  # type: ignore[attr-defined]
        frame = getattr(result, check["frame"])
        mask = pd.Series(True, index=frame.index)
        for column, value in check["where"].items():
            target = pd.Timestamp(value) if "period" in column else value
            mask &= frame[column] == target
        got = frame.loc[mask, check["column"]]
        assert len(got) == 1, f"{check}: {len(got)} rows"
        if isinstance(check["value"], str):
            assert got.iloc[0] == check["value"], check
        else:
            assert float(got.iloc[0]) == pytest.approx(check["value"], abs=1e-6), check


def test_a_shortfall_in_the_frozen_horizon_is_explained_by_it() -> None:
    """January demand 100 against a firm order of 90 and nothing else allowed: 10 short, because January is frozen."""
    data, demand, config, _ = load_case("supply_frozen_horizon")
    demand.loc[demand["period"] == "2025-01-01", "quantity"] = 100.0
    result = plan(data, demand, config)
    january = result.shortfalls[result.shortfalls["period"] == pd.Timestamp("2025-01-01")]
    assert float(january["quantity"].sum()) == pytest.approx(10.0)
    assert january["binding"].str.startswith("frozen horizon").all()
    assert float(result.production.loc[result.production["period"] == "2025-01-01", "regular"].sum()) == 0.0


def test_unfreezing_january_builds_ahead_on_what_the_firm_order_leaves() -> None:
    """The contrast in the case's README: without the frozen month, January builds ahead on the 10 h the firm
    order of 90 leaves (not on all 100: it made 30 when firm orders loaded nothing), objective 11,600."""
    data, demand, config, _ = load_case("supply_frozen_horizon")
    result = plan(data, demand, PlanningConfig.from_dict({**config.to_dict(), "frozen_months": 0}))
    assert result.solve.objective == pytest.approx(11600.0)
    assert float(result.production.loc[result.production["period"] == "2025-01-01", "regular"].sum()) == 10.0
    january = result.capacity[result.capacity["period"] == pd.Timestamp("2025-01-01")].iloc[0]
    assert (january["firm_load"], january["load"]) == pytest.approx((90.0, 100.0))


def test_a_firm_order_loads_rough_cut_capacity_in_its_month() -> None:
    """supply_firm_order_load through RCCP: the firm 100 are netted from January's 120 (net 20 x 2 h = 40 h) and
    load their own 100 x 2 = 200 h, so January's rough-cut load is 240 h of 300 (it was 40 h when firm orders
    loaded nothing); February's net 200 x 2 = 400 h needs 100 h of overtime."""
    data, demand, config, _ = load_case("supply_firm_order_load")
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [0.0]})
    load = rough_cut_capacity(data, requirements(data, demand, config, safety_stock=safety), config)
    load = load.set_index(load["period"].dt.strftime("%Y-%m"))
    assert load.loc["2025-01", ["firm_load", "load"]].tolist() == pytest.approx([200.0, 240.0])
    assert load.loc["2025-02", ["load", "overtime_needed", "overload"]].tolist() == pytest.approx([400.0, 100.0, 0.0])
