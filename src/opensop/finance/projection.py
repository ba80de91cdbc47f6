"""`project`: a supply plan and its data -> the financial lines of the review (see `opensop.finance.lines`).

Unit rates are read from `opensop.supply.coefficients`, the module the supply LP reads them from, so the plan
cost lines here are the LP's cost lines broken down by dimension (their totals equal `supply.cost_lines`).

Sales (from the plan's service frame, item x region x month; family from `items`):

    revenue_irt        = served_irt x price_irt       (latest `prices` row with period_from <= t, else unit_price)
    demand_revenue_irt = demand_irt x price_irt       (the `demand` argument, horizon months only)
    cogs_material_irt  = served_irt x material_i       standard material of item i: mean of its `costs` rows,
    cogs_conversion_irt= served_irt x conversion_i     else items.unit_cost (all material, no conversion)

The cost convention (data dictionary, `costs`): material + conversion is the FULL standard cost of a unit, the
bought-in components and the labour included; the LP pays the components on its purchase line, the labour on its
wages line, and the rest of the standard (the make cost) per unit made. The P&L is at standard cost with the
variances of the plan, so that COGS is what the plan pays, with stock valued at standard:

    COGS = standard cost of the units sold (cogs_material + cogs_conversion)
         + conversion_variance      [site, month]  overtime + wages + hiring + layoffs of the site's resources
                                                   - labour absorbed (units made, by the plan or on firm
                                                   production orders, x their labour-pool hours x
                                                   wage_per_worker / hours_per_worker): idle or extra labour
         + purchase_price_variance  [site, month]  components received x (supplier price - cheapest price)
         + subcontract_premium      [family, site, month]  subcontracted x (subcontract cost - standard)
         + standard_shortfall       [family, site, month]  made x (components + labour - standard) where the
                                                   standard is below what the plan pays on its own lines
                                                   (data contradicting the convention; 0 otherwise)
         + transfers (freight)

so that, over the horizon, COGS = the plan's product spend (production, subcontract, overtime, wages, hiring,
layoffs, purchases, transfers) + the standard value of the firm receipts (`open_supply`, committed before the plan)
less the labour of firm production orders (paid in the plan's wages) + opening stock value - closing stock value
(items at standard, components at the cheapest price). Carrying costs are period costs below gross margin
(holding, component_holding); LP penalties (safety_stock, backlog, lost_sales) are not money spent, reported only
so that the plan cost lines add up to the LP objective.

Plan cost lines (as `supply.cost_lines`; dimensions in brackets):

    production [family, site, month]   (regular + overtime) x make cost at the site (standard - modelled parts)
    subcontract [family, site, month]  subcontract x costs.subcontract_cost
    overtime [site, month]             overtime hours x resources.overtime_cost
    wages / hiring / layoffs [site, month]   headcount x wage, hires x hire cost, layoffs x layoff cost
    purchases [site, month of receipt] quantity x supplier unit cost
    transfers [family, shipping site, month shipped]   quantity x lane cost
    holding [family, site, month]      month-end item stock x holding_cost_rate / 12 x standard cost at the site
    component_holding [site, month]    month-end component stock x holding per unit-month
    safety_stock [family, site, month] units below safety stock x safety_stock_penalty_rate x unit_price
    end_stock [family, site, last month]  units below safety stock x unit price (valued end stock)
    backlog, lost_sales [family, region, month]  units x backlog cost, units x lost-sale penalty

Balance and cash:

    inventory_value_ist = stock_ist x standard cost at the site (items; the holding line's base: holding = rate
                          / 12 x inventory value), components at the cheapest supplier's price
    inventory_cash_ist  = value_is,t-1 - value_ist,  value_is,-1 = opening stock (`inventory`) at the same rates;
                          positive = cash released, summed over the horizon = opening - closing value
    investment [site, month] = the amounts of the `investments` frame (resource_id, period, amount, label)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from opensop.config import EndInventory, PlanningConfig
from opensop.errors import InfeasiblePlanError
from opensop.finance.lines import (
    PLAN_COST_LINES,
    aggregate,
    conform_lines,
    empty_lines,
    long_frame,
    summary,
)
from opensop.periods import month_starts
from opensop.schema import PlanningData
from opensop.supply import SupplyPlan
from opensop.supply.capacity import firm_load
from opensop.supply.coefficients import (
    component_holding,
    component_prices,
    item_attributes,
    labour_rates,
    modelled_costs,
    prices,
    service_coefficients,
    standard_costs,
    unit_costs,
)

INVESTMENT_COLUMNS = ("label", "resource_id", "period", "amount")


@dataclass(frozen=True)
class FinancialPlan:
    """lines: line, family_id, region_id, site_id, period, value (long; see `opensop.finance.lines`)."""

    lines: pd.DataFrame

    def summary(self, by: Sequence[str] = ()) -> pd.DataFrame:
        """Stored and derived lines side by side, one row per `by` group (any subset of the dimensions)."""
        return summary(self.lines, by)

    def aggregate(self, by: Sequence[str] = ()) -> pd.DataFrame:
        """Long frame line, *by, value."""
        return aggregate(self.lines, by)

    def total(self) -> pd.Series:
        """Every stored and derived line over the whole plan, indexed by line name."""
        return self.summary().iloc[0]

    def plan_costs(self) -> pd.DataFrame:
        """line, value: the supply plan's cost lines recomputed here (comparable to `supply.cost_lines`)."""
        total = self.total()
        return pd.DataFrame({"line": list(PLAN_COST_LINES), "value": [float(total[n]) for n in PLAN_COST_LINES]})

    @classmethod
    def empty(cls) -> FinancialPlan:
        return cls(empty_lines())


def _families(data: PlanningData) -> pd.DataFrame:
    return data.items[["item_id", "family_id"]].astype({"item_id": str, "family_id": str})


def _sales(data: PlanningData, demand: pd.DataFrame, plan: SupplyPlan) -> list[pd.DataFrame]:
    service = plan.service.astype({"item_id": str, "region_id": str}).merge(_families(data), on="item_id", how="left")
    service = service.assign(price=prices(data, service))
    std = service[["item_id"]].merge(standard_costs(data), on="item_id", how="left").fillna(0.0)
    periods = set(pd.to_datetime(plan.service["period"]))
    asked = demand[["item_id", "region_id", "period", "quantity"]].astype({"item_id": str, "region_id": str})
    asked = asked.assign(period=pd.to_datetime(asked["period"]).astype("datetime64[ns]"))
    asked = asked[asked["period"].isin(periods)].reset_index(drop=True).merge(_families(data), how="left")
    return [
        long_frame("units_demanded", service, service["demand"]),
        long_frame("units_served", service, service["served"]),
        long_frame("units_on_time", service, service[["served", "demand"]].min(axis=1)),
        long_frame("units_lost", service, service["lost"]),
        long_frame("demand_revenue", asked, asked["quantity"] * prices(data, asked)),
        long_frame("revenue", service, service["served"] * service["price"]),
        long_frame("cogs_material", service, service["served"] * std["material"].to_numpy()),
        long_frame("cogs_conversion", service, service["served"] * std["conversion"].to_numpy()),
    ]


def _made(data: PlanningData, plan: SupplyPlan, config: PlanningConfig) -> list[pd.DataFrame]:
    made = plan.production.astype({"item_id": str, "site_id": str})
    pairs = made[["item_id", "site_id"]].drop_duplicates()
    rates = unit_costs(data, pairs).merge(modelled_costs(data, pairs), on=["item_id", "site_id"])
    made = made.merge(rates, on=["item_id", "site_id"], how="left")
    made = made.merge(_families(data), on="item_id", how="left").fillna({"subcontract_cost": 0.0})
    units = made["regular"] + made["overtime"]
    stock = plan.inventory[plan.inventory["kind"] == "item"].astype({"item_id": str, "site_id": str})
    stock = stock.merge(unit_costs(data, stock[["item_id", "site_id"]].drop_duplicates()), how="left")
    stock = stock.merge(item_attributes(data)[["item_id", "family_id", "unit_price"]], on="item_id", how="left")
    penalty = config.supply.safety_stock_penalty_rate * stock["unit_price"].fillna(0.0)
    last_month = pd.to_datetime(stock["period"]) == pd.to_datetime(stock["period"]).max()
    valued = config.supply.end_inventory is EndInventory.VALUED
    end_value = stock["unit_price"].fillna(stock["standard"]).fillna(0.0).where(last_month & valued, 0.0)
    moved = plan.transfers.astype({"item_id": str, "from_site": str, "to_site": str})
    lanes = data.lanes[["from_site", "to_site", "cost_per_unit"]].astype({"from_site": str, "to_site": str})
    moved = moved.merge(lanes, on=["from_site", "to_site"], how="left").merge(_families(data), how="left")
    moved = moved.assign(site_id=moved["from_site"], period=moved["ship_period"])
    paid_apart = made["make_cost"] + made["components"] + made["labour"] - made["standard"]
    return [
        long_frame("production", made, units * made["make_cost"]),
        long_frame("subcontract", made, made["subcontract"] * made["subcontract_cost"]),
        long_frame("subcontract_premium", made, made["subcontract"] * (made["subcontract_cost"] - made["standard"])),
        long_frame("standard_shortfall", made, units * paid_apart),
        long_frame("transfers", moved, moved["quantity"] * moved["cost_per_unit"].fillna(0.0)),
        long_frame("holding", stock, stock["quantity"] * stock["holding"]),
        long_frame("safety_stock", stock, stock["below_safety_stock"] * penalty),
        long_frame("end_stock", stock, stock["below_safety_stock"] * end_value),
    ]


def _absorbed_labour(data: PlanningData, plan: SupplyPlan) -> pd.DataFrame:
    """site_id, period, value: the labour in the standard of what the month's labour made, at wage per hour —
    the plan's production and the firm production orders it works on (`supply.capacity.firm_load`)."""
    made = plan.production.astype({"item_id": str, "site_id": str})
    routing = data.routings[["item_id", "site_id", "resource_id", "usage_per_unit"]].dropna()
    routing = routing.astype({"item_id": str, "site_id": str, "resource_id": str}).merge(labour_rates(data))
    hours = made.merge(routing, on=["item_id", "site_id"])
    value = (hours["regular"] + hours["overtime"]) * hours["usage_per_unit"] * hours["rate"]
    periods = pd.DatetimeIndex(sorted(pd.to_datetime(plan.service["period"]).unique()))
    firm = firm_load(data, periods).merge(labour_rates(data), left_on="resource", right_on="resource_id")
    return pd.concat(
        [
            hours[["site_id", "period"]].assign(value=value.to_numpy()),
            pd.DataFrame({"site_id": firm["site"], "period": periods[firm["t"]], "value": firm["load"] * firm["rate"]}),
        ],
        ignore_index=True,
    )


def _resources(data: PlanningData, plan: SupplyPlan) -> list[pd.DataFrame]:
    rates = data.resources[["resource_id", "overtime_cost"]].astype({"resource_id": str})
    used = plan.capacity[["resource_id", "site_id", "period", "overtime"]].astype({"resource_id": str})
    used = used.merge(rates, on="resource_id", how="left")
    staff = data.workforce[["resource_id", "wage_per_worker", "hire_cost", "layoff_cost"]].astype({"resource_id": str})
    staffed = plan.headcount.astype({"resource_id": str}).merge(staff, on="resource_id", how="left").fillna(0.0)
    overtime = used["overtime"] * used["overtime_cost"].fillna(0.0)
    wages = staffed["headcount"] * staffed["wage_per_worker"]
    hiring = staffed["hires"] * staffed["hire_cost"]
    layoffs = staffed["layoffs"] * staffed["layoff_cost"]
    absorbed = _absorbed_labour(data, plan)
    return [
        long_frame("overtime", used, overtime),
        long_frame("wages", staffed, wages),
        long_frame("hiring", staffed, hiring),
        long_frame("layoffs", staffed, layoffs),
        long_frame("conversion_variance", used, overtime),
        long_frame("conversion_variance", staffed, wages + hiring + layoffs),
        long_frame("conversion_variance", absorbed, -absorbed["value"]),
    ]


def _components(data: PlanningData, plan: SupplyPlan) -> list[pd.DataFrame]:
    suppliers = data.suppliers[["supplier_id", "part_id", "unit_cost"]].astype({"supplier_id": str, "part_id": str})
    bought = plan.purchases.drop(columns="unit_cost", errors="ignore").astype({"supplier_id": str, "part_id": str})
    bought = bought.merge(suppliers, on=["supplier_id", "part_id"], how="left")
    cheapest = component_prices(data).rename(columns={"component": "part_id"})
    bought = bought.merge(cheapest, on="part_id", how="left")
    held = plan.inventory[plan.inventory["kind"] == "component"].astype({"item_id": str})
    held = held.merge(component_holding(data).rename(columns={"component": "item_id"}), on="item_id", how="left")
    return [
        long_frame("purchases", bought, bought["quantity"] * bought["unit_cost"].fillna(0.0)),
        long_frame("purchase_price_variance", bought, bought["quantity"] * (bought["unit_cost"] - bought["price"])),
        long_frame("component_holding", held, held["quantity"] * held["holding"].fillna(0.0)),
    ]


def _service_penalties(data: PlanningData, plan: SupplyPlan, config: PlanningConfig) -> list[pd.DataFrame]:
    service = plan.service.astype({"item_id": str, "region_id": str})
    rates = service_coefficients(data, service, priority_step=config.supply.priority_step)
    rates = rates.merge(_families(data), on="item_id", how="left")
    return [
        long_frame("backlog", rates, rates["backlog"] * rates["backlog_cost"]),
        long_frame("lost_sales", rates, rates["lost"] * rates["lost_penalty"]),
    ]


def _valued_stock(data: PlanningData, plan: SupplyPlan) -> pd.DataFrame:
    """item_id, family_id, site_id, period, value: month-end stock at standard, opening stock as period NaT."""
    periods = pd.DatetimeIndex(sorted(pd.to_datetime(plan.inventory["period"]).unique()))
    stock = plan.inventory[["item_id", "site_id", "period", "kind", "quantity"]].astype({"item_id": str})
    stock = stock.astype({"site_id": str})
    opening = data.inventory[["item_id", "site_id", "on_hand"]].dropna().astype({"item_id": str, "site_id": str})
    opening = opening.groupby(["item_id", "site_id"], as_index=False).agg(on_hand=("on_hand", "sum"))
    items = set(data.items["item_id"].astype(str))
    opening = opening.assign(
        period=periods[0] - pd.offsets.MonthBegin(1),
        kind=opening["item_id"].isin(items).map({True: "item", False: "component"}),
        quantity=opening["on_hand"],
    ).drop(columns="on_hand")
    stock = pd.concat([opening, stock], ignore_index=True)
    is_item = stock["kind"] == "item"
    pairs = stock.loc[is_item, ["item_id", "site_id"]].drop_duplicates()
    item_rate = unit_costs(data, pairs)[["item_id", "site_id", "standard"]].rename(columns={"standard": "unit_cost"})
    part_rate = component_prices(data).rename(columns={"component": "item_id", "price": "unit_cost"})
    rated = pd.concat(
        [
            stock[is_item].merge(item_rate, on=["item_id", "site_id"], how="left"),
            stock[~is_item].merge(part_rate, on="item_id", how="left"),
        ],
        ignore_index=True,
    )
    rated["value"] = rated["quantity"] * rated["unit_cost"].fillna(0.0)
    rated = rated.merge(_families(data), on="item_id", how="left")
    pairs = stock.loc[stock["period"] >= periods[0], ["item_id", "site_id"]].drop_duplicates()
    full = pairs.merge(
        pd.DataFrame({"period": pd.DatetimeIndex([*periods[:1] - pd.offsets.MonthBegin(1), *periods])}), how="cross"
    )
    full = full.merge(rated[["item_id", "site_id", "period", "family_id", "value"]], how="left")
    full["value"] = full["value"].fillna(0.0)
    full["family_id"] = full.groupby(["item_id", "site_id"])["family_id"].transform("first")
    return full.sort_values(["item_id", "site_id", "period"], ignore_index=True)


def _balance(data: PlanningData, plan: SupplyPlan) -> list[pd.DataFrame]:
    valued = _valued_stock(data, plan)
    released = -valued.groupby(["item_id", "site_id"])["value"].diff()
    first = valued["period"].min()
    closing = valued[valued["period"] > first]
    cash = valued.assign(value=released)[valued["period"] > first]
    return [
        long_frame("inventory_value", closing, closing["value"]),
        long_frame("inventory_cash", cash, cash["value"]),
    ]


def _investments(data: PlanningData, investments: pd.DataFrame | None) -> list[pd.DataFrame]:
    if investments is None or investments.empty:
        return []
    sites = data.resources[["resource_id", "site_id"]].astype({"resource_id": str, "site_id": str})
    paid = investments.astype({"resource_id": str}).merge(sites, on="resource_id", how="left")
    paid = paid.assign(period=month_starts(paid["period"]))
    return [long_frame("investment", paid, paid["amount"].astype(float))]


def project(
    data: PlanningData,
    demand: pd.DataFrame,
    supply_plan: SupplyPlan,
    config: PlanningConfig,
    *,
    investments: pd.DataFrame | None = None,
) -> FinancialPlan:
    """Every financial line of `supply_plan` (module docstring); `investments`: label, resource_id, period, amount.

    Raises InfeasiblePlanError when the supply plan has no solution (there is nothing to value).
    """
    if not supply_plan.solve.is_ok:
        raise InfeasiblePlanError(
            f"the supply plan is {supply_plan.solve.status}: there is no plan to value",
            hint="fix the conflicts named by the supply review, then project again",
        )
    if supply_plan.service.empty:
        return FinancialPlan(conform_lines(pd.concat([empty_lines(), *_investments(data, investments)])))
    parts = [
        *_sales(data, demand, supply_plan),
        *_made(data, supply_plan, config),
        *_resources(data, supply_plan),
        *_components(data, supply_plan),
        *_service_penalties(data, supply_plan, config),
        *_balance(data, supply_plan),
        *_investments(data, investments),
    ]
    return FinancialPlan(conform_lines(pd.concat([p for p in parts if len(p)], ignore_index=True)))
