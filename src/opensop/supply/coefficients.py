"""Unit costs, prices and penalties per item: the one place the supply LP and `cost_lines` read them from.

* production cost per unit at a site = costs.material + costs.conversion (the material not bought through the
  modelled critical components, and the conversion not already paid as wages or overtime); with no costs row,
  items.unit_cost.
* holding cost per unit-month = holding_cost_rate / 12 x that unit cost (at the site holding it).
* price per item x region x month: the latest `prices` row with period_from <= month, else items.unit_price.
* backlog cost per unit-month = backlog_cost_rate x price x w_r (a delay: the revenue is earned later);
  lost-sale penalty = (1 + lost_sales_rate) x price x w_r: the revenue forgone plus the goodwill lost, so that a
  cost-minimising plan never drops a sale whose margin is positive. Region priority weight
  w_r = 1 + priority_step x (lowest priority rank - rank of r)  (rank 1 is served first).
* safety-stock shortfall penalty per unit-month = SupplyConfig.safety_stock_penalty_rate x items.unit_price.
* component holding cost per unit-month = the class-B holding rate / 12 x the cheapest supplier's unit cost.

Policies missing for a class fall back to DEFAULT_POLICY.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.schema import PlanningData

DEFAULT_POLICY: dict[str, float] = {
    "service_level": 0.95,
    "holding_cost_rate": 0.25,
    "backlog_cost_rate": 0.02,
    "lost_sales_rate": 0.5,
    "max_backlog_months": 2.0,
}


def item_attributes(data: PlanningData) -> pd.DataFrame:
    """item_id, family_id, abc_class, unit_price, unit_cost, max_stock and the class's policy rates."""
    items = data.items[["item_id", "family_id", "abc_class", "unit_price", "unit_cost", "max_stock"]].copy()
    items = items.astype({"item_id": str, "family_id": str, "abc_class": str})
    items = items.astype({"unit_price": float, "unit_cost": float, "max_stock": float})
    policies = data.policies[["abc_class", *DEFAULT_POLICY]].astype({"abc_class": str})
    items = items.merge(policies, on="abc_class", how="left")
    for column, default in DEFAULT_POLICY.items():
        items[column] = items[column].astype(float).fillna(default)
    items["unit_price"] = items["unit_price"].fillna(0.0)
    items["unit_cost"] = items["unit_cost"].fillna(0.0)
    return items


def unit_costs(data: PlanningData, pairs: pd.DataFrame) -> pd.DataFrame:
    """For item_id x site_id pairs: unit_cost, holding (per unit-month), subcontract_cost, subcontract_capacity."""
    costs = data.costs[["item_id", "site_id", "material", "conversion", "subcontract_cost", "subcontract_capacity"]]
    costs = costs.astype({"item_id": str, "site_id": str})
    out = pairs[["item_id", "site_id"]].merge(costs, on=["item_id", "site_id"], how="left")
    out = out.merge(item_attributes(data)[["item_id", "unit_cost", "holding_cost_rate"]], on="item_id", how="left")
    own = out["material"].astype(float) + out["conversion"].astype(float)
    out["unit_cost"] = own.fillna(out["unit_cost"].astype(float)).fillna(0.0)
    out["holding"] = out["holding_cost_rate"].fillna(DEFAULT_POLICY["holding_cost_rate"]) / 12 * out["unit_cost"]
    out["subcontract_cost"] = out["subcontract_cost"].astype(float)
    out["subcontract_capacity"] = out["subcontract_capacity"].astype(float).fillna(np.inf)
    return out[["item_id", "site_id", "unit_cost", "holding", "subcontract_cost", "subcontract_capacity"]]


def region_weights(data: PlanningData, priority_step: float) -> pd.DataFrame:
    """region_id, weight = 1 + priority_step x (max rank - rank): the penalty multiplier of a region."""
    regions = data.regions[["region_id", "priority"]].astype({"region_id": str})
    rank = regions["priority"].astype(float).fillna(1.0)
    return pd.DataFrame({"region_id": regions["region_id"], "weight": 1.0 + priority_step * (rank.max() - rank)})


def prices(data: PlanningData, lattice: pd.DataFrame) -> pd.Series:
    """Price for each row of `lattice` (item_id, region_id, period), aligned on its index."""
    keys = lattice[["item_id", "region_id", "period"]].astype({"item_id": str, "region_id": str})
    keys = keys.assign(_row=np.arange(len(keys)), period=pd.to_datetime(keys["period"]).astype("datetime64[ns]"))
    table = data.prices[["item_id", "region_id", "period_from", "price"]].dropna()
    table = table.astype({"item_id": str, "region_id": str, "price": float})
    table = table.assign(period_from=table["period_from"].astype("datetime64[ns]"))
    if len(table):
        matched = pd.merge_asof(
            keys.sort_values("period"),
            table.sort_values("period_from"),
            left_on="period",
            right_on="period_from",
            by=["item_id", "region_id"],
            direction="backward",
        ).sort_values("_row")
        found = matched["price"].to_numpy(dtype=float)
    else:
        found = np.full(len(keys), np.nan)
    list_price = keys.merge(item_attributes(data)[["item_id", "unit_price"]], on="item_id", how="left")
    price = np.where(np.isnan(found), list_price["unit_price"].to_numpy(dtype=float), found)
    return pd.Series(np.nan_to_num(price), index=lattice.index)


def service_coefficients(data: PlanningData, lattice: pd.DataFrame, *, priority_step: float) -> pd.DataFrame:
    """`lattice` (item_id, region_id, period, ...) with price, backlog_cost, lost_penalty, window columns."""
    attributes = item_attributes(data)[["item_id", "backlog_cost_rate", "lost_sales_rate", "max_backlog_months"]]
    out = lattice.assign(price=prices(data, lattice))
    out = out.merge(attributes, on="item_id", how="left").merge(
        region_weights(data, priority_step), on="region_id", how="left"
    )
    weight = out["weight"].fillna(1.0)
    out["backlog_cost"] = out["backlog_cost_rate"].fillna(DEFAULT_POLICY["backlog_cost_rate"]) * out["price"] * weight
    rate = out["lost_sales_rate"].fillna(DEFAULT_POLICY["lost_sales_rate"])
    out["lost_penalty"] = (1.0 + rate) * out["price"] * weight
    out["window"] = out["max_backlog_months"].fillna(DEFAULT_POLICY["max_backlog_months"]).astype(int)
    return out.drop(columns=["backlog_cost_rate", "lost_sales_rate", "max_backlog_months", "weight"])


def component_holding(data: PlanningData) -> pd.DataFrame:
    """component, holding per unit-month (class-B rate / 12 x cheapest supplier unit cost)."""
    policies = data.policies.astype({"abc_class": str}).set_index("abc_class")["holding_cost_rate"]
    rate = float(policies.get("B", DEFAULT_POLICY["holding_cost_rate"]))
    suppliers = data.suppliers[["part_id", "unit_cost"]].astype({"part_id": str, "unit_cost": float})
    cheapest = suppliers.groupby("part_id", as_index=False)[["unit_cost"]].min()
    return pd.DataFrame({"component": cheapest["part_id"], "holding": rate / 12 * cheapest["unit_cost"]})
