"""A plan run's results as the long measure rows a plan version stores, and what the pages read back from them.

A version is the only thing a page reads, so it holds everything the reviews show and everything a re-plan needs:

* demand: `statistical_demand` (the coherent statistical forecast the consensus starts from), its item intervals
  `statistical_lo_<level>` / `statistical_hi_<level>` for every level the forecast made (the supply step sizes
  safety stocks from the 95 % one, a P90 risk lever plans on hi_80), each source's view where it differs from the
  statistical forecast (`<source>_view`, sparse: most cells carry no override), and `consensus_demand` — for a
  scenario version, the demand its levers made from the consensus (what its supply plan serves);
* supply: the supply plan's own measures (production_*, inventory_*, demand, served, backlog, lost, capacity_*, ...);
* finance: `fin_<line>` per finance line (the names would collide with supply quantities such as `purchases`),
  except `revenue`, which the cycle rules look for under its own name.

Keeping the statistical forecast in the version is what lets a re-plan after an override skip the forecast: the
version's own rows are the cache, stored in the same transaction as the plan they belong to, verified by its
content hash, shared by every process, and gone when the version is.
"""

from __future__ import annotations

import re
from typing import Any, cast

import pandas as pd

from opensop.cycle.steps import CONSENSUS_MEASURE, STATISTICAL_MEASURE
from opensop.demand.consensus import SOURCES
from opensop.finance.lines import COLUMNS as FINANCE_COLUMNS
from opensop.finance.projection import FinancialPlan
from opensop.pipeline import CycleResult, interval_columns
from opensop.schema.frames import CELL

FINANCE_PREFIX = "fin_"
STATISTICAL_PREFIX = "statistical_"
LOWER_MEASURE = "statistical_lo_95"
UPPER_MEASURE = "statistical_hi_95"
VIEW_SUFFIX = "_view"


def _cells(frame: pd.DataFrame, measure: str, column: str) -> pd.DataFrame:
    return frame[CELL].assign(measure=measure, value=frame[column])


def plan_measures(result: CycleResult) -> pd.DataFrame:
    """Long measure rows (measure, item_id, region_id, site_id, resource_id, family_id, period, value) of a run."""
    consensus = result.require_consensus().plan
    parts = [_cells(consensus, STATISTICAL_MEASURE, "statistical")]
    if result.scenario_demand is not None:
        parts.append(_cells(result.scenario_demand, CONSENSUS_MEASURE, "quantity"))
    else:
        parts.append(_cells(consensus, CONSENSUS_MEASURE, "consensus"))
    forecast = result.require_forecast().forecast
    parts += [_cells(forecast, f"{STATISTICAL_PREFIX}{column}", column) for column in interval_columns(forecast)]
    for source in SOURCES:
        differs = consensus[str(source)] != consensus["statistical"]
        parts.append(_cells(consensus[differs], f"{source}{VIEW_SUFFIX}", str(source)))
    if result.supply is not None:
        parts.append(result.supply.measures)
    if result.finance is not None and len(result.finance.lines):
        lines = result.finance.lines
        names = lines["line"].astype(str)
        parts.append(lines.assign(measure=names.where(names == "revenue", FINANCE_PREFIX + names)).drop(columns="line"))
    frame = pd.concat([part for part in parts if len(part)], ignore_index=True)
    frame = frame[frame["value"].notna()]
    # + 0.0 turns -0.0 into 0.0: SQLite drops the sign of zero, and the stored content hash would no longer match.
    return frame.assign(period=pd.to_datetime(frame["period"]).dt.date, value=frame["value"].astype(float) + 0.0)


def _wide(measures: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    chosen = measures[measures["measure"].isin(list(names))]
    wide = chosen.pivot_table(index=CELL, columns="measure", values="value", aggfunc="sum")
    return wide.rename(columns=names).reindex(columns=list(names.values())).reset_index()


def statistical_cells(measures: pd.DataFrame) -> pd.DataFrame | None:
    """The kept statistical forecast (item_id, region_id, period, forecast, lo_95, hi_95), or None when the version
    holds none. Rows sorted and typed as the forecast step makes them, so a re-plan feeds the later steps the same
    frame a full run would."""
    if not (measures["measure"] == STATISTICAL_MEASURE).any():
        return None
    names = {STATISTICAL_MEASURE: "forecast"}
    kept = sorted(str(m) for m in measures["measure"].unique() if re.fullmatch(r"statistical_(lo|hi)_\d+", str(m)))
    names |= {measure: measure.removeprefix(STATISTICAL_PREFIX) for measure in kept}
    cells = _wide(measures, names)
    cells = cells[cells["forecast"].notna()]
    cells = cells.astype({"item_id": "string", "region_id": "string", **dict.fromkeys(names.values(), float)})
    cells["period"] = pd.to_datetime(cells["period"]).astype("datetime64[ns]")
    return cells.sort_values(CELL).reset_index(drop=True)


def demand_cells(measures: pd.DataFrame) -> pd.DataFrame:
    """item_id, region_id, period (a date), statistical, lo_95, hi_95, each source's view, consensus."""
    names = {STATISTICAL_MEASURE: "statistical", LOWER_MEASURE: "lo_95", UPPER_MEASURE: "hi_95"}
    names |= {f"{source}{VIEW_SUFFIX}": str(source) for source in SOURCES}
    names[CONSENSUS_MEASURE] = "consensus"
    cells = _wide(measures, names)
    for source in SOURCES:
        cells[str(source)] = cells[str(source)].fillna(cells["statistical"])
    return cells.astype({"item_id": str, "region_id": str}).assign(period=pd.to_datetime(cells["period"]).dt.date)


def capacity_use(measures: pd.DataFrame) -> pd.DataFrame:
    """resource_id, period, utilisation = load / regular capacity (NaN where there is no regular capacity)."""
    chosen = measures[measures["measure"].isin(["capacity_load", "capacity_regular"])]
    wide = chosen.pivot_table(index=["resource_id", "period"], columns="measure", values="value", aggfunc="sum")
    wide = wide.reindex(columns=["capacity_load", "capacity_regular"]).reset_index()
    regular = wide["capacity_regular"]
    return wide.assign(utilisation=wide["capacity_load"] / regular.where(regular > 1e-9))[
        ["resource_id", "period", "utilisation"]
    ]


def finance_from_measures(measures: pd.DataFrame) -> FinancialPlan:
    """Rebuild a FinancialPlan from a stored version's measures (the reverse of the finance part of
    `plan_measures`); empty when the version was planned without supply and finance."""
    names = measures["measure"].astype(str)
    chosen = measures[(names == "revenue") | names.str.startswith(FINANCE_PREFIX)]
    line = chosen["measure"].astype(str).str.removeprefix(FINANCE_PREFIX)
    frame = chosen.assign(line=line).reindex(columns=FINANCE_COLUMNS)
    for column in ("family_id", "region_id", "site_id"):
        frame[column] = frame[column].astype(object)
        frame.loc[frame[column].isna(), column] = None
    return FinancialPlan(frame.assign(period=pd.to_datetime(frame["period"])).reset_index(drop=True))


def plan_risks(measures: pd.DataFrame, *, top: int = 3) -> list[dict[str, Any]]:
    """What the executive summary warns about, as data (each adapter words it in its language): `lost_sales` —
    the items losing most units (items: [(item, units)]); `capacity` — the resource-month most above its regular
    capacity (resource, share, period)."""
    risks: list[dict[str, Any]] = []
    lost = measures[measures["measure"] == "lost"]
    if len(lost) and lost["value"].sum() > 0.5:
        totals = lost.groupby("item_id")["value"].sum()
        worst = totals[totals > 0.5].sort_values(ascending=False).head(top)
        risks.append({"kind": "lost_sales", "items": [(str(item), float(units)) for item, units in worst.items()]})
    load = measures[measures["measure"] == "capacity_load"].groupby(["resource_id", "period"])["value"].sum()
    regular = measures[measures["measure"] == "capacity_regular"].groupby(["resource_id", "period"])["value"].sum()
    if len(load) and len(regular):
        ratio = (load / regular.where(regular > 0)).dropna()
        over = ratio[ratio > 1.0]
        if len(over):
            resource, period = cast("tuple[str, Any]", over.idxmax())
            risks.append(
                {
                    "kind": "capacity",
                    "resource": str(resource),
                    "share": float(over.max()),
                    "period": pd.Timestamp(period),
                }
            )
    return risks


def key_numbers(finance: FinancialPlan) -> dict[str, float]:
    """The executive key numbers of a plan: finance summary plus the on-time fill rate — units shipped in their
    month / units demanded, the KPI catalogue's `fill_rate` (late shipments are not service)."""
    summary = finance.summary().iloc[0]
    demanded = float(summary.get("units_demanded", 0.0))
    on_time = float(summary.get("units_on_time", 0.0))
    return {
        "revenue": float(summary["revenue"]),
        "gross_margin": float(summary["gross_margin"]),
        "margin_pct": float(summary["margin_pct"]) if pd.notna(summary["margin_pct"]) else 0.0,
        "inventory_value": float(summary["inventory_value"]),
        "cash_flow": float(summary["cash_flow"]),
        "plan_cost": float(summary["plan_cost"]),
        "fill_rate": on_time / demanded if demanded else 1.0,
        "units_lost": float(summary.get("units_lost", 0.0)),
    }
