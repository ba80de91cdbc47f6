"""The plan health check: what a planner would raise about a plan in the supply review, computed from the plan.

A solver's "optimal" only says the plan is the cheapest under the model; a planner also checks that it makes sense.
Each finding names what is wrong, where and when, with the figure that shows it. Severities:

* `absurd`    — the plan contradicts itself or good practice, and a planner would reject it as it is: paying a
  premium (subcontracting) for an item while every resource of its routing at that site has room in the same month,
  stock run down to zero at the horizon's end where the item carries a safety stock, shortfalls too small to matter
  (0.00 units shown to people).
* `data`      — the plan is right for the data, but the data says something a planner must fix or confirm: demand of
  an item dropped entirely (no routing, no supplier of a component, no capacity), firm orders needing more than the
  resource's capacity.
* `note`      — worth a look: a resource loaded below `idle_below` of its capacity in every month of the horizon.

Why here, pure: the CLI summary, the stored version and the supply review page show the same findings, so they are
computed once with the plan (`opensop.services.plan_runs`) and stored with its run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from opensop.schema.frames import PlanningData
from opensop.supply.explain import MIN_SHORTFALL
from opensop.supply.planner import SupplyPlan

COLUMNS = ["code", "severity", "subject", "period", "value", "message"]
EPS = 1e-6


class Severity(StrEnum):
    ABSURD = "absurd"
    DATA = "data"
    NOTE = "note"


@dataclass(frozen=True)
class HealthThresholds:
    """`premium_below`: share of a resource's regular + overtime capacity under which paying a premium for an item
    it makes is absurd; `idle_below`: load share under which a resource is idle; `shortfall_unit`: shortfalls below
    this quantity are rounding noise; `end_stock_share`: the share of its safety stock an item must keep in the
    horizon's last month."""

    premium_below: float = 0.90
    idle_below: float = 0.10
    shortfall_unit: float = MIN_SHORTFALL
    end_stock_share: float = 0.5


def _month(period: pd.Series) -> pd.Series:
    return pd.to_datetime(period).dt.strftime("%Y-%m")


def _finding(code: str, severity: Severity, frame: pd.DataFrame, subject: pd.Series, period: pd.Series | None,
             value: pd.Series, message: pd.Series) -> pd.DataFrame:  # fmt: skip
    return pd.DataFrame(
        {
            "code": code,
            "severity": severity.value,
            "subject": subject.astype(str).to_numpy(),
            "period": (_month(period).to_numpy() if period is not None else np.full(len(frame), "")),
            "value": value.astype(float).to_numpy(),
            "message": message.astype(str).to_numpy(),
        }
    )


def _premium_while_idle(plan: SupplyPlan, data: PlanningData, limits: HealthThresholds) -> pd.DataFrame:
    """Subcontracting an item in a month where each resource of its routing at the site has room left."""
    sub = plan.production[plan.production["subcontract"] > EPS][["item_id", "site_id", "period", "subcontract"]]
    routing = data.routings[["item_id", "site_id", "resource_id", "usage_per_unit"]].dropna()
    routing = routing[routing["usage_per_unit"] > 0].astype({"item_id": str, "site_id": str, "resource_id": str})
    capacity = plan.capacity[["resource_id", "site_id", "period", "load", "regular", "overtime_capacity"]]
    capacity = capacity.assign(room=capacity["regular"] + capacity["overtime_capacity"].fillna(0.0))
    capacity = capacity.assign(share=capacity["load"] / capacity["room"].where(capacity["room"] > EPS))
    loads = sub.astype({"item_id": str, "site_id": str}).merge(routing, on=["item_id", "site_id"])
    loads = loads.merge(capacity, on=["resource_id", "site_id", "period"])
    if loads.empty:
        return pd.DataFrame(columns=COLUMNS)
    worst = loads.groupby(["item_id", "site_id", "period"], as_index=False).agg(
        subcontract=("subcontract", "first"), share=("share", "max")
    )
    worst = worst[worst["share"].fillna(1.0) < limits.premium_below]
    message = (
        worst["subcontract"].round(1).astype(str)
        + " units subcontracted at "
        + worst["site_id"]
        + " while its routing's resources are loaded at most "
        + (100 * worst["share"]).round(0).astype(int).astype(str)
        + " %"
    )
    return _finding(
        "premium_while_idle", Severity.ABSURD, worst, worst["item_id"], worst["period"], worst["subcontract"], message
    )


def _stock_empty_at_end(plan: SupplyPlan, limits: HealthThresholds) -> pd.DataFrame:
    """Items that carry a safety stock but end the horizon with (almost) none: the plan sells off the future."""
    inventory = plan.inventory
    if "kind" in inventory.columns:
        inventory = inventory[inventory["kind"].astype(str) != "component"]
    if inventory.empty or plan.safety_stock.empty:
        return pd.DataFrame(columns=COLUMNS)
    last = inventory[inventory["period"] == inventory["period"].max()]
    closing = last.groupby(last["item_id"].astype(str))["quantity"].sum()
    safety = plan.safety_stock.groupby(plan.safety_stock["item_id"].astype(str))["safety_stock"].sum()
    frame = pd.DataFrame({"safety_stock": safety}).join(closing.rename("closing"), how="left").fillna(0.0)
    frame = frame[(frame["safety_stock"] > EPS) & (frame["closing"] < limits.end_stock_share * frame["safety_stock"])]
    frame = frame.reset_index(names="item_id")
    period = pd.Series(np.full(len(frame), last["period"].max() if len(last) else pd.NaT))
    message = (
        "closing stock "
        + frame["closing"].round(1).astype(str)
        + " for a safety stock of "
        + frame["safety_stock"].round(1).astype(str)
    )
    return _finding("stock_empty_at_end", Severity.ABSURD, frame, frame["item_id"], period, frame["closing"], message)


def _negligible_shortfalls(plan: SupplyPlan, limits: HealthThresholds) -> pd.DataFrame:
    tiny = plan.shortfalls[(plan.shortfalls["quantity"] > 0) & (plan.shortfalls["quantity"] < limits.shortfall_unit)]
    if tiny.empty:
        return pd.DataFrame(columns=COLUMNS)
    count = pd.DataFrame({"value": [float(len(tiny))]})
    message = pd.Series([f"{len(tiny)} shortfall row(s) below {limits.shortfall_unit:g} unit are shown to planners"])
    return _finding(
        "negligible_shortfall", Severity.ABSURD, count, pd.Series(["shortfalls"]), None, count["value"], message
    )


def _demand_dropped(plan: SupplyPlan, data: PlanningData, demand: pd.DataFrame | None) -> pd.DataFrame:
    """Items whose demand over the horizon is entirely unserved — in the plan's service rows, or left out of the
    plan altogether (no site can serve it) — with the data reason when there is one."""
    served = plan.service.groupby(plan.service["item_id"].astype(str))["served"].sum()
    if demand is not None and len(demand):
        periods = set(pd.to_datetime(plan.service["period"]))
        asked = demand[pd.to_datetime(demand["period"]).isin(periods)] if periods else demand
        wanted = asked.groupby(asked["item_id"].astype(str))["quantity"].sum()
    else:
        wanted = plan.service.groupby(plan.service["item_id"].astype(str))["demand"].sum()
    service = pd.DataFrame({"demand": wanted}).join(served.rename("served"), how="left").fillna(0.0)
    dropped = service[(service["demand"] > EPS) & (service["served"] <= EPS)].reset_index(names="item_id")
    if dropped.empty:
        return pd.DataFrame(columns=COLUMNS)
    routed = set(data.routings["item_id"].astype(str))
    sourced = set(data.suppliers["part_id"].astype(str)) if "part_id" in data.suppliers.columns else set()
    components = data.components[["item_id", "component_id"]].astype(str)
    unsourced = components[~components["component_id"].isin(sourced)].groupby("item_id")["component_id"].first()
    reason = np.where(
        ~dropped["item_id"].isin(routed),
        "no routing: no site can make it",
        np.where(
            dropped["item_id"].isin(unsourced.index),
            "no supplier for component " + dropped["item_id"].map(unsourced).fillna("").astype(str),
            "no capacity or no margin to serve it (see the shortfalls)",
        ),
    )
    why = pd.Series(reason, index=dropped.index, dtype=str)
    message = "all " + dropped["demand"].round(1).astype(str) + " units of demand unserved: " + why
    return _finding("demand_dropped", Severity.DATA, dropped, dropped["item_id"], None, dropped["demand"], message)


def _firm_over_capacity(plan: SupplyPlan) -> pd.DataFrame:
    capacity = plan.capacity
    room = capacity["regular"] + capacity["overtime_capacity"].fillna(0.0)
    over = capacity[capacity["firm_load"] > room + EPS]
    if over.empty:
        return pd.DataFrame(columns=COLUMNS)
    over_room = room[over.index]
    message = (
        "firm orders need "
        + over["firm_load"].round(1).astype(str)
        + " of "
        + over_room.round(1).astype(str)
        + " available"
    )
    return _finding(
        "firm_over_capacity", Severity.DATA, over, over["resource_id"], over["period"], over["firm_load"], message
    )


def _idle_resources(plan: SupplyPlan, limits: HealthThresholds) -> pd.DataFrame:
    capacity = plan.capacity
    room = capacity["regular"] + capacity["overtime_capacity"].fillna(0.0)
    share = capacity["load"] / room.where(room > EPS)
    peak = share.groupby(capacity["resource_id"].astype(str)).max()
    idle = peak[peak < limits.idle_below].reset_index()
    idle.columns = ["resource_id", "peak"]
    if idle.empty:
        return pd.DataFrame(columns=COLUMNS)
    message = "loaded at most " + (100 * idle["peak"]).round(1).astype(str) + " % in every month of the horizon"
    return _finding("idle_resource", Severity.NOTE, idle, idle["resource_id"], None, idle["peak"], message)


def health_check(
    plan: SupplyPlan,
    data: PlanningData,
    limits: HealthThresholds | None = None,
    *,
    demand: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """code, severity, subject, period (YYYY-MM or ""), value, message: every finding, most severe first.
    `demand` (item_id, period, quantity: the demand the plan was asked to serve) also finds demand the plan left
    out entirely; without it only the plan's own service rows are judged."""
    limits = limits or HealthThresholds()
    if not plan.solve.is_ok:
        return pd.DataFrame(columns=COLUMNS)
    parts = [
        _premium_while_idle(plan, data, limits),
        _stock_empty_at_end(plan, limits),
        _negligible_shortfalls(plan, limits),
        _demand_dropped(plan, data, demand),
        _firm_over_capacity(plan),
        _idle_resources(plan, limits),
    ]
    found = [part for part in parts if len(part)]
    if not found:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.concat(found, ignore_index=True)
    rank = frame["severity"].map({s.value: i for i, s in enumerate(Severity)})
    order = np.lexsort((frame["subject"].to_numpy(), frame["code"].to_numpy(), rank.to_numpy()))
    return frame.iloc[order].reset_index(drop=True)[COLUMNS]
