"""Unconstrained requirements per item x site x month and rough-cut capacity (RCCP) per resource x month.

Requirements net the allocated demand (see `opensop.supply.allocation`) against stock, lot-for-lot:

    projected available  PA_t = on_hand + sum_{k<=t} receipts_k - sum_{k<=t} gross_k
    cumulative net       N_t  = max(0, max_{k<=t} (SS - PA_k))
    net requirement      n_t  = N_t - N_{t-1}

so the net requirement is what must be made (or brought in) in month t to keep stock at the safety stock.
A site that does not make the item (a warehouse) brings it in: its net requirement becomes `dependent` gross
requirement at the source of its cheapest lane in (t - lane lead time; the first month if earlier), echelon by
echelon (at most MAX_ECHELONS), so the plants' RCCP sees the demand their warehouses serve.
RCCP loads each net requirement at a site that makes the item on the resources of its routing, and the firm
production orders (netted as receipts above) in their month (`opensop.supply.capacity.firm_load`, f_kt):

    load_kt = sum_p usage_psk n_pst + f_kt,   overtime needed = clip(load - regular, 0, overtime),
    overload = max(0, load - regular - overtime),   utilisation = load / regular.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.config import PlanningConfig
from opensop.periods import month_starts
from opensop.schema import PlanningData
from opensop.supply.allocation import allocate, make_pairs
from opensop.supply.capacity import capacity_table, firm_load
from opensop.supply.inputs import horizon
from opensop.supply.safety import safety_stock as compute_safety_stock

MAX_ECHELONS = 4
COLUMNS = [
    "item_id",
    "site_id",
    "period",
    "gross",
    "dependent",
    "receipts",
    "safety_stock",
    "on_hand",
    "projected",
    "net",
]


def _net(grid: pd.DataFrame) -> pd.DataFrame:
    """projected and net per row of a grid sorted by item, site, period (the formulas of the module docstring)."""
    out = grid.sort_values(["item_id", "site_id", "period"]).reset_index(drop=True)
    by = out.groupby(["item_id", "site_id"])
    out["projected"] = out["on_hand"] + by["receipts"].cumsum() - by["gross"].cumsum() - by["dependent"].cumsum()
    gap = (out["safety_stock"] - out["projected"]).clip(lower=0.0)
    cumulative = gap.groupby([out["item_id"], out["site_id"]]).cummax()
    previous = cumulative.groupby([out["item_id"], out["site_id"]]).shift(1).fillna(0.0)
    out["net"] = cumulative - previous
    return out


def _sources(data: PlanningData) -> pd.DataFrame:
    """item_id, site_id (a site not making the item), source, lead: the cheapest lane into the site, preferring a
    source that makes the item (ties: the lower site id)."""
    lanes = data.lanes[["from_site", "to_site", "cost_per_unit", "lead_time_months"]].dropna(
        subset=["from_site", "to_site"]
    )
    lanes = lanes.astype({"from_site": str, "to_site": str})
    made = make_pairs(data).assign(makes=True)
    candidates = made[["item_id"]].drop_duplicates().merge(lanes, how="cross")
    candidates = candidates.merge(made.rename(columns={"site_id": "to_site"}), on=["item_id", "to_site"], how="left")
    candidates = candidates[candidates["makes"].isna()].drop(columns="makes")  # the destination does not make it
    candidates = candidates.merge(
        made.rename(columns={"site_id": "from_site"}), on=["item_id", "from_site"], how="left"
    )
    candidates["rank"] = candidates["makes"].isna().astype(int)  # 0 when the source makes the item
    candidates = candidates.assign(cost=candidates["cost_per_unit"].fillna(0.0))
    candidates = candidates.sort_values(["item_id", "to_site", "rank", "cost", "from_site"], kind="stable")
    best = candidates.drop_duplicates(["item_id", "to_site"])
    return pd.DataFrame(
        {
            "item_id": best["item_id"],
            "site_id": best["to_site"],
            "source": best["from_site"],
            "lead": best["lead_time_months"].fillna(0).astype(int),
        }
    )


def requirements(
    data: PlanningData, demand: pd.DataFrame, config: PlanningConfig, *, safety_stock: pd.DataFrame | None = None
) -> pd.DataFrame:
    """COLUMNS: gross is the site's own (allocated) demand, dependent what the sites it supplies bring in."""
    periods = horizon(data, demand, config)
    frame = demand.assign(period=month_starts(demand["period"]))
    frame = frame[frame["period"].isin(periods)]
    gross = allocate(data, frame[["item_id", "region_id", "period", "quantity"]])
    gross = gross.groupby(["item_id", "site_id", "period"], as_index=False)[["quantity"]].sum()
    pairs = gross[["item_id", "site_id"]].drop_duplicates()
    grid = pairs.merge(pd.DataFrame({"period": periods}), how="cross")
    grid = grid.merge(gross.rename(columns={"quantity": "gross"}), how="left")
    receipts = data.open_supply[["part_id", "site_id", "period", "quantity"]].dropna()
    receipts = receipts.astype({"part_id": str, "site_id": str}).rename(
        columns={"part_id": "item_id", "quantity": "receipts"}
    )
    receipts = receipts.groupby(["item_id", "site_id", "period"], as_index=False)[["receipts"]].sum()
    grid = grid.merge(receipts, how="left")
    stock = data.inventory[["item_id", "site_id", "on_hand"]].dropna().astype({"item_id": str, "site_id": str})
    stock = stock.groupby(["item_id", "site_id"], as_index=False)[["on_hand"]].sum()
    safety = (
        safety_stock
        if safety_stock is not None
        else compute_safety_stock(data, demand, method=config.supply.safety_stock_method)
    )
    safety = safety[["item_id", "site_id", "safety_stock"]].astype({"item_id": str, "site_id": str})
    base = grid.merge(stock, how="left").merge(safety, how="left")
    base = base.fillna({"gross": 0.0, "receipts": 0.0, "on_hand": 0.0, "safety_stock": 0.0})
    sources = _sources(data)
    index = pd.Series(np.arange(len(periods)), index=periods)
    dependent = pd.DataFrame()
    table = _net(base.assign(dependent=0.0))
    for _ in range(MAX_ECHELONS):
        pushed = table[table["net"] > 0].merge(sources, on=["item_id", "site_id"])
        if pushed.empty:
            break
        month = (index.reindex(pushed["period"]).to_numpy() - pushed["lead"].to_numpy()).clip(min=0)
        pushed = pd.DataFrame(
            {
                "item_id": pushed["item_id"],
                "site_id": pushed["source"],
                "period": periods[month],
                "dependent": pushed["net"],
            }
        )
        pushed = pushed.groupby(["item_id", "site_id", "period"], as_index=False)[["dependent"]].sum()
        pushed = pushed.reset_index(drop=True)
        if pushed.equals(dependent):  # nothing new reached another echelon
            break
        dependent = pushed
        new_pairs = (
            dependent[["item_id", "site_id"]]
            .drop_duplicates()
            .merge(base[["item_id", "site_id"]].drop_duplicates(), how="left", indicator=True)
        )
        new_pairs = new_pairs[new_pairs["_merge"] == "left_only"].drop(columns="_merge")
        if len(new_pairs):  # a source with no demand of its own: its own grid rows, stock and safety stock
            extra = new_pairs.merge(pd.DataFrame({"period": periods}), how="cross").merge(receipts, how="left")
            extra = extra.merge(stock, how="left").merge(safety, how="left").assign(gross=0.0)
            base = pd.concat([base, extra.fillna({"receipts": 0.0, "on_hand": 0.0, "safety_stock": 0.0})])
        grid_with = base.merge(dependent, on=["item_id", "site_id", "period"], how="left")
        table = _net(grid_with.fillna({"dependent": 0.0}))
    return table[COLUMNS]


def rough_cut_overloads(
    data: PlanningData, demand: pd.DataFrame, config: PlanningConfig, *, safety_stock: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The unconstrained view before the LP's answer: the resource-months where the demand, netted against stock,
    firm orders and safety stock, asks more than regular plus overtime capacity — largest overload first (the
    overloads the supply review discusses; stored with each plan run and shown by the CLI and the supply page)."""
    load = rough_cut_capacity(data, requirements(data, demand, config, safety_stock=safety_stock), config)
    return load[load["overload"] > 0].sort_values("overload", ascending=False).reset_index(drop=True)


def rough_cut_capacity(data: PlanningData, requirements: pd.DataFrame, config: PlanningConfig) -> pd.DataFrame:
    """resource_id, site_id, kind, period, load, regular, overtime, overtime_needed, overload, utilisation,
    firm_load (the part of load taken by firm production orders)."""
    periods = pd.DatetimeIndex(sorted(requirements["period"].unique())) if len(requirements) else pd.DatetimeIndex([])
    capacity, _ = capacity_table(data, periods)
    routings = data.routings[["item_id", "site_id", "resource_id", "usage_per_unit"]].dropna()
    routings = routings.astype({"item_id": str, "site_id": str, "resource_id": str})
    load = requirements.merge(routings, on=["item_id", "site_id"])
    load = load.assign(load=load["net"] * load["usage_per_unit"])
    load = load.groupby(["resource_id", "period"], as_index=False)[["load"]].sum()
    firm = firm_load(data, periods).groupby(["resource", "t"], as_index=False)[["load"]].sum()
    firm = firm.rename(columns={"load": "firm_load"})
    out = capacity.rename(columns={"resource": "resource_id", "site": "site_id"}).merge(
        load, on=["resource_id", "period"], how="left"
    )
    out = out.merge(firm.rename(columns={"resource": "resource_id"}), on=["resource_id", "t"], how="left")
    out["firm_load"] = out["firm_load"].fillna(0.0)
    out["load"] = out["load"].fillna(0.0) + out["firm_load"]
    extra = out["load"] - out["regular"]
    out["overtime_needed"] = extra.clip(lower=0.0).clip(upper=out["overtime"])
    out["overload"] = (extra - out["overtime"]).clip(lower=0.0)
    out["utilisation"] = np.where(
        out["regular"] > 0, out["load"] / out["regular"].where(out["regular"] > 0, 1.0), np.nan
    )
    return out[
        [
            "resource_id",
            "site_id",
            "kind",
            "period",
            "load",
            "regular",
            "overtime",
            "overtime_needed",
            "overload",
            "utilisation",
            "firm_load",
        ]
    ].reset_index(drop=True)
