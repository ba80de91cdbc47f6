"""Solution -> frames, in two stages: `extract` per LP at the planning level, `disaggregate` once to items.

Overtime is a resource decision (hours on resource k in month t). To show which production it carries, the
in-house production of p at s in t is split as  overtime_pst = make_pst x max_k(ot_kt / load_kt)  over the
resources k its routing uses (the bottleneck's overtime share), regular = make - overtime. load_kt is the whole
load of the month: the plan's production plus the firm production orders (`firm_load`, shown on its own too).
Shadow prices are  -dual  of a <= row: what one more unit of that capacity would save (EUR per unit).

The item split uses the weights of `opensop.supply.inputs`. It runs once over all site groups and by position,
not by joining on string keys: service rows carry the `demand_id` of their planning-level demand row, so the
item values are a numpy take of the planning-level values (at family level the item frames are 20x larger than
the LP's, and joining them on four text keys used to cost more than the solve).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.config import PlanningLevel
from opensop.supply.explain import COLUMNS as SHORTFALL_COLUMNS
from opensop.supply.explain import MIN_SHORTFALL
from opensop.supply.inputs import ModelInputs
from opensop.supply.lp import LinearProgram, Solution

EPS = 1e-7
SERVICE_VALUES = ["demand", "served", "backlog", "lost"]


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


def _period(periods: pd.DatetimeIndex, t: pd.Series | np.ndarray) -> np.ndarray:
    """Month index -> first day of the month (a take, not a join)."""
    return np.asarray(periods.to_numpy()[np.asarray(t, dtype=np.int64)])


def extract(inputs: ModelInputs, lp: LinearProgram, solution: Solution) -> dict[str, pd.DataFrame]:
    """Planning-level frames of one solved LP, keyed by product (item or family), site, region, resource, t.

    production (product, site, t, regular, overtime, subcontract), make_level (made, subcontract),
    transfers (product, from_site, to_site, t, lead_time, quantity), inventory (product, site, t, quantity,
    below_safety_stock), component_inventory, service (the demand rows + served, backlog, lost), capacity,
    headcount, purchases (the last three are not split: they are already per resource or component).
    """
    periods = inputs.periods
    make = _values(lp, solution, "make").rename(columns={"value": "made"})
    sub = _values(lp, solution, "subcontract").rename(columns={"value": "subcontract"})
    overtime = _values(lp, solution, "overtime").rename(columns={"value": "overtime"})
    load = make.merge(inputs.usage, on=["product", "site"])
    load = load.assign(load=load["made"] * load["usage"]).groupby(["resource", "t"], as_index=False)[["load"]].sum()
    capacity = inputs.capacity.rename(columns={"overtime": "overtime_capacity"})
    capacity = capacity.merge(load, on=["resource", "t"], how="left").merge(overtime, on=["resource", "t"])
    capacity = capacity.merge(inputs.firm_load.rename(columns={"load": "firm_load"}), on=["resource", "t"], how="left")
    capacity["firm_load"] = capacity["firm_load"].fillna(0.0)
    capacity["load"] = capacity["load"].fillna(0.0) + capacity["firm_load"]
    share = (capacity["overtime"] / capacity["load"].where(capacity["load"] > EPS)).fillna(0.0).clip(0.0, 1.0)
    bottleneck = inputs.usage[inputs.usage["usage"] > 0].merge(capacity.assign(share=share)[["resource", "t", "share"]])
    bottleneck = bottleneck.groupby(["product", "site", "t"], as_index=False)[["share"]].max()
    make_level = make.merge(sub, on=["product", "site", "t"], how="outer").fillna({"made": 0.0, "subcontract": 0.0})
    production = make_level.merge(bottleneck, on=["product", "site", "t"], how="left").fillna({"share": 0.0})
    production["overtime"] = production["made"] * production["share"]
    production["regular"] = production["made"] - production["overtime"]
    production = production[["product", "site", "t", "regular", "overtime", "subcontract"]]

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
    capacity["period"] = _period(periods, capacity["t"])
    capacity = capacity[
        [
            "resource_id",
            "site_id",
            "kind",
            "period",
            "t",
            "load",
            "firm_load",
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
    headcount = pd.DataFrame(
        {
            "resource_id": headcount["resource"],
            "site_id": headcount["site"],
            "period": _period(periods, headcount["t"]),
            "headcount": headcount["headcount"],
            "hires": headcount["hires"],
            "layoffs": headcount["layoffs"],
        }
    )

    purchases = _values(lp, solution, "purchase").merge(inputs.suppliers, on=["supplier", "component"])
    purchases = purchases[purchases["value"] > EPS]
    purchases = pd.DataFrame(
        {
            "supplier_id": purchases["supplier"],
            "part_id": purchases["component"],
            "site_id": purchases["site"],
            "order_period": _period(periods, purchases["t"] - purchases["lead_time"]),
            "period": _period(periods, purchases["t"]),
            "quantity": purchases["value"],
            "unit_cost": purchases["unit_cost"],
        }
    )

    transfers = _values(lp, solution, "transfer").merge(inputs.lanes, on="lane")
    transfers = transfers[transfers["value"] > EPS]
    transfers = transfers[["product", "from_site", "to_site", "t", "lead_time", "value"]].rename(
        columns={"value": "quantity"}
    )

    inventory = _values(lp, solution, "inventory").rename(columns={"value": "quantity"})
    shortfall = _values(lp, solution, "safety_shortfall").rename(columns={"value": "below_safety_stock"})
    inventory = inventory.merge(shortfall, on=["product", "site", "t"], how="left").fillna({"below_safety_stock": 0.0})
    components = _values(lp, solution, "component_inventory").rename(columns={"value": "quantity"})

    # ship, backlog and lost are declared on the rows of inputs.demand, in its order (define_service_variables)
    service = inputs.demand[["product", "region", "site", "t", "demand_id", "quantity"]].rename(
        columns={"quantity": "demand"}
    )
    for name, column in (("ship", "served"), ("backlog", "backlog"), ("lost", "lost")):
        service[column] = solution.values[lp.variables[name]["var"].to_numpy()]

    return {
        "production": production,
        "make_level": make_level,
        "transfers": transfers,
        "inventory": inventory,
        "component_inventory": components,
        "service": service,
        "capacity": capacity,
        "headcount": headcount,
        "purchases": purchases.reset_index(drop=True),
    }


def _by_product(frame: pd.DataFrame, weights: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Product rows -> item rows: every item of the product, each value column times the item's weight."""
    out = frame.merge(weights, on="product")
    out[columns] = out[columns].mul(out["weight"], axis=0)
    return out


def _by_demand_row(
    service: pd.DataFrame, weights: pd.DataFrame, n_rows: int, columns: list[str]
) -> dict[str, np.ndarray]:
    """Item values of the service weights' rows: the value of their planning-level demand row x weight."""
    ids = service["demand_id"].to_numpy()
    rows = weights["demand_id"].to_numpy()
    weight = weights["weight"].to_numpy()
    out = {}
    for column in columns:
        full = np.zeros(n_rows)
        full[ids] = service[column].to_numpy()
        out[column] = full[rows] * weight
    return out


def disaggregate(inputs: ModelInputs, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Item-level plan frames from the planning-level frames of all site groups (`extract`, stacked).

    `shortfalls` (from `opensop.supply.explain`) is split like service: per item, its share of the backlog and lost
    sales of the product's demand row; item rows with nothing short are dropped.
    """
    periods = inputs.periods
    weights = inputs.supply_weights
    item_level = inputs.level is PlanningLevel.ITEM
    n_demand = int(inputs.demand["demand_id"].max()) + 1 if len(inputs.demand) else 0

    production = frames["production"]
    inventory = frames["inventory"]
    transfers = frames["transfers"]
    if item_level:
        production = production.rename(columns={"product": "item_id"})
        inventory = inventory.rename(columns={"product": "item_id"})
        transfers = transfers.rename(columns={"product": "item_id"})
    else:
        production = _by_product(production, weights, ["regular", "overtime", "subcontract"])
        inventory = _by_product(inventory, weights, ["quantity", "below_safety_stock"])
        transfers = _by_product(transfers, weights, ["quantity"])
    production = pd.DataFrame(
        {
            "item_id": production["item_id"],
            "site_id": production["site"],
            "period": _period(periods, production["t"]),
            "regular": production["regular"],
            "overtime": production["overtime"],
            "subcontract": production["subcontract"],
        }
    )
    transfers = pd.DataFrame(
        {
            "item_id": transfers["item_id"],
            "from_site": transfers["from_site"],
            "to_site": transfers["to_site"],
            "ship_period": _period(periods, transfers["t"]),
            "period": _period(periods, transfers["t"] + transfers["lead_time"]),
            "quantity": transfers["quantity"],
        }
    )
    components = frames["component_inventory"]
    inventory = pd.concat(
        [
            pd.DataFrame(
                {
                    "item_id": inventory["item_id"],
                    "site_id": inventory["site"],
                    "t": inventory["t"],
                    "kind": "item",
                    "quantity": inventory["quantity"],
                    "below_safety_stock": inventory["below_safety_stock"],
                }
            ),
            pd.DataFrame(
                {
                    "item_id": components["component"],
                    "site_id": components["site"],
                    "t": components["t"],
                    "kind": "component",
                    "quantity": components["quantity"],
                    "below_safety_stock": 0.0,
                }
            ),
        ],
        ignore_index=True,
    )
    inventory.insert(2, "period", _period(periods, inventory.pop("t")))

    split = inputs.service_weights
    values = _by_demand_row(frames["service"], split, n_demand, SERVICE_VALUES)
    service = pd.DataFrame({"item_id": split["item_id"], "region_id": split["region"], "t": split["t"], **values})
    if inputs.served_from_several_sites:  # an item-region served from several sites: one row per item, region and month
        service = service.groupby(["item_id", "region_id", "t"], as_index=False, sort=True)[SERVICE_VALUES].sum()
    service.insert(2, "period", _period(periods, service.pop("t")))

    shortfalls = frames["shortfalls"]
    short_rows = split[np.isin(split["demand_id"].to_numpy(), shortfalls["demand_id"].to_numpy())]
    short_values = _by_demand_row(shortfalls, short_rows, n_demand, ["backlog", "lost"])
    items = short_rows[["demand_id", "item_id"]].assign(**short_values)
    items = items[items["backlog"] + items["lost"] >= MIN_SHORTFALL]
    items = items.merge(shortfalls.drop(columns=["backlog", "lost"]), on="demand_id")
    items = items.assign(quantity=items["backlog"] + items["lost"])[SHORTFALL_COLUMNS].reset_index(drop=True)
    return {
        "production": production,
        "purchases": frames["purchases"],
        "transfers": transfers,
        "inventory": inventory,
        "service": service,
        "capacity": frames["capacity"],
        "headcount": frames["headcount"],
        "shortfalls": items,
    }
