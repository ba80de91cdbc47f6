"""Plan content as long frames of measures, its canonical hash, and the plan-to-plan waterfall.

The hash is taken over the rows sorted by every key column, dimensions missing as "", values with `repr` (exact for
float64; -0.0 written as 0.0, which a plan cannot tell apart and a database may not keep), so the same content
hashes the same whatever the database or the row order it was read in.
"""

from __future__ import annotations

import hashlib

import pandas as pd

DIMENSIONS: tuple[str, ...] = (
    "scenario",
    "measure",
    "item_id",
    "family_id",
    "region_id",
    "site_id",
    "resource_id",
    "period",
)
MEASURE_COLUMNS: tuple[str, ...] = (*DIMENSIONS, "value")
NO_FAMILY = "(none)"


def conform_measures(frame: pd.DataFrame, *, scenario: str) -> pd.DataFrame:
    """Fill optional dimensions; `period` as a date; refuse frames without measure, period or value."""
    missing = {"measure", "period", "value"} - set(frame.columns)
    if missing:
        raise ValueError(f"plan measures need the columns {sorted(missing)}")
    out = frame.copy()
    if "scenario" not in out.columns:
        out["scenario"] = scenario
    for column in DIMENSIONS:
        if column not in out.columns:
            out[column] = None
    out["period"] = pd.to_datetime(out["period"]).dt.date
    out["value"] = out["value"].astype(float)
    return out[list(MEASURE_COLUMNS)].reset_index(drop=True)


def measure_hash(frame: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    if frame.empty:
        return digest.hexdigest()
    keys = frame[list(DIMENSIONS)].astype(object).where(frame[list(DIMENSIONS)].notna(), "").astype(str)
    keys["value"] = [repr(v) for v in (frame["value"].to_numpy(dtype=float) + 0.0).tolist()]  # -0.0 + 0.0 is 0.0
    for line in sorted("\x1f".join(row) for row in keys.itertuples(index=False, name=None)):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def waterfall(base: pd.DataFrame, compare: pd.DataFrame) -> pd.DataFrame:
    """Deltas by measure and family from `base` to `compare`: measure, family_id, base, compare, delta.

    delta = sum(compare.value) - sum(base.value) per (measure, family); a family present on one side only counts 0
    on the other. Rows sorted by measure then by the size of the change, largest first, as a waterfall reads.
    """

    def totals(frame: pd.DataFrame, name: str) -> pd.Series:
        families = frame["family_id"].astype(object).where(frame["family_id"].notna(), NO_FAMILY)
        grouped = frame.assign(family_id=families).groupby(["measure", "family_id"])["value"].sum()
        return grouped.rename(name)

    joined = pd.concat([totals(base, "base"), totals(compare, "compare")], axis=1).fillna(0.0).reset_index()
    joined["delta"] = joined["compare"] - joined["base"]
    joined["size"] = joined["delta"].abs()
    ordered = joined.sort_values(["measure", "size", "family_id"], ascending=[True, False, True])
    return ordered.drop(columns="size").reset_index(drop=True)
