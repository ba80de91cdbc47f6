"""Consensus demand: overrides entered at any level, disaggregated to items, side by side with the statistics.

An override row names a scope — any of item_id / family_id / category_id (empty: any), region_id (empty: all
regions), one period — a `source` (sales, marketing, finance, demand_planner), a `kind` (absolute units for the
whole scope, or percent change of the statistical forecast of the scope), a `value`, and who/why (author,
reason, comment, optional entered_at).

Disaggregation of an override with scope target T over its cells i (statistical forecast s_i, locked cells L):

    free = T - sum_{i in L} v_i          (locked cells keep their value v_i: the statistical forecast, or
                                          the `value` column of `locked` when given)
    v_i  = free * s_i / sum_{j not in L} s_j     for unlocked i, or free / #unlocked when that sum is 0

so the scope total is exactly T whenever free >= 0 and one cell is unlocked (otherwise a warning is returned
and unlocked cells become max(free, 0) split as above). Percent overrides have T = (1 + value/100) * sum_i s_i.

Each source's view starts from the statistical forecast; its overrides are applied coarse to fine (category,
family, item; all-regions before one region), so a finer override replaces what a coarser one gave its cells;
among overrides of one scope the latest (entered_at, then row order) counts.

Who wins a cell in the consensus: the demand planner owns the final number, so a cell touched by a
demand_planner override takes the demand planner's view; otherwise the latest override (entered_at, then row
order) among sales, marketing and finance touching it; otherwise the statistical forecast.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from opensop.periods import month_starts
from opensop.schema.frames import CELL

SCOPE_COLUMNS = ["category_id", "family_id", "item_id", "region_id"]


class OverrideSource(StrEnum):
    SALES = "sales"
    MARKETING = "marketing"
    FINANCE = "finance"
    DEMAND_PLANNER = "demand_planner"


class OverrideKind(StrEnum):
    ABSOLUTE = "absolute"
    PERCENT = "percent"


SOURCES: tuple[OverrideSource, ...] = tuple(OverrideSource)


@dataclass(frozen=True)
class ConsensusDemand:
    """plan: item_id, region_id, period, statistical, sales, marketing, finance, demand_planner, consensus,
    consensus_source. overrides: the input rows with override_id, cells, status. warnings: override_id, rule,
    message."""

    plan: pd.DataFrame
    overrides: pd.DataFrame
    warnings: pd.DataFrame


def _normalise_overrides(overrides: pd.DataFrame) -> pd.DataFrame:
    out = overrides.copy().reset_index(drop=True)
    for column in SCOPE_COLUMNS:
        if column not in out.columns:
            out[column] = pd.NA
        out[column] = out[column].astype("string")
    for column in ("author", "reason", "comment"):
        if column not in out.columns:
            out[column] = ""
    if "kind" not in out.columns:
        out["kind"] = str(OverrideKind.ABSOLUTE)
    out["override_id"] = np.arange(len(out))
    out["entered_at"] = pd.to_datetime(out["entered_at"]) if "entered_at" in out.columns else pd.NaT
    out["period"] = month_starts(out["period"])
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    bad_source = ~out["source"].isin([str(s) for s in SOURCES])
    bad_kind = ~out["kind"].isin([str(k) for k in OverrideKind])
    bad_value = out["value"].isna() | ((out["kind"] == OverrideKind.ABSOLUTE) & (out["value"] < 0))
    out["status"] = np.select(
        [bad_source, bad_kind, bad_value],
        ["unknown source", "unknown kind", "missing or negative value"],
        default="applied",
    )
    # Coarse to fine: fewer product keys and no region come first; then by time of entry and row order.
    depth = out[["item_id", "family_id", "category_id"]].notna().to_numpy() @ np.array([4, 2, 1])
    out["_depth"] = depth * 2 + out["region_id"].notna().to_numpy()
    out["_order"] = out["entered_at"].rank(method="first").fillna(0).to_numpy() * len(out) + out["override_id"]
    return out


def apply_overrides(
    statistical: pd.DataFrame,
    overrides: pd.DataFrame,
    hierarchy: pd.DataFrame,
    locked: pd.DataFrame | None = None,
) -> ConsensusDemand:
    """Apply every source's overrides to the statistical forecast (item_id, region_id, period, forecast)."""
    value_col = "statistical" if "statistical" in statistical.columns else "forecast"
    plan = statistical[[*CELL, value_col]].rename(columns={value_col: "statistical"}).reset_index(drop=True)
    plan = plan.merge(hierarchy[["item_id", "family_id", "category_id"]].astype("string"), on="item_id", how="left")
    lock_value = pd.Series(np.nan, index=plan.index)
    if locked is not None and len(locked):
        marks = locked.assign(_locked=True)
        cols = [*CELL, "_locked", *(["value"] if "value" in locked.columns else [])]
        joined = plan[CELL].merge(marks[cols], on=CELL, how="left")
        is_locked = joined["_locked"].eq(True).to_numpy()
        fixed = (
            joined["value"].to_numpy(dtype="float64") if "value" in joined.columns else plan["statistical"].to_numpy()
        )
        lock_value = pd.Series(np.where(is_locked, np.where(np.isnan(fixed), plan["statistical"], fixed), np.nan))
    rows = _normalise_overrides(overrides) if len(overrides) else None
    found: list[pd.DataFrame] = []
    touched_at = pd.DataFrame(index=plan.index)
    for source in SOURCES:
        view = plan["statistical"].to_numpy(dtype="float64").copy()
        view = np.where(lock_value.notna(), lock_value, view)
        when = np.full(len(plan), -1.0)
        if rows is not None:
            mine = rows[(rows["source"] == source) & (rows["status"] == "applied")]
            for _, group in mine.sort_values(["_depth", "_order"]).groupby("_depth", sort=True):
                view, when, warn = _apply_group(plan, group, view, when, lock_value)
                found.append(warn)
        plan[str(source)] = view
        touched_at[str(source)] = when
    planner = str(OverrideSource.DEMAND_PLANNER)
    others = touched_at[[str(s) for s in SOURCES if s is not OverrideSource.DEMAND_PLANNER]]
    latest = others.idxmax(axis=1).where(others.max(axis=1) >= 0)
    winner = pd.Series(np.where(touched_at[planner] >= 0, planner, latest), index=plan.index).fillna("statistical")
    values = plan[["statistical", *[str(s) for s in SOURCES]]].to_numpy()
    column = pd.Index(["statistical", *[str(s) for s in SOURCES]]).get_indexer(pd.Index(winner))
    plan["consensus"] = values[np.arange(len(plan)), column]
    plan["consensus_source"] = winner.astype("string")
    warnings = (
        pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["override_id", "rule", "message"])
    )
    if rows is not None:
        invalid = rows[rows["status"] != "applied"]
        warnings = pd.concat(
            [warnings, invalid[["override_id"]].assign(rule="invalid_override", message=invalid["status"])],
            ignore_index=True,
        )
        report = rows.drop(columns=["_depth", "_order"])
    else:
        report = pd.DataFrame(columns=["override_id", "status"])
    return ConsensusDemand(
        plan=plan[[*CELL, "statistical", *[str(s) for s in SOURCES], "consensus", "consensus_source"]],
        overrides=report,
        warnings=warnings[["override_id", "rule", "message"]],
    )


def _apply_group(
    plan: pd.DataFrame, group: pd.DataFrame, view: np.ndarray, when: np.ndarray, lock_value: pd.Series
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Apply same-depth overrides of one source (their scopes do not overlap once duplicates are reduced to
    the latest entry): returns the new view, the touch order per cell and warnings."""
    group = group.drop_duplicates([*SCOPE_COLUMNS, "period"], keep="last")
    cells = plan[["period", *SCOPE_COLUMNS]].assign(_row=np.arange(len(plan)))
    matches = []
    for pattern, rows in group.groupby(group[SCOPE_COLUMNS].notna().apply(tuple, axis=1), sort=False):
        keys = ["period", *[c for c, given in zip(SCOPE_COLUMNS, pattern, strict=True) if given]]
        matches.append(cells[[*keys, "_row"]].merge(rows[[*keys, "override_id", "kind", "value", "_order"]], on=keys))
    match = pd.concat(matches, ignore_index=True)
    match["stat"] = plan["statistical"].to_numpy()[match["_row"]]
    match["locked"] = lock_value.notna().to_numpy()[match["_row"]]
    match["lock_value"] = lock_value.fillna(0.0).to_numpy()[match["_row"]]
    match["free_stat"] = np.where(match["locked"], 0.0, match["stat"])
    match["free_count"] = (~match["locked"]).astype("float64")
    per = match.groupby("override_id").agg(
        stat=("stat", "sum"),
        locked=("lock_value", "sum"),
        free_stat=("free_stat", "sum"),
        free_count=("free_count", "sum"),
    )
    first = match.groupby("override_id")[["kind", "value"]].first()
    target = np.where(first["kind"] == OverrideKind.PERCENT, per["stat"] * (1 + first["value"] / 100.0), first["value"])
    free = pd.Series(target, index=per.index) - per["locked"]
    bad = per.index[(free < -1e-9) | (per["free_count"] == 0)]
    free = free.clip(lower=0.0)
    m = match.set_index("override_id")
    share = np.where(
        per["free_stat"].reindex(m.index) > 0,
        m["free_stat"] / per["free_stat"].reindex(m.index).where(lambda s: s > 0, 1.0),
        1.0 / per["free_count"].reindex(m.index).clip(lower=1.0),
    )
    new = np.where(m["locked"], m["lock_value"], free.reindex(m.index).to_numpy() * share)
    view = view.copy()
    when = when.copy()
    view[m["_row"].to_numpy()] = new
    when[m["_row"].to_numpy()] = m["_order"].to_numpy(dtype="float64")
    warnings = pd.DataFrame(
        {
            "override_id": bad,
            "rule": "target_not_reachable",
            "message": "locked cells exceed the entered total, or every cell of the scope is locked",
        }
    )
    unmatched = group.loc[~group["override_id"].isin(per.index), "override_id"]
    warnings = pd.concat(
        [warnings, pd.DataFrame({"override_id": unmatched, "rule": "empty_scope", "message": "no forecast cell"})]
    )
    return view, when, warnings
