"""Demand classification per series (Syntetos, Boylan & Croston, 2005), plus life-cycle classes.

For a series with n periods of which k have a positive demand, with positive sizes z_1..z_k:

    ADI = n / k                         average inter-demand interval, in periods
    CV2 = (std(z) / mean(z))^2          squared coefficient of variation of the sizes (population std)

    ADI <= 1.32 and CV2 <= 0.49  -> smooth        ADI > 1.32 and CV2 <= 0.49 -> intermittent
    ADI <= 1.32 and CV2 >  0.49  -> erratic       ADI > 1.32 and CV2 >  0.49 -> lumpy

The cut-offs are where Croston-type methods start to beat exponential smoothing (Syntetos et al.). A series
with no positive demand is `inactive`. `new` (too little history) and `phase_out` (life-cycle flag) are set by
the caller from the item master; they override the statistical class for the choice of method.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from opensop.demand.models import CandidateGroup

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


class DemandClass(StrEnum):
    SMOOTH = "smooth"
    ERRATIC = "erratic"
    INTERMITTENT = "intermittent"
    LUMPY = "lumpy"
    INACTIVE = "inactive"
    NEW = "new"
    PHASE_OUT = "phase_out"


def classify(series: pd.DataFrame, *, value_col: str = "y") -> pd.DataFrame:
    """unique_id, n_observations, n_demands, adi, cv2, demand_class: one row per series of `series`.

    `series` is regular (one row per period, zeros included), as `opensop.demand.series.sanitize` returns.
    """
    positive = series[value_col].where(series[value_col] > 0)
    stats = (
        pd.DataFrame({"unique_id": series["unique_id"], "y": series[value_col], "z": positive, "z2": positive**2})
        .groupby("unique_id", sort=True)
        .agg(
            n_observations=("y", "size"),
            n_demands=("z", "count"),
            mean_size=("z", "mean"),
            mean_square=("z2", "mean"),
        )
    )
    variance = (stats["mean_square"] - stats["mean_size"] ** 2).clip(lower=0.0)
    k = stats["n_demands"].to_numpy(dtype="float64")
    n = stats["n_observations"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(k > 0, n / np.maximum(k, 1.0), np.inf)
        cv2 = np.where(k > 0, variance.to_numpy() / stats["mean_size"].to_numpy() ** 2, 0.0)
    cv2 = np.nan_to_num(cv2, nan=0.0)
    regular = adi <= ADI_CUTOFF
    stable = cv2 <= CV2_CUTOFF
    labels = np.select(
        [k == 0, regular & stable, regular & ~stable, ~regular & stable],
        [DemandClass.INACTIVE, DemandClass.SMOOTH, DemandClass.ERRATIC, DemandClass.INTERMITTENT],
        default=DemandClass.LUMPY,
    )
    return pd.DataFrame(
        {
            "unique_id": stats.index.astype("string"),
            "n_observations": stats["n_observations"].to_numpy(dtype="int64"),
            "n_demands": stats["n_demands"].to_numpy(dtype="int64"),
            "adi": adi,
            "cv2": cv2,
            "demand_class": pd.array(labels.astype(str), dtype="string"),
        }
    )


def candidate_group(demand_class: pd.Series) -> pd.Series:
    """Candidate model set per statistical class: Croston family for intermittent and lumpy demand."""
    intermittent = demand_class.isin([DemandClass.INTERMITTENT, DemandClass.LUMPY])
    return pd.Series(
        np.where(intermittent, CandidateGroup.INTERMITTENT, CandidateGroup.CONTINUOUS),
        index=demand_class.index,
        dtype="string",
    )
