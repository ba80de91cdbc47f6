"""Unit costs, prices and penalties per item: the one place the supply LP and `cost_lines` read them from.

The cost convention (stated with a worked example in the data dictionary, `costs` table):

* standard cost of item i at site s = costs.material + costs.conversion, the FULL standard unit cost (what stock
  is valued at, what the ERP holds): material includes the modelled components, conversion the labour and machine
  time. A site without a costs row for the item takes the mean of the item's costs rows, else items.unit_cost.
* make cost (what the LP pays per unit made, besides what it models explicitly) =
  max(0, standard - modelled components - modelled labour), where
  modelled components = sum_c quantity_per_ic x cheapest suppliers.unit_cost of c (bought through `suppliers`,
  paid on the LP's purchase line) and
  modelled labour = sum_k usage_isk x wage_per_worker_k / hours_per_worker_k over the labour pools k of the
  routing with a `workforce` row (paid per head on the wages line, whether used or not).
* holding cost per unit-month = holding_cost_rate / 12 x the standard cost (at the site holding it).
* price per item x region x month: the latest `prices` row with period_from <= month, else items.unit_price.
* backlog cost per unit-month = backlog_cost_rate x price x w_r (a delay: the revenue is earned later);
  lost-sale penalty = (1 + lost_sales_rate) x price x w_r: the revenue forgone plus the goodwill lost, so that a
  cost-minimising plan never drops a sale whose margin is positive. Region priority weight
  w_r = 1 + priority_step x (lowest priority rank - rank of r)  (rank 1 is served first).
* safety-stock shortfall penalty per unit-month = SupplyConfig.safety_stock_penalty_rate x items.unit_price.
* component price (holding base, stock value, modelled component cost) = the cheapest supplier's unit cost;
  component holding cost per unit-month = the class-B holding rate / 12 x that price.

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


def standard_costs(data: PlanningData) -> pd.DataFrame:
    """item_id, material, conversion: mean of the item's `costs` rows, else items.unit_cost as material."""
    costs = data.costs[["item_id", "material", "conversion"]].dropna(subset=["item_id"]).astype({"item_id": str})
    mean = costs.groupby("item_id", as_index=False)[["material", "conversion"]].mean()
    items = data.items[["item_id", "unit_cost"]].astype({"item_id": str})
    out = items.merge(mean, on="item_id", how="left")
    listed = out["material"].notna() | out["conversion"].notna()
    out["material"] = out["material"].astype(float).where(listed, out["unit_cost"].astype(float)).fillna(0.0)
    out["conversion"] = out["conversion"].astype(float).where(listed, 0.0).fillna(0.0)
    return out[["item_id", "material", "conversion"]]


def component_prices(data: PlanningData) -> pd.DataFrame:
    """component, price: the cheapest supplier's unit cost of every component bought through `suppliers`."""
    suppliers = data.suppliers[["part_id", "unit_cost"]].dropna().astype({"part_id": str, "unit_cost": float})
    cheapest = suppliers.groupby("part_id", as_index=False)[["unit_cost"]].min()
    return pd.DataFrame({"component": cheapest["part_id"], "price": cheapest["unit_cost"]})


def labour_rates(data: PlanningData) -> pd.DataFrame:
    """resource_id, rate: wage_per_worker / hours_per_worker of every labour pool with a `workforce` row."""
    staff = data.workforce[["resource_id", "hours_per_worker", "wage_per_worker"]].dropna(subset=["resource_id"])
    staff = staff.astype({"resource_id": str, "hours_per_worker": float, "wage_per_worker": float})
    hours = staff["hours_per_worker"].where(staff["hours_per_worker"] > 0)
    rate = (staff["wage_per_worker"].fillna(0.0) / hours).fillna(0.0)
    return pd.DataFrame({"resource_id": staff["resource_id"], "rate": rate}).drop_duplicates("resource_id")


def modelled_costs(data: PlanningData, pairs: pd.DataFrame) -> pd.DataFrame:
    """For item_id x site_id pairs: components (EUR/unit of components bought through suppliers, at the cheapest
    supplier) and labour (EUR/unit of labour-pool hours paid per head) — the parts of the standard the LP pays on
    its own lines."""
    out = pairs[["item_id", "site_id"]].astype({"item_id": str, "site_id": str})
    bom = data.components[["item_id", "component_id", "quantity_per"]].dropna()
    bom = bom.astype({"item_id": str, "component_id": str, "quantity_per": float})
    bom = bom.merge(component_prices(data), left_on="component_id", right_on="component")
    bought = (bom["quantity_per"] * bom["price"]).groupby(bom["item_id"]).sum().rename("components")
    routing = data.routings[["item_id", "site_id", "resource_id", "usage_per_unit"]].dropna()
    routing = routing.astype({"item_id": str, "site_id": str, "resource_id": str, "usage_per_unit": float})
    routing = routing.merge(labour_rates(data), on="resource_id")
    routing = routing.assign(labour=routing["usage_per_unit"] * routing["rate"])
    paid = routing.groupby(["item_id", "site_id"], as_index=False)[["labour"]].sum()
    out = out.merge(bought, left_on="item_id", right_index=True, how="left").merge(
        paid, on=["item_id", "site_id"], how="left"
    )
    return out.fillna({"components": 0.0, "labour": 0.0})


def unit_costs(data: PlanningData, pairs: pd.DataFrame) -> pd.DataFrame:
    """For item_id x site_id pairs: standard, make_cost (module docstring), holding (per unit-month),
    subcontract_cost, subcontract_capacity."""
    costs = data.costs[["item_id", "site_id", "material", "conversion", "subcontract_cost", "subcontract_capacity"]]
    costs = costs.astype({"item_id": str, "site_id": str})
    out = pairs[["item_id", "site_id"]].merge(costs, on=["item_id", "site_id"], how="left")
    out = out.merge(item_attributes(data)[["item_id", "holding_cost_rate"]], on="item_id", how="left")
    item_standard = standard_costs(data)
    item_standard = item_standard.assign(item_cost=item_standard["material"] + item_standard["conversion"])
    out = out.merge(item_standard[["item_id", "item_cost"]], on="item_id", how="left")
    own = out["material"].astype(float) + out["conversion"].astype(float)
    out["standard"] = own.fillna(out["item_cost"].astype(float)).fillna(0.0)
    modelled = modelled_costs(data, out[["item_id", "site_id"]])
    modelled_total = modelled["components"].to_numpy() + modelled["labour"].to_numpy()
    out["make_cost"] = np.maximum(out["standard"].to_numpy() - modelled_total, 0.0)
    out["holding"] = out["holding_cost_rate"].fillna(DEFAULT_POLICY["holding_cost_rate"]) / 12 * out["standard"]
    out["subcontract_cost"] = out["subcontract_cost"].astype(float)
    out["subcontract_capacity"] = out["subcontract_capacity"].astype(float).fillna(np.inf)
    return out[["item_id", "site_id", "standard", "make_cost", "holding", "subcontract_cost", "subcontract_capacity"]]


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
    prices = component_prices(data)
    return pd.DataFrame({"component": prices["component"], "holding": rate / 12 * prices["price"]})
