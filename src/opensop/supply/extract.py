"""Solution -> typed item-level frames: family results split with the weights of `opensop.supply.inputs`.

Overtime is a resource decision (hours on resource k in month t). To show which production it carries, the
in-house production of p at s in t is split as  overtime_pst = make_pst x max_k(ot_kt / load_kt)  over the
resources k its routing uses (the bottleneck's overtime share), regular = make - overtime.
Shadow prices are  -dual  of a <= row: what one more unit of that capacity would save (EUR per unit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.supply.inputs import ModelInputs
from opensop.supply.lp import LinearProgram, Solution

EPS = 1e-7


def _values(lp: LinearProgram, solution: Solution, name: str) -> pd.DataFrame:
    block = lp.variables[name]
    out = block.drop(columns="var")
    out["value"] = solution.values[block["var"].to_numpy()] if len(block) else np.zeros(0)
    return out


def _duals(lp: LinearProgram, solution: Solution, name: str) -> pd.DataFrame:
    block = lp.constraints[name]
    out = block.drop(columns="row")
    out["shadow_price"] = -solution.duals[block["row"].to_numpy()] if len(block) else np.zeros(0)
    out["shadow_price"] = out["shadow_price"].where(out["shadow_price"].abs() > EPS, 0.0)
    return out


def _split(frame: pd.DataFrame, weights: pd.DataFrame, on: list[str], columns: list[str]) -> pd.DataFrame:
    """Family rows -> item rows: each value column times the item's weight."""
    out = frame.merge(weights, on=on)
    out[columns] = out[columns].mul(out["weight"], axis=0)
    return out.drop(columns=["product", "weight"])


def extract(inputs: ModelInputs, lp: LinearProgram, solution: Solution) -> dict[str, pd.DataFrame]:
    """production, purchases, transfers, inventory, service, capacity, headcount (+ product-level frames)."""
    periods = pd.Series(inputs.periods, index=np.arange(len(inputs.periods)))
    weights = inputs.supply_weights

    def period(t: pd.Series) -> pd.Series:
        return pd.Series(periods.reindex(t.to_numpy()).to_numpy(), index=t.index)

    make = _values(lp, solution, "make").rename(columns={"value": "made"})
    sub = _values(lp, solution, "subcontract").rename(columns={"value": "subcontract"})
    overtime = _values(lp, solution, "overtime").rename(columns={"value": "overtime"})
    load = make.merge(inputs.usage, on=["product", "site"])
    load = load.assign(load=load["made"] * load["usage"]).groupby(["resource", "t"], as_index=False)[["load"]].sum()
    capacity = inputs.capacity.rename(columns={"overtime": "overtime_capacity"})
    capacity = capacity.merge(load, on=["resource", "t"], how="left").merge(overtime, on=["resource", "t"])
    capacity["load"] = capacity["load"].fillna(0.0)
    share = (capacity["overtime"] / capacity["load"].where(capacity["load"] > EPS)).fillna(0.0).clip(0.0, 1.0)
    bottleneck = inputs.usage[inputs.usage["usage"] > 0].merge(capacity.assign(share=share)[["resource", "t", "share"]])
    bottleneck = bottleneck.groupby(["product", "site", "t"], as_index=False)[["share"]].max()
    production = make.merge(sub, on=["product", "site", "t"], how="outer").merge(
        bottleneck, on=["product", "site", "t"], how="left"
    )
    production = production.fillna({"made": 0.0, "subcontract": 0.0, "share": 0.0})
    production["overtime"] = production["made"] * production["share"]
    production["regular"] = production["made"] - production["overtime"]
    production = _split(
        production[["product", "site", "t", "regular", "overtime", "subcontract"]],
        weights,
        ["product"],
        ["regular", "overtime", "subcontract"],
    )
    production = production.rename(columns={"site": "site_id"}).assign(period=period(production["t"]))

    headcount = _values(lp, solution, "headcount").rename(columns={"value": "headcount"})
    hires = _values(lp, solution, "hire").rename(columns={"value": "hires"})
    layoffs = _values(lp, solution, "layoff").rename(columns={"value": "layoffs"})
    headcount = headcount.merge(hires, on=["resource", "t"]).merge(layoffs, on=["resource", "t"])
    capacity = capacity.merge(headcount[["resource", "t", "headcount"]], on=["resource", "t"], how="left")
    labour = capacity["labour"].to_numpy(dtype=bool)
    capacity["regular"] = np.where(labour, capacity["headcount"] * capacity["hours"], capacity["regular"])
    capacity["overtime_capacity"] = np.where(
        labour, capacity["headcount"] * capacity["max_overtime"], capacity["overtime_capacity"]
    )
    capacity = capacity.merge(_duals(lp, solution, "resource_capacity"), on=["resource", "t"])
    capacity["utilisation"] = capacity["load"] / capacity["regular"].where(capacity["regular"] > EPS)
    capacity = capacity.rename(columns={"resource": "resource_id", "site": "site_id"})
    capacity = capacity[
        [
            "resource_id",
            "site_id",
            "kind",
            "period",
            "t",
            "load",
            "regular",
            "overtime",
            "overtime_capacity",
            "overtime_cost",
            "utilisation",
            "shadow_price",
            "headcount",
        ]
    ]
    headcount = headcount.merge(inputs.workforce[["resource", "site"]], on="resource")
    headcount = headcount.rename(columns={"resource": "resource_id", "site": "site_id"})
    headcount = headcount.assign(period=period(headcount["t"]))

    purchases = _values(lp, solution, "purchase").merge(inputs.suppliers, on=["supplier", "component"])
    purchases = purchases[purchases["value"] > EPS]
    purchases = pd.DataFrame(
        {
            "supplier_id": purchases["supplier"],
            "part_id": purchases["component"],
            "site_id": purchases["site"],
            "order_period": period(purchases["t"] - purchases["lead_time"]),
            "period": period(purchases["t"]),
            "quantity": purchases["value"],
            "unit_cost": purchases["unit_cost"],
        }
    )

    transfers = _values(lp, solution, "transfer").merge(inputs.lanes, on="lane")
    transfers = transfers[transfers["value"] > EPS]
    transfers = _split(
        transfers[["product", "from_site", "to_site", "t", "lead_time", "value"]], weights, ["product"], ["value"]
    )
    transfers = pd.DataFrame(
        {
            "item_id": transfers["item_id"],
            "from_site": transfers["from_site"],
            "to_site": transfers["to_site"],
            "ship_period": period(transfers["t"]),
            "period": period(transfers["t"] + transfers["lead_time"]),
            "quantity": transfers["value"],
        }
    )

    inventory = _values(lp, solution, "inventory").rename(columns={"value": "quantity"})
    shortfall = _values(lp, solution, "safety_shortfall").rename(columns={"value": "below_safety_stock"})
    inventory = inventory.merge(shortfall, on=["product", "site", "t"], how="left").fillna({"below_safety_stock": 0.0})
    inventory = _split(inventory, weights, ["product"], ["quantity", "below_safety_stock"])
    components = _values(lp, solution, "component_inventory").rename(
        columns={"value": "quantity", "component": "item_id"}
    )
    inventory = pd.concat(
        [inventory.assign(kind="item"), components.assign(kind="component", below_safety_stock=0.0)],
        ignore_index=True,
    )
    inventory = inventory.rename(columns={"site": "site_id"}).assign(period=period(inventory["t"]))

    keys = ["product", "region", "site", "t"]
    service = inputs.demand[[*keys, "quantity"]].rename(columns={"quantity": "demand"})
    for name, column in (("ship", "served"), ("backlog", "backlog"), ("lost", "lost")):
        service = service.merge(_values(lp, solution, name).rename(columns={"value": column}), on=keys)
    service_level = service
    service = _split(service, inputs.service_weights, keys, ["demand", "served", "backlog", "lost"])
    service = service.groupby(["item_id", "region", "t"], as_index=False)[["demand", "served", "backlog", "lost"]].sum()
    service = service.rename(columns={"region": "region_id"}).assign(period=period(service["t"]))

    return {
        "production": production[["item_id", "site_id", "period", "regular", "overtime", "subcontract"]],
        "purchases": purchases.reset_index(drop=True),
        "transfers": transfers.reset_index(drop=True),
        "inventory": inventory[["item_id", "site_id", "period", "kind", "quantity", "below_safety_stock"]],
        "service": service[["item_id", "region_id", "period", "demand", "served", "backlog", "lost"]],
        "capacity": capacity,
        "headcount": headcount[["resource_id", "site_id", "period", "headcount", "hires", "layoffs"]],
        "service_level": service_level,
        "make_level": make.merge(sub, on=["product", "site", "t"], how="outer").fillna(0.0),
    }
