"""Unconstrained requirements per item x site x month and rough-cut capacity (RCCP) per resource x month.

Requirements net the allocated demand (see `opensop.supply.allocation`) against stock, lot-for-lot:

    projected available  PA_t = on_hand + sum_{k<=t} receipts_k - sum_{k<=t} gross_k
    cumulative net       N_t  = max(0, max_{k<=t} (SS - PA_k))
    net requirement      n_t  = N_t - N_{t-1}

so the net requirement is what must be made (or brought in) in month t to keep stock at the safety stock.
RCCP loads each net requirement at a site that makes the item on the resources of its routing:

    load_kt = sum_p usage_psk n_pst,   overtime needed = clip(load - regular, 0, overtime),
    overload = max(0, load - regular - overtime),   utilisation = load / regular.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.config import PlanningConfig
from opensop.schema import PlanningData
from opensop.supply.allocation import allocate
from opensop.supply.capacity import capacity_table
from opensop.supply.inputs import horizon
from opensop.supply.safety import safety_stock as compute_safety_stock


def requirements(
    data: PlanningData, demand: pd.DataFrame, config: PlanningConfig, *, safety_stock: pd.DataFrame | None = None
) -> pd.DataFrame:
    """item_id, site_id, period, gross, receipts, safety_stock, on_hand, projected, net."""
    periods = horizon(data, demand, config)
    frame = demand.assign(period=pd.to_datetime(demand["period"]).dt.to_period("M").dt.to_timestamp())
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
    grid = grid.merge(stock, how="left").merge(safety, how="left")
    grid = grid.fillna({"gross": 0.0, "receipts": 0.0, "on_hand": 0.0, "safety_stock": 0.0})
    grid = grid.sort_values(["item_id", "site_id", "period"]).reset_index(drop=True)
    by = grid.groupby(["item_id", "site_id"])
    grid["projected"] = grid["on_hand"] + by["receipts"].cumsum() - by["gross"].cumsum()
    gap = (grid["safety_stock"] - grid["projected"]).clip(lower=0.0)
    cumulative = gap.groupby([grid["item_id"], grid["site_id"]]).cummax()
    previous = cumulative.groupby([grid["item_id"], grid["site_id"]]).shift(1).fillna(0.0)
    grid["net"] = cumulative - previous
    return grid[["item_id", "site_id", "period", "gross", "receipts", "safety_stock", "on_hand", "projected", "net"]]


def rough_cut_capacity(data: PlanningData, requirements: pd.DataFrame, config: PlanningConfig) -> pd.DataFrame:
    """resource_id, site_id, kind, period, load, regular, overtime, overtime_needed, overload, utilisation."""
    periods = pd.DatetimeIndex(sorted(requirements["period"].unique())) if len(requirements) else pd.DatetimeIndex([])
    capacity, _ = capacity_table(data, periods)
    routings = data.routings[["item_id", "site_id", "resource_id", "usage_per_unit"]].dropna()
    routings = routings.astype({"item_id": str, "site_id": str, "resource_id": str})
    load = requirements.merge(routings, on=["item_id", "site_id"])
    load = load.assign(load=load["net"] * load["usage_per_unit"])
    load = load.groupby(["resource_id", "period"], as_index=False)[["load"]].sum()
    out = capacity.rename(columns={"resource": "resource_id", "site": "site_id"}).merge(
        load, on=["resource_id", "period"], how="left"
    )
    out["load"] = out["load"].fillna(0.0)
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
        ]
    ].reset_index(drop=True)
