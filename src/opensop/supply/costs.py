"""Cost lines recomputed from plan quantities and the data, independently of the LP.

Each line is  sum over rows of quantity x unit rate, with the rates of `opensop.supply.coefficients`:

    production      (regular + overtime) x make cost at the site (the standard minus the modelled components
                    and labour: `opensop.supply.coefficients`)
    subcontract     subcontract x costs.subcontract_cost
    overtime        overtime hours x resources.overtime_cost
    wages           headcount x workforce.wage_per_worker (paid whether used or not)
    hiring, layoffs hires x hire_cost, layoffs x layoff_cost
    purchases       quantity x suppliers.unit_cost
    transfers       quantity x lanes.cost_per_unit
    holding         end-of-month stock x holding cost per unit-month (items; components on their own line)
    safety_stock    units-months below the safety stock x penalty
    end_stock       units below the safety stock in the horizon's last month x unit price (EndInventory.VALUED)
    backlog         units late at month end x backlog cost per unit-month
    lost_sales      units lost x lost-sale penalty
    revenue         units served x price (not a cost)

At the optimum of a MIN_COST plan the LP objective equals the sum of all lines but revenue; of a MAX_MARGIN plan,
revenue minus every line but lost_sales (`objective_value`).
"""

from __future__ import annotations

import pandas as pd

from opensop.config import EndInventory, Objective, PlanningConfig
from opensop.schema import PlanningData
from opensop.supply.coefficients import component_holding, item_attributes, service_coefficients, unit_costs

COST_LINES = (
    "production",
    "subcontract",
    "overtime",
    "wages",
    "hiring",
    "layoffs",
    "purchases",
    "transfers",
    "holding",
    "component_holding",
    "safety_stock",
    "end_stock",
    "backlog",
    "lost_sales",
)


def _dot(frame: pd.DataFrame, quantity: pd.Series, rate: pd.Series) -> float:
    return float((quantity.fillna(0.0) * rate.fillna(0.0)).sum()) if len(frame) else 0.0


def cost_lines(
    data: PlanningData,
    config: PlanningConfig,
    *,
    production: pd.DataFrame,
    purchases: pd.DataFrame,
    transfers: pd.DataFrame,
    inventory: pd.DataFrame,
    service: pd.DataFrame,
    capacity: pd.DataFrame,
    headcount: pd.DataFrame,
) -> pd.DataFrame:
    """line, value (EUR) for every line of COST_LINES plus `revenue`, from the plan frames of a SupplyPlan."""
    lines: dict[str, float] = {}
    made = production.merge(unit_costs(data, production[["item_id", "site_id"]].drop_duplicates()), how="left")
    lines["production"] = _dot(made, made["regular"] + made["overtime"], made["make_cost"])
    lines["subcontract"] = _dot(made, made["subcontract"], made["subcontract_cost"])

    resources = data.resources[["resource_id", "overtime_cost"]].astype({"resource_id": str})
    used = capacity.merge(resources, on="resource_id", how="left", suffixes=("_plan", ""))
    lines["overtime"] = _dot(used, used["overtime"], used["overtime_cost"])
    staff = data.workforce[["resource_id", "wage_per_worker", "hire_cost", "layoff_cost"]].astype({"resource_id": str})
    staffed = headcount.merge(staff, on="resource_id", how="left")
    lines["wages"] = _dot(staffed, staffed["headcount"], staffed["wage_per_worker"])
    lines["hiring"] = _dot(staffed, staffed["hires"], staffed["hire_cost"])
    lines["layoffs"] = _dot(staffed, staffed["layoffs"], staffed["layoff_cost"])

    suppliers = data.suppliers[["supplier_id", "part_id", "unit_cost"]].astype({"supplier_id": str, "part_id": str})
    bought = purchases.drop(columns="unit_cost", errors="ignore").merge(suppliers, how="left")
    lines["purchases"] = _dot(bought, bought["quantity"], bought["unit_cost"])
    lanes = data.lanes[["from_site", "to_site", "cost_per_unit"]].astype({"from_site": str, "to_site": str})
    moved = transfers.merge(lanes, on=["from_site", "to_site"], how="left")
    lines["transfers"] = _dot(moved, moved["quantity"], moved["cost_per_unit"])

    items = inventory[inventory["kind"] == "item"]
    held = items.merge(unit_costs(data, items[["item_id", "site_id"]].drop_duplicates()), how="left")
    lines["holding"] = _dot(held, held["quantity"], held["holding"])
    parts = inventory[inventory["kind"] == "component"].merge(
        component_holding(data).rename(columns={"component": "item_id"}), on="item_id", how="left"
    )
    lines["component_holding"] = _dot(parts, parts["quantity"], parts["holding"])
    listed = items.merge(item_attributes(data)[["item_id", "unit_price"]], on="item_id", how="left")
    lines["safety_stock"] = config.supply.safety_stock_penalty_rate * _dot(
        listed, listed["below_safety_stock"], listed["unit_price"]
    )
    priced = held.merge(item_attributes(data)[["item_id", "unit_price"]], on="item_id", how="left")
    last = priced[priced["period"] == priced["period"].max()]
    worth = last["unit_price"].fillna(last["standard"])
    valued = config.supply.end_inventory is EndInventory.VALUED
    lines["end_stock"] = _dot(last, last["below_safety_stock"], worth) if valued else 0.0

    rates = service_coefficients(data, service, priority_step=config.supply.priority_step)
    lines["backlog"] = _dot(rates, rates["backlog"], rates["backlog_cost"])
    lines["lost_sales"] = _dot(rates, rates["lost"], rates["lost_penalty"])
    lines["revenue"] = _dot(rates, rates["served"], rates["price"])
    return pd.DataFrame({"line": list(lines), "value": list(lines.values())})


def objective_value(costs: pd.DataFrame, objective: Objective) -> float:
    """Total cost (MIN_COST) or gross margin (MAX_MARGIN) implied by the cost lines."""
    value = costs.set_index("line")["value"]
    if objective is Objective.MIN_COST:
        return float(value.drop("revenue").sum())
    return float(value["revenue"] - value.drop(["revenue", "lost_sales"]).sum())
