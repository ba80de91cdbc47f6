"""Named golden cases in tests/cases/supply_*: each README states the hand-computed optimum."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from opensop.config import PlanningConfig
from opensop.schema import PlanningData
from opensop.supply import SolveStatus, objective_value, plan

CASES = Path(__file__).resolve().parents[2] / "cases"
NAMES = sorted(p.name for p in CASES.glob("supply_*") if p.is_dir())


def load_case(name: str) -> tuple[PlanningData, pd.DataFrame, PlanningConfig, dict[str, object]]:
    folder = CASES / name
    frames = {p.stem: pd.read_csv(p) for p in folder.glob("*.csv") if p.stem != "demand"}
    spec = json.loads((folder / "case.json").read_text())
    demand = pd.read_csv(folder / "demand.csv", parse_dates=["period"])
    return PlanningData.from_frames(frames), demand, PlanningConfig.from_dict(spec["config"]), spec["expect"]


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


def test_unfreezing_january_builds_ahead_instead_of_overtime() -> None:
    """The contrast in the case's README: without the frozen month, 30 units built in January, objective 11,580."""
    data, demand, config, _ = load_case("supply_frozen_horizon")
    result = plan(data, demand, PlanningConfig.from_dict({**config.to_dict(), "frozen_months": 0}))
    assert result.solve.objective == pytest.approx(11580.0)
    assert float(result.production.loc[result.production["period"] == "2025-01-01", "regular"].sum()) == 30.0
