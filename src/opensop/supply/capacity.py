"""Capacity per resource x month: standard capacity, calendar overrides, labour from the workforce.

* machine (and storage-kind) resources: regular_t = resource_calendar.regular if a row exists for the month, else
  resources.regular_capacity; the same for overtime.
* labour resources with a `workforce` row: regular_t = headcount x hours_t and overtime_t = headcount x
  max_overtime_per_worker, where hours_t = hours_per_worker, scaled by calendar.regular / regular_capacity in
  months with a calendar row (holidays shorten every worker's month). In the LP the headcount is a decision.
* firm production orders take their routing's hours in their month (`firm_load`): the LP, rough-cut capacity and
  the capacity pages see them in the load, the LP plans only what is left.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.schema import PlanningData


def capacity_table(data: PlanningData, periods: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(capacity, workforce).

    capacity: resource, site, kind, t, period, regular, overtime, overtime_cost, labour, hours, max_overtime.
    workforce: resource, site, headcount, wage, hire_cost, layoff_cost, min_headcount, max_headcount.
    """
    resources = data.resources.dropna(subset=["resource_id"])
    base = pd.DataFrame(
        {
            "resource": resources["resource_id"].astype(str),
            "site": resources["site_id"].astype(str),
            "kind": resources["kind"].astype(str),
            "standard": resources["regular_capacity"].astype(float).fillna(0.0),
            "standard_overtime": resources["overtime_capacity"].astype(float).fillna(0.0),
            "overtime_cost": resources["overtime_cost"].astype(float).fillna(0.0),
        }
    )
    grid = base.merge(pd.DataFrame({"t": np.arange(len(periods)), "period": periods}), how="cross")
    calendar = data.resource_calendar[["resource_id", "period", "regular", "overtime"]].dropna(subset=["resource_id"])
    calendar = calendar.rename(columns={"resource_id": "resource"}).astype({"resource": str})
    calendar = calendar.assign(period=calendar["period"].astype("datetime64[ns]"))
    grid = grid.merge(calendar, on=["resource", "period"], how="left")
    grid["regular"] = grid["regular"].astype(float).fillna(grid["standard"])
    grid["overtime"] = grid["overtime"].astype(float).fillna(grid["standard_overtime"])

    staff = data.workforce.dropna(subset=["resource_id"])
    workforce = pd.DataFrame(
        {
            "resource": staff["resource_id"].astype(str),
            "site": staff["site_id"].astype(str),
            "headcount": staff["headcount"].astype(float).fillna(0.0),
            "hours_per_worker": staff["hours_per_worker"].astype(float).fillna(0.0),
            "max_overtime": staff["max_overtime_per_worker"].astype(float).fillna(0.0),
            "wage": staff["wage_per_worker"].astype(float).fillna(0.0),
            "hire_cost": staff["hire_cost"].astype(float).fillna(0.0),
            "layoff_cost": staff["layoff_cost"].astype(float).fillna(0.0),
            "min_headcount": staff["min_headcount"].astype(float).fillna(0.0),
            "max_headcount": staff["max_headcount"].astype(float).fillna(np.inf),
        }
    )
    workforce = workforce[workforce["resource"].isin(set(base["resource"]))]
    grid = grid.merge(
        workforce[["resource", "headcount", "hours_per_worker", "max_overtime"]], on="resource", how="left"
    )
    grid["labour"] = grid["headcount"].notna()
    scale = np.where(grid["standard"] > 0, grid["regular"] / grid["standard"].where(grid["standard"] > 0, 1.0), 1.0)
    grid["hours"] = (grid["hours_per_worker"] * scale).fillna(0.0)
    grid["max_overtime"] = grid["max_overtime"].fillna(0.0)
    labour = grid["labour"]
    grid.loc[labour, "regular"] = grid.loc[labour, "headcount"] * grid.loc[labour, "hours"]
    grid.loc[labour, "overtime"] = grid.loc[labour, "headcount"] * grid.loc[labour, "max_overtime"]
    columns = ["resource", "site", "kind", "t", "period", "regular", "overtime", "overtime_cost", "labour"]
    return grid[[*columns, "hours", "max_overtime"]], workforce.drop(columns=["hours_per_worker", "max_overtime"])


def firm_load(data: PlanningData, periods: pd.DatetimeIndex) -> pd.DataFrame:
    """resource, t, item_id, site, quantity, load: the capacity firm production orders take.

    A firm production order (`open_supply` row of kind production for an item) loads the resources of its routing
    at its site in its month of receipt, the month the plan's own production of that month would load them (monthly
    buckets, no production lead time in the data): load_kt = sum_i quantity_it x usage_ik. Orders outside the
    horizon load nothing.
    """
    orders = data.open_supply[data.open_supply["kind"].astype(str) == "production"]
    orders = orders[["part_id", "site_id", "period", "quantity"]].dropna()
    orders = orders.astype({"part_id": str, "site_id": str, "quantity": float})
    t = periods.get_indexer(pd.DatetimeIndex(pd.to_datetime(orders["period"]).astype("datetime64[ns]")))
    orders = pd.DataFrame(
        {
            "item_id": orders["part_id"].to_numpy(),
            "site": orders["site_id"].to_numpy(),
            "t": t,
            "quantity": orders["quantity"].to_numpy(),
        }
    )
    orders = orders[orders["t"] >= 0]
    routings = data.routings[["item_id", "site_id", "resource_id", "usage_per_unit"]].dropna()
    routings = routings.astype({"item_id": str, "site_id": str, "resource_id": str, "usage_per_unit": float})
    routings = routings.rename(columns={"site_id": "site", "resource_id": "resource"})
    loaded = orders.merge(routings, on=["item_id", "site"])
    loaded = loaded.assign(load=loaded["quantity"] * loaded["usage_per_unit"])
    return loaded[["resource", "t", "item_id", "site", "quantity", "load"]].reset_index(drop=True)
