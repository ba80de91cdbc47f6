"""One contract run against every model offered: length h, ordered intervals, no NaN, non-negative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opensop.demand.engine import EngineOptions, forecast_with_model
from opensop.demand.models import CATALOGUE, ModelName


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


@pytest.mark.parametrize("model", sorted(CATALOGUE), ids=str)
def test_every_model_meets_the_contract(model: ModelName) -> None:
    h = 6
    out = forecast_with_model(_series(), model, EngineOptions(horizon=h, jobs=1))
    assert out.groupby("unique_id").size().to_dict() == {"smooth": h, "sparse": h}
    values = out[["forecast", "lo_80", "hi_80", "lo_95", "hi_95"]]
    assert not values.isna().any().any()
    assert (values >= 0).all().all()
    assert (out["lo_95"] <= out["lo_80"]).all()
    assert (out["lo_80"] <= out["forecast"]).all()
    assert (out["forecast"] <= out["hi_80"]).all()
    assert (out["hi_80"] <= out["hi_95"]).all()
    # first forecast date is the month after the last history month
    assert out["ds"].min() == pd.Timestamp("2023-01-01")
