"""Plan vs budget and plan vs another plan: gaps in one long shape.

Sign convention, everywhere:  gap = plan - reference,  gap_pct = gap / |reference|  (NaN when the reference is 0).
A positive revenue gap means above budget (or above the reference plan); a positive cost gap means more cost.
`favourable` says whether the gap goes the way that is better for the company: gap > 0 for lines where higher is
better (revenue, margin), gap < 0 for lines where lower is better (costs, stock); a zero gap is not favourable.

The budget (family x region x month: quantity, revenue) is compared with the plan's units served and revenue over
the months both cover: a budget usually ends with the fiscal year while the plan runs 18-24 months, and a month
without budget is not a budget of 0. Within those months, a family x region in one but not the other counts as 0
in the other (an unbudgeted new family is all gap).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from opensop.finance.lines import DIMENSIONS, Direction, direction
from opensop.finance.projection import FinancialPlan

BUDGET_DIMENSIONS: tuple[str, ...] = ("family_id", "region_id", "period")
BUDGET_MEASURES: dict[str, str] = {"quantity": "units_served", "revenue": "revenue"}
GAP_COLUMNS = ["plan", "reference", "gap", "gap_pct", "favourable"]


def _finish(frame: pd.DataFrame, better: pd.Series) -> pd.DataFrame:
    frame["gap"] = frame["plan"] - frame["reference"]
    reference = frame["reference"].abs()
    frame["gap_pct"] = frame["gap"] / reference.where(reference > 0)
    higher = better == str(Direction.HIGHER)
    frame["favourable"] = np.where(higher, frame["gap"] > 0, frame["gap"] < 0)
    return frame


def vs_budget(plan: FinancialPlan, budget: pd.DataFrame, *, by: Sequence[str] = BUDGET_DIMENSIONS) -> pd.DataFrame:
    """measure (quantity | revenue), *by, plan, reference (the budget), gap, gap_pct, favourable.

    `by` is any subset of family_id, region_id, period.
    """
    keys = list(by)
    if set(keys) - set(BUDGET_DIMENSIONS):
        raise ValueError(f"budget gaps are by {list(BUDGET_DIMENSIONS)} only, not {keys}")
    dims = list(BUDGET_DIMENSIONS)
    lines = plan.aggregate(dims)
    target = budget[[*dims, *BUDGET_MEASURES]].astype({"family_id": str, "region_id": str})
    target = target.assign(period=pd.to_datetime(target["period"]).astype("datetime64[ns]"))
    periods = set(lines["period"].dropna()) & set(target["period"].dropna())
    lines = lines[lines["line"].isin(set(BUDGET_MEASURES.values())) & lines[dims].notna().all(axis=1)]
    lines = lines[lines["period"].isin(periods)]
    actual = lines.pivot_table(index=dims, columns="line", values="value", aggfunc="sum").reset_index()
    actual = actual.reindex(columns=[*dims, *BUDGET_MEASURES.values()]).fillna(0.0)
    actual = actual.rename(columns={v: f"{k}_plan" for k, v in BUDGET_MEASURES.items()})
    actual = actual.astype({"family_id": str, "region_id": str})
    target = target[target["period"].isin(periods)].groupby(dims, as_index=False)[list(BUDGET_MEASURES)].sum()
    target = target.rename(columns={k: f"{k}_budget" for k in BUDGET_MEASURES})
    both = actual.merge(target, on=dims, how="outer").fillna(0.0)
    rows = []
    for measure in BUDGET_MEASURES:
        frame = both[[*BUDGET_DIMENSIONS, f"{measure}_plan", f"{measure}_budget"]]
        frame = frame.rename(columns={f"{measure}_plan": "plan", f"{measure}_budget": "reference"})
        rows.append(frame.assign(measure=measure))
    long = pd.concat(rows, ignore_index=True)
    out = long.groupby(["measure", *keys], as_index=False)[["plan", "reference"]].sum()
    better = pd.Series(str(Direction.HIGHER), index=out.index)
    return _finish(out, better)[["measure", *keys, *GAP_COLUMNS]]


def vs_plan(
    plan: FinancialPlan,
    reference: FinancialPlan,
    *,
    by: Sequence[str] = (),
    lines: Sequence[str] | None = None,
) -> pd.DataFrame:
    """line, *by, plan, reference, gap, gap_pct, favourable: every stored and derived line (or `lines`)."""
    keys = list(by)
    if set(keys) - set(DIMENSIONS):
        raise ValueError(f"unknown dimension(s) in {keys}; choose from {list(DIMENSIONS)}")
    mine = plan.summary(keys)
    theirs = reference.summary(keys)
    chosen = list(lines) if lines is not None else [c for c in mine.columns if c not in keys]
    left = mine.melt(id_vars=keys, value_vars=chosen, var_name="line", value_name="plan")
    right = theirs.melt(id_vars=keys, value_vars=chosen, var_name="line", value_name="reference")
    out = left.merge(right, on=[*keys, "line"], how="outer")
    ratio = out["line"] == "margin_pct"
    out[["plan", "reference"]] = out[["plan", "reference"]].where(ratio, out[["plan", "reference"]].fillna(0.0))
    better = out["line"].map(lambda name: str(direction(name)))
    out = _finish(out, better)
    order = {name: k for k, name in enumerate(chosen)}
    out = out.sort_values([*keys, "line"], key=lambda s: s.map(order) if s.name == "line" else s, ignore_index=True)
    return out[["line", *keys, *GAP_COLUMNS]]
