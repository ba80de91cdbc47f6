"""One contract run against every model offered, on the model's own output (before the engine repairs anything):
length h, no NaN, ordered intervals; and after the engine's finish: non-negative, still ordered.

A test proves the contract can fail: a model that returns NaN everywhere is caught, although the engine's repair
step (mean of the last season) would have hidden it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from statsforecast.models import Naive

from opensop.demand.engine import EngineOptions, finish, model_output
from opensop.demand.models import CATALOGUE, ModelName, ModelSpec

H = 6
BOUNDS = ["lo_95", "lo_80", "forecast", "hi_80", "hi_95"]


def _series() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    ds = pd.date_range("2020-01-01", periods=36, freq="MS")
    smooth = 50 + 10 * np.sin(np.arange(36) * np.pi / 6) + rng.normal(0, 2, 36)
    sparse = rng.poisson(0.4, 36) * 4.0
    return pd.DataFrame(
        {
            "unique_id": pd.array(["smooth"] * 36 + ["sparse"] * 36, dtype="string"),
            "ds": np.tile(ds, 2),
            "y": np.concatenate([smooth, sparse]),
        }
    )


def assert_meets_the_contract(spec: ModelSpec) -> None:
    options = EngineOptions(horizon=H, jobs=1)
    raw = model_output(_series(), spec, options)
    assert raw.groupby("unique_id").size().to_dict() == {"smooth": H, "sparse": H}
    assert not raw[BOUNDS].isna().any().any(), f"{spec.name} returned missing values"
    for lower, upper in pairwise(BOUNDS):
        assert (raw[lower] <= raw[upper] + 1e-9).all(), f"{spec.name}: {lower} above {upper}"
    # first forecast date is the month after the last history month
    assert raw["ds"].min() == pd.Timestamp("2023-01-01")
    final, _ = finish(raw.copy(), _series(), options)
    assert (final[BOUNDS] >= 0).all().all()
    for lower, upper in pairwise(BOUNDS):
        assert (final[lower] <= final[upper]).all()


@pytest.mark.parametrize("model", sorted(CATALOGUE), ids=str)
def test_every_model_meets_the_contract(model: ModelName) -> None:
    assert_meets_the_contract(CATALOGUE[model])


class AllMissing(Naive):  # type: ignore[misc]
    """A deliberately broken statsforecast model: the naive forecast with every value replaced by NaN."""

    def forecast(  # the full signature: statsforecast passes `level` only to models whose signature names it
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,  # noqa: N803 - statsforecast's parameter names
        X_future: np.ndarray | None = None,  # noqa: N803
        level: list[int] | None = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        out = super().forecast(y, h, X=X, X_future=X_future, level=level, fitted=fitted)
        return {key: np.full_like(value, np.nan, dtype="float64") for key, value in out.items()}


@dataclass(frozen=True)
class BrokenSpec(ModelSpec):
    def build(self, season_length: int) -> Any:
        return AllMissing(alias=str(self.name))


def test_a_model_returning_nan_fails_the_contract() -> None:
    broken = BrokenSpec(ModelName.NAIVE, auto=False, native_intervals=True)
    with pytest.raises(AssertionError, match="returned missing values"):
        assert_meets_the_contract(broken)
