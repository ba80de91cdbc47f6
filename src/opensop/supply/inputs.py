"""The supply model's inputs at the planning level: canonical frames -> coefficient frames keyed by product.

A *product* is an item (planning level `item`) or a family (`family`). Family inputs are weighted averages of item
inputs with exactly the weights used later to split family results back to items, so every cost line is the same
whether summed over families or over items (the objective == recomputed-costs identity holds at both levels):

* supply side (production, subcontracting, inventory, transfers): item i of family f gets the share
  w_i = horizon demand of i / horizon demand of f (equal shares when the family has no demand). Then
  usage_f = sum_i w_i usage_i, make cost_f = sum_i w_i make cost_i, quantity_per_f = sum_i w_i q_i, and item limits
  become family limits max_f = min_i max_i / w_i (so no item exceeds its own after the split).
* service side (shipments, backlog, lost sales) of f x region x site x month: v_i = d_i / d_f (the horizon shares
  w_i when d_f = 0); price_f = sum_i v_i price_i, and so on.

Family plans balance inventory per family; the item split is pro rata (the MPS's job, not S&OP's).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from opensop.config import EndInventory, PlanningConfig, PlanningLevel
from opensop.errors import InvalidRequest
from opensop.periods import month_start, month_starts
from opensop.schema import PlanningData
from opensop.supply.allocation import allocate, make_pairs, unallocated
from opensop.supply.capacity import capacity_table, firm_load
from opensop.supply.coefficients import component_holding, item_attributes, service_coefficients, unit_costs


@dataclass(frozen=True)
class ModelInputs:
    """Coefficient frames at the planning level; `t` is the month index 0..H-1 into `periods`."""

    periods: pd.DatetimeIndex
    level: PlanningLevel
    # sorted by product, region, site, t (a full lattice of months); demand_id numbers the rows
    demand: pd.DataFrame  # product, region, site, t, demand_id, quantity, price, backlog_cost, lost_penalty, window
    backorders: pd.DataFrame  # product, region, site, quantity
    make: pd.DataFrame  # product, site, make_cost, subcontract_cost, subcontract_capacity, routed
    stock: pd.DataFrame  # product, site, on_hand, holding, max_stock, safety_stock, ss_penalty, end_target, end_value
    receipts: pd.DataFrame  # product, site, t, quantity
    usage: pd.DataFrame  # product, site, resource, usage
    capacity: pd.DataFrame  # resource, site, kind, t, regular, overtime, overtime_cost, hours, max_overtime
    firm_load: pd.DataFrame  # resource, t, load: hours taken by firm production orders (`capacity.firm_load`)
    workforce: pd.DataFrame  # resource, headcount, wage, hire_cost, layoff_cost, min_headcount, max_headcount
    bom: pd.DataFrame  # product, component, quantity_per
    component_stock: pd.DataFrame  # component, site, on_hand, holding
    component_receipts: pd.DataFrame  # component, site, t, quantity
    suppliers: pd.DataFrame  # supplier, component, lead_time, capacity, unit_cost
    lanes: pd.DataFrame  # lane, from_site, to_site, cost, lead_time
    storage: pd.DataFrame  # site, capacity
    supply_weights: pd.DataFrame  # item_id, product, weight
    # one row per item-level demand row, in item, region, site, t order
    service_weights: pd.DataFrame  # item_id, region, site, t, demand_id (of the planning-level row), weight
    served_from_several_sites: bool = False  # some item-region's demand is allocated to more than one site
    frozen_months: int = 0  # months 0..frozen-1 receive only firm orders (open supply): no new make, buy, subcontract
    warnings: tuple[str, ...] = ()


DEMAND_COLUMNS = ("item_id", "region_id", "period", "quantity")


def horizon(data: PlanningData, demand: pd.DataFrame, config: PlanningConfig) -> pd.DatetimeIndex:
    """Months planned: from config.start_period, else the month after history, else the first demand month."""
    if config.start_period is not None:
        start = pd.Timestamp(config.start_period)
    elif len(data.sales_history):
        start = data.last_history_period + pd.offsets.MonthBegin(1)
    else:
        start = pd.Timestamp(demand["period"].min())
    return pd.date_range(month_start(start), periods=config.horizon_months, freq="MS")


def check_demand(demand: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in DEMAND_COLUMNS if c not in demand.columns]
    if missing:
        raise InvalidRequest(
            f"the demand frame lacks column(s) {', '.join(missing)}",
            hint="give item_id, region_id, period (first of month) and quantity per row",
        )
    out = demand.copy()
    out["quantity"] = pd.to_numeric(out["quantity"], errors="coerce")
    bad = out["quantity"].isna() | (out["quantity"] < 0)
    if bad.any():
        raise InvalidRequest(
            f"{int(bad.sum())} demand row(s) have a missing or negative quantity",
            hint=f"first one: {out.loc[bad].iloc[0][list(DEMAND_COLUMNS)].to_dict()}",
        )
    out["period"] = month_starts(out["period"])
    return out.astype({"item_id": str, "region_id": str})


def _t(periods: pd.DatetimeIndex, values: pd.Series) -> np.ndarray:
    return np.asarray(periods.get_indexer(pd.DatetimeIndex(pd.to_datetime(values).astype("datetime64[ns]"))))


def item_inputs(data: PlanningData, demand: pd.DataFrame, config: PlanningConfig, safety: pd.DataFrame) -> ModelInputs:
    """Inputs with product = item."""
    supply = config.supply
    demand = check_demand(demand)
    periods = horizon(data, demand, config)
    warnings = [f"no site serves {pair}: its demand is left out of the plan" for pair in unallocated(data, demand)]
    in_horizon = demand[demand["period"].isin(periods)]
    allocated = allocate(data, in_horizon[list(DEMAND_COLUMNS)])
    backorders = allocate(data, data.backorders[["item_id", "region_id", "quantity"]].dropna())
    backorders = backorders.rename(columns={"item_id": "product", "region_id": "region", "site_id": "site"})

    keys = ["item_id", "region_id", "site_id"]
    series = pd.concat(
        [allocated[keys], backorders.rename(columns=dict(zip(["product", "region", "site"], keys, strict=True)))[keys]]
    ).drop_duplicates()
    lattice = series.merge(pd.DataFrame({"period": periods}), how="cross")
    lattice = lattice.merge(allocated[[*keys, "period", "quantity"]], on=[*keys, "period"], how="left")
    lattice["quantity"] = lattice["quantity"].fillna(0.0)
    lattice = lattice.groupby([*keys, "period"], as_index=False)[["quantity"]].sum()
    lattice = service_coefficients(data, lattice, priority_step=supply.priority_step)
    lattice["t"] = _t(periods, lattice["period"])
    demand_frame = lattice.rename(columns={"item_id": "product", "region_id": "region", "site_id": "site"})
    demand_frame = demand_frame.drop(columns="period")
    demand_frame.insert(4, "demand_id", np.arange(len(demand_frame)))

    made = make_pairs(data)
    make = made.merge(unit_costs(data, made), on=["item_id", "site_id"])
    make["routed"] = _routed(data, make)

    inventory = data.inventory[["item_id", "site_id", "on_hand"]].dropna().astype({"item_id": str, "site_id": str})
    items = set(data.items["item_id"].astype(str))
    open_supply = data.open_supply[["part_id", "site_id", "period", "quantity"]].dropna()
    open_supply = open_supply.astype({"part_id": str, "site_id": str}).assign(t=_t(periods, open_supply["period"]))
    open_supply = open_supply[open_supply["t"] >= 0]
    is_item = open_supply["part_id"].isin(items)
    receipts = open_supply[is_item].groupby(["part_id", "site_id", "t"], as_index=False)[["quantity"]].sum()
    receipts = receipts.rename(columns={"part_id": "product", "site_id": "site"})

    stocked = pd.concat(
        [
            made[["item_id", "site_id"]],
            allocated[["item_id", "site_id"]],
            inventory.loc[inventory["item_id"].isin(items), ["item_id", "site_id"]],
            receipts.rename(columns={"product": "item_id", "site": "site_id"})[["item_id", "site_id"]],
        ]
    ).drop_duplicates()
    stock = stocked.merge(unit_costs(data, stocked), on=["item_id", "site_id"])
    stock = stock.merge(inventory.groupby(["item_id", "site_id"], as_index=False)[["on_hand"]].sum(), how="left")
    stock = stock.merge(item_attributes(data)[["item_id", "max_stock", "unit_price"]], on="item_id", how="left")
    stock = stock.merge(safety[["item_id", "site_id", "safety_stock"]], on=["item_id", "site_id"], how="left")
    stock["on_hand"] = stock["on_hand"].fillna(0.0)
    stock["max_stock"] = stock["max_stock"].fillna(np.inf)
    stock["safety_stock"] = stock["safety_stock"].fillna(0.0)
    stock["ss_penalty"] = supply.safety_stock_penalty_rate * stock["unit_price"]
    stock["end_target"] = {
        EndInventory.VALUED: 0.0 * stock["on_hand"],
        EndInventory.NONE: 0.0 * stock["on_hand"],
        EndInventory.SAFETY_STOCK: stock["safety_stock"],
        EndInventory.OPENING: stock["on_hand"],
    }[supply.end_inventory]
    worth = stock["unit_price"].fillna(stock["standard"])
    stock["end_value"] = worth if supply.end_inventory is EndInventory.VALUED else 0.0 * stock["on_hand"]
    stock = stock[
        [
            "item_id",
            "site_id",
            "on_hand",
            "holding",
            "max_stock",
            "safety_stock",
            "ss_penalty",
            "end_target",
            "end_value",
        ]
    ]

    usage = data.routings[["item_id", "site_id", "resource_id", "usage_per_unit"]].dropna()
    usage = usage.astype({"item_id": str, "site_id": str, "resource_id": str}).rename(
        columns={"item_id": "product", "site_id": "site", "resource_id": "resource", "usage_per_unit": "usage"}
    )
    capacity, workforce = capacity_table(data, periods)
    firm = firm_load(data, periods).groupby(["resource", "t"], as_index=False)[["load"]].sum()

    bom = (
        data.components[["item_id", "component_id", "quantity_per"]]
        .dropna()
        .astype({"item_id": str, "component_id": str})
    )
    bom = bom.rename(columns={"item_id": "product", "component_id": "component"})
    comp_sites = bom.merge(make_pairs(data).rename(columns={"item_id": "product", "site_id": "site"}), on="product")
    comp_stock = comp_sites[["component", "site"]].drop_duplicates()
    comp_inventory = inventory.rename(columns={"item_id": "component", "site_id": "site"})
    comp_stock = comp_stock.merge(
        comp_inventory.groupby(["component", "site"], as_index=False)[["on_hand"]].sum(), how="left"
    )
    comp_stock = comp_stock.merge(component_holding(data), on="component", how="left")
    comp_stock = comp_stock.fillna({"on_hand": 0.0, "holding": 0.0})
    comp_receipts = open_supply[~is_item].groupby(["part_id", "site_id", "t"], as_index=False)[["quantity"]].sum()
    comp_receipts = comp_receipts.rename(columns={"part_id": "component", "site_id": "site"})

    suppliers = data.suppliers[["supplier_id", "part_id", "lead_time_months", "monthly_capacity", "unit_cost"]].dropna(
        subset=["supplier_id", "part_id"]
    )
    suppliers = pd.DataFrame(
        {
            "supplier": suppliers["supplier_id"].astype(str),
            "component": suppliers["part_id"].astype(str),
            "lead_time": suppliers["lead_time_months"].fillna(0).astype(int),
            "capacity": suppliers["monthly_capacity"].astype(float).fillna(np.inf),
            "unit_cost": suppliers["unit_cost"].astype(float).fillna(0.0),
        }
    )
    lanes = data.lanes.dropna(subset=["from_site", "to_site"])
    lanes = pd.DataFrame(
        {
            "from_site": lanes["from_site"].astype(str),
            "to_site": lanes["to_site"].astype(str),
            "cost": lanes["cost_per_unit"].astype(float).fillna(0.0),
            "lead_time": lanes["lead_time_months"].fillna(0).astype(int),
        }
    ).reset_index(drop=True)
    lanes.insert(0, "lane", lanes["from_site"] + ">" + lanes["to_site"])
    storage = data.sites[["site_id", "storage_capacity"]].dropna().astype({"site_id": str})
    storage = storage.rename(columns={"site_id": "site", "storage_capacity": "capacity"}).astype({"capacity": float})

    item_ids = pd.Series(sorted(items), dtype=object)
    supply_weights = pd.DataFrame({"item_id": item_ids, "product": item_ids, "weight": 1.0})
    service_weights = demand_frame[["product", "region", "site", "t", "demand_id"]]
    service_weights = service_weights.rename(columns={"product": "item_id"})
    service_weights["weight"] = 1.0
    rename = {"item_id": "product", "site_id": "site"}
    return ModelInputs(
        periods=periods,
        level=PlanningLevel.ITEM,
        frozen_months=min(max(config.frozen_months, 0), len(periods)),
        demand=demand_frame,
        backorders=backorders[["product", "region", "site", "quantity"]],
        make=make.rename(columns=rename)[
            ["product", "site", "make_cost", "subcontract_cost", "subcontract_capacity", "routed"]
        ],
        stock=stock.rename(columns=rename),
        receipts=receipts,
        usage=usage,
        capacity=capacity,
        firm_load=firm,
        workforce=workforce,
        bom=bom,
        component_stock=comp_stock,
        component_receipts=comp_receipts,
        suppliers=suppliers,
        lanes=lanes,
        storage=storage,
        supply_weights=supply_weights,
        service_weights=service_weights,
        served_from_several_sites=bool(series.duplicated(["item_id", "region_id"]).any()),
        warnings=tuple(warnings),
    )


def _routed(data: PlanningData, made: pd.DataFrame) -> np.ndarray:
    """Whether each (item_id, site_id) may be made: it has a routing there, or the site declares no resource at all
    (a plant whose capacity the data does not model). A costed item without a routing at a plant whose resources
    are modelled is not made there: the plan never invents capacity (validation warns: `no_routing`)."""
    routed = data.routings[["item_id", "site_id"]].dropna().astype(str).drop_duplicates().assign(__routed=True)
    constrained = set(data.resources["site_id"].dropna().astype(str))
    flags = made[["item_id", "site_id"]].astype(str).merge(routed, on=["item_id", "site_id"], how="left")
    return (flags["__routed"].eq(True) | ~flags["site_id"].isin(constrained)).to_numpy()


def _weighted(frame: pd.DataFrame, weights: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """sum_i w_i x_i per family-level key (`frame` has the item in `product`; weights: item_id, product, weight)."""
    merged = frame.rename(columns={"product": "item_id"}).merge(weights, on="item_id")
    merged[columns] = merged[columns].mul(merged["weight"], axis=0)
    return merged.groupby(keys, as_index=False)[columns].sum()


def _family_pairs(frame: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Every item of a family at every site where some item of the family appears in `frame` (product, site)."""
    pairs = frame[["product", "site"]].rename(columns={"product": "item_id"}).merge(weights, on="item_id")
    pairs = pairs[["product", "site"]].drop_duplicates()
    return pairs.merge(weights, on="product")


def family_inputs(data: PlanningData, inputs: ModelInputs, config: PlanningConfig) -> ModelInputs:
    """Aggregate item inputs to families with the split weights described in the module docstring."""
    families = item_attributes(data)[["item_id", "family_id", "max_stock", "unit_price"]]
    horizon_demand = inputs.demand.groupby("product")["quantity"].sum().rename("horizon")
    w = families.merge(horizon_demand, left_on="item_id", right_index=True, how="left").fillna({"horizon": 0.0})
    w = w.rename(columns={"family_id": "product"})
    total = w.groupby("product")["horizon"].transform("sum")
    count = w.groupby("product")["horizon"].transform("size")
    w["weight"] = np.where(total > 0, w["horizon"] / total.where(total > 0, 1.0), 1.0 / count)
    weights = w[["item_id", "product", "weight"]]

    make_all = _family_pairs(inputs.make, weights)
    costs = unit_costs(data, make_all.rename(columns={"site": "site_id"})).rename(columns={"site_id": "site"})
    make_all = make_all.merge(costs, on=["item_id", "site"])
    routed = inputs.make[["product", "site", "routed"]].rename(columns={"product": "item_id"})
    make_all = make_all.merge(routed, on=["item_id", "site"], how="left")
    make_all["routed"] = make_all["routed"].eq(True)
    make_all["make_cost"] *= make_all["weight"]
    make_all["sub_cost"] = make_all["subcontract_cost"] * make_all["weight"]
    make_all["sub_ok"] = make_all["subcontract_cost"].notna() | (make_all["weight"] == 0)
    make_all["sub_cap"] = (make_all["subcontract_capacity"] / make_all["weight"].where(make_all["weight"] > 0)).fillna(
        np.inf
    )
    make = make_all.groupby(["product", "site"], as_index=False).agg(
        routed=("routed", "any"),
        make_cost=("make_cost", "sum"),
        subcontract_cost=("sub_cost", "sum"),
        sub_ok=("sub_ok", "all"),
        subcontract_capacity=("sub_cap", "min"),
    )
    make["subcontract_cost"] = make["subcontract_cost"].where(make["sub_ok"])
    make = make.drop(columns="sub_ok")

    stock_all = _family_pairs(inputs.stock, weights)
    costs = unit_costs(data, stock_all.rename(columns={"site": "site_id"})).rename(columns={"site_id": "site"})
    stock_all = stock_all.merge(costs[["item_id", "site", "holding", "standard"]], on=["item_id", "site"])
    stock_all = stock_all.merge(w[["item_id", "max_stock", "unit_price"]], on="item_id")
    item_stock = inputs.stock.rename(columns={"product": "item_id"})[
        ["item_id", "site", "on_hand", "safety_stock", "end_target"]
    ]
    stock_all = stock_all.merge(item_stock, on=["item_id", "site"], how="left")
    stock_all = stock_all.fillna({"on_hand": 0.0, "safety_stock": 0.0, "end_target": 0.0, "max_stock": np.inf})
    stock_all["holding"] *= stock_all["weight"]
    valued = config.supply.end_inventory is EndInventory.VALUED
    worth = stock_all["unit_price"].fillna(stock_all["standard"])
    stock_all["end_value"] = worth * stock_all["weight"] if valued else 0.0
    stock_all["ss_penalty"] = config.supply.safety_stock_penalty_rate * stock_all["unit_price"] * stock_all["weight"]
    stock_all["max_stock"] = (stock_all["max_stock"] / stock_all["weight"].where(stock_all["weight"] > 0)).fillna(
        np.inf
    )
    stock = stock_all.groupby(["product", "site"], as_index=False).agg(
        on_hand=("on_hand", "sum"),
        holding=("holding", "sum"),
        max_stock=("max_stock", "min"),
        safety_stock=("safety_stock", "sum"),
        ss_penalty=("ss_penalty", "sum"),
        end_target=("end_target", "sum"),
        end_value=("end_value", "sum"),
    )

    lattice = inputs.demand.rename(columns={"product": "item_id"}).drop(columns="demand_id")
    lattice = lattice.merge(weights[["item_id", "product"]], on="item_id")
    keys = ["product", "region", "site"]
    # family rows numbered in sorted key order: the planning-level demand is sorted as ModelInputs requires
    lattice["demand_id"] = lattice.groupby([*keys, "t"]).ngroup()
    family_month = lattice.groupby("demand_id")
    d_f = family_month["quantity"].transform("sum")
    n_f = family_month["quantity"].transform("size")
    h_i = lattice.groupby(["item_id", "region", "site"])["quantity"].transform("sum")
    h_f = lattice.groupby(keys)["quantity"].transform("sum")
    lattice["weight"] = np.where(
        d_f > 0,
        lattice["quantity"] / d_f.where(d_f > 0, 1.0),
        np.where(h_f > 0, h_i / h_f.where(h_f > 0, 1.0), 1 / n_f),
    )
    for column in ("price", "backlog_cost", "lost_penalty"):
        lattice[f"_{column}"] = lattice[column] * lattice["weight"]
    demand = (
        lattice.groupby("demand_id")
        .agg(
            product=("product", "first"),
            region=("region", "first"),
            site=("site", "first"),
            t=("t", "first"),
            quantity=("quantity", "sum"),
            price=("_price", "sum"),
            backlog_cost=("_backlog_cost", "sum"),
            lost_penalty=("_lost_penalty", "sum"),
            window=("window", "min"),
        )
        .reset_index()
    )
    demand.insert(4, "demand_id", demand.pop("demand_id"))
    to_family = weights[["item_id", "product"]]

    def summed(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        merged = frame.rename(columns={"product": "item_id"}).merge(to_family, on="item_id")
        return merged.groupby(["product", *by], as_index=False)[["quantity"]].sum()

    return replace(
        inputs,
        level=PlanningLevel.FAMILY,
        demand=demand,
        backorders=summed(inputs.backorders, ["region", "site"]),
        make=make,
        stock=stock,
        receipts=summed(inputs.receipts, ["site", "t"]),
        usage=_weighted(inputs.usage, weights, ["product", "site", "resource"], ["usage"]),
        bom=_weighted(inputs.bom, weights, ["product", "component"], ["quantity_per"]),
        supply_weights=weights,
        service_weights=lattice[["item_id", "region", "site", "t", "demand_id", "weight"]],
    )


def model_inputs(data: PlanningData, demand: pd.DataFrame, config: PlanningConfig, safety: pd.DataFrame) -> ModelInputs:
    """Inputs at the configured planning level."""
    inputs = item_inputs(data, demand, config, safety)
    if config.supply.planning_level is PlanningLevel.FAMILY:
        return family_inputs(data, inputs, config)
    return inputs
