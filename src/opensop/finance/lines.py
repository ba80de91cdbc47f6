"""The line vocabulary of the financial review and the one way to aggregate it.

Every financial figure is a row of a long frame  line, family_id, region_id, site_id, period, value.
A line is defined on the dimensions it naturally has and is missing (NA) on the others: revenue is known by
family x region x month but not by site (the service frame of the supply plan has no site), wages by site x
month but not by family. Aggregating by a dimension a line lacks puts the whole line under NA ("not
allocated"), never spreads it by an arbitrary key.

Kinds of lines (all money in EUR, every value a positive amount but the variances, negative when favourable;
signs come in the derived lines):

* ``flow``     summed over any dimension, months included (revenue, costs, units);
* ``stock``    a month-end balance (inventory value): summed over family / region / site, and over months the
               closing month is kept (the value at the end of the frame's last month; rows are stored only
               when non-zero, so a group absent that month closes at 0);
* derived lines are not stored but computed by `summary` after aggregation (a ratio is never summed):

      cogs            = cogs_material + cogs_conversion + conversion_variance + purchase_price_variance
                        + subcontract_premium + standard_shortfall + transfers
                        (the standard cost of the units sold + the plan's variances: what the plan pays,
                        with stock at standard; see `opensop.finance.projection`)
      gross_margin    = revenue - cogs
      margin_pct      = gross_margin / revenue                      (NaN when revenue is 0)
      contribution    = gross_margin - holding - component_holding
      working_capital = inventory_value                              (no payment terms in the data: receivables
                                                                      and payables are out of scope)
      cash_flow       = contribution + inventory_cash - investment    (indirect method)
      plan_cost       = the sum of the supply plan's cost lines (what the LP minimises, penalties included)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

DIMENSIONS: tuple[str, ...] = ("family_id", "region_id", "site_id", "period")
COLUMNS: list[str] = ["line", *DIMENSIONS, "value"]


class LineKind(StrEnum):
    FLOW = "flow"
    STOCK = "stock"


class Direction(StrEnum):
    """Which way is better for the company: revenue higher, costs lower."""

    HIGHER = "higher"
    LOWER = "lower"


class Group(StrEnum):
    """Where a line sits in the review: sales, P&L at standard, plan costs (the LP's lines), balance, cash."""

    SALES = "sales"
    PNL = "pnl"
    PLAN_COST = "plan_cost"
    PENALTY = "penalty"
    BALANCE = "balance"
    CASH = "cash"


@dataclass(frozen=True)
class Line:
    name: str
    group: Group
    kind: LineKind
    unit: str
    direction: Direction
    description: str


_L = Line
LINES: tuple[Line, ...] = (
    _L("units_demanded", Group.SALES, LineKind.FLOW, "unit", Direction.HIGHER, "Demand in the plan's service frame."),
    _L("units_served", Group.SALES, LineKind.FLOW, "unit", Direction.HIGHER, "Units shipped (late ones included)."),
    _L("units_on_time", Group.SALES, LineKind.FLOW, "unit", Direction.HIGHER, "Units shipped in their month."),
    _L("units_lost", Group.SALES, LineKind.FLOW, "unit", Direction.LOWER, "Units of demand never served."),
    _L("demand_revenue", Group.SALES, LineKind.FLOW, "EUR", Direction.HIGHER, "Demand x price: revenue if all served."),
    _L("revenue", Group.PNL, LineKind.FLOW, "EUR", Direction.HIGHER, "Units served x net price of the month."),
    _L("cogs_material", Group.PNL, LineKind.FLOW, "EUR", Direction.LOWER, "Units served x standard material cost."),
    _L("cogs_conversion", Group.PNL, LineKind.FLOW, "EUR", Direction.LOWER, "Units served x standard conversion."),
    _L(
        "conversion_variance",
        Group.PNL,
        LineKind.FLOW,
        "EUR",
        Direction.LOWER,
        "Overtime, wages, hiring and layoffs of a site - the labour its production absorbs at standard.",
    ),
    _L(
        "purchase_price_variance",
        Group.PNL,
        LineKind.FLOW,
        "EUR",
        Direction.LOWER,
        "Components received x (supplier price - cheapest supplier price, the price in the standard).",
    ),
    _L(
        "subcontract_premium",
        Group.PNL,
        LineKind.FLOW,
        "EUR",
        Direction.LOWER,
        "Units subcontracted x (subcontract cost - standard cost at the site): a variance.",
    ),
    _L(
        "standard_shortfall",
        Group.PNL,
        LineKind.FLOW,
        "EUR",
        Direction.LOWER,
        "Units made x (modelled components + labour - standard) where the standard is below them.",
    ),
    _L(
        "production",
        Group.PLAN_COST,
        LineKind.FLOW,
        "EUR",
        Direction.LOWER,
        "Units made x make cost (standard - components bought - labour paid per head).",
    ),
    _L("subcontract", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Units subcontracted x their cost."),
    _L("overtime", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Overtime hours x overtime cost."),
    _L("wages", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Headcount x monthly wage."),
    _L("hiring", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Hires x hire cost."),
    _L("layoffs", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Layoffs x layoff cost."),
    _L("purchases", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Components received x supplier price."),
    _L("transfers", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Units shipped on a lane x lane cost."),
    _L("holding", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Month-end item stock x holding rate."),
    _L("component_holding", Group.PLAN_COST, LineKind.FLOW, "EUR", Direction.LOWER, "Component stock x holding."),
    _L("safety_stock", Group.PENALTY, LineKind.FLOW, "EUR", Direction.LOWER, "Units below safety stock x penalty."),
    _L("end_stock", Group.PENALTY, LineKind.FLOW, "EUR", Direction.LOWER, "Last month below safety stock x price."),
    _L("backlog", Group.PENALTY, LineKind.FLOW, "EUR", Direction.LOWER, "Units late at month end x backlog cost."),
    _L("lost_sales", Group.PENALTY, LineKind.FLOW, "EUR", Direction.LOWER, "Units lost x lost-sale penalty."),
    _L("inventory_value", Group.BALANCE, LineKind.STOCK, "EUR", Direction.LOWER, "Month-end stock at standard cost."),
    _L(
        "inventory_cash",
        Group.CASH,
        LineKind.FLOW,
        "EUR",
        Direction.HIGHER,
        "Cash released by stock: previous month-end value - this month-end value (opening stock before month 1).",
    ),
    _L("investment", Group.CASH, LineKind.FLOW, "EUR", Direction.LOWER, "Capacity investments paid (scenario levers)."),
)
LINE_BY_NAME: dict[str, Line] = {line.name: line for line in LINES}
PLAN_COST_LINES: tuple[str, ...] = tuple(line.name for line in LINES if line.group in (Group.PLAN_COST, Group.PENALTY))
COGS_LINES: tuple[str, ...] = (
    "cogs_material",
    "cogs_conversion",
    "conversion_variance",
    "purchase_price_variance",
    "subcontract_premium",
    "standard_shortfall",
    "transfers",
)
DERIVED: dict[str, tuple[str, Direction]] = {
    "cogs": ("EUR", Direction.LOWER),
    "gross_margin": ("EUR", Direction.HIGHER),
    "margin_pct": ("fraction", Direction.HIGHER),
    "contribution": ("EUR", Direction.HIGHER),
    "working_capital": ("EUR", Direction.LOWER),
    "cash_flow": ("EUR", Direction.HIGHER),
    "plan_cost": ("EUR", Direction.LOWER),
}


def direction(name: str) -> Direction:
    """Better direction of a stored or derived line."""
    if name in LINE_BY_NAME:
        return LINE_BY_NAME[name].direction
    return DERIVED[name][1]


def unit(name: str) -> str:
    if name in LINE_BY_NAME:
        return LINE_BY_NAME[name].unit
    return DERIVED[name][0]


def lines_catalogue() -> pd.DataFrame:
    """line, group, kind, unit, direction, description: every stored line (for docs and the UI)."""
    return pd.DataFrame(
        {
            "line": [x.name for x in LINES],
            "group": [str(x.group) for x in LINES],
            "kind": [str(x.kind) for x in LINES],
            "unit": [x.unit for x in LINES],
            "direction": [str(x.direction) for x in LINES],
            "description": [x.description for x in LINES],
        }
    )


def long_frame(line: str, frame: pd.DataFrame, value: pd.Series | np.ndarray) -> pd.DataFrame:
    """Rows of `line` from `frame`'s dimension columns (absent ones NA) and `value`."""
    out = pd.DataFrame(index=frame.index)
    for column in DIMENSIONS:
        out[column] = frame[column] if column in frame.columns else pd.NA
    out["value"] = np.asarray(value, dtype=float)
    out.insert(0, "line", line)
    return out


def empty_lines() -> pd.DataFrame:
    return conform_lines(pd.DataFrame(columns=COLUMNS))


def conform_lines(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes: string dimensions, datetime64 period, float value; zero rows dropped."""
    out = frame[COLUMNS].astype(
        {"line": "string", "family_id": "string", "region_id": "string", "site_id": "string", "value": float}
    )
    out["period"] = pd.to_datetime(out["period"]).astype("datetime64[ns]")
    return out[out["value"] != 0.0].reset_index(drop=True)


def aggregate(lines: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Long frame line, *by, value: flows summed, stocks summed per month then the closing month kept.

    `by` is any subset of DIMENSIONS; NA keys are kept as their own group (a line not defined on a dimension).
    """
    keys = list(by)
    unknown = set(keys) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown dimension(s) {sorted(unknown)}; choose from {list(DIMENSIONS)}")
    kinds = lines["line"].map({x.name: str(x.kind) for x in LINES})
    flows = lines[kinds != str(LineKind.STOCK)]
    stocks = lines[kinds == str(LineKind.STOCK)]
    flow = flows.groupby(["line", *keys], as_index=False, dropna=False)["value"].sum()
    if "period" in keys or stocks.empty:
        stock = stocks.groupby(["line", *keys], as_index=False, dropna=False)["value"].sum()
    else:
        closing = stocks[stocks["period"] == lines["period"].max()]
        stock = closing.groupby(["line", *keys], as_index=False, dropna=False)["value"].sum()
    parts = [p for p in (flow, stock) if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["line", *keys, "value"])
    return out.sort_values(["line", *keys], ignore_index=True, na_position="last")


def summary(lines: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Wide frame: one row per `by` group, one column per stored line plus the derived lines (module docstring)."""
    keys = list(by)
    long = aggregate(lines, keys)
    if keys:
        wide = long.pivot_table(index=keys, columns="line", values="value", aggfunc="sum", dropna=False)
        wide = wide.reindex(columns=[x.name for x in LINES], fill_value=0.0).fillna(0.0)
        wide = wide.dropna(how="all").reset_index()
        wide.columns.name = None
    else:
        totals = long.set_index("line")["value"]
        wide = pd.DataFrame([{x.name: float(totals.get(x.name, 0.0)) for x in LINES}])
    wide["cogs"] = wide[list(COGS_LINES)].sum(axis=1)
    wide["gross_margin"] = wide["revenue"] - wide["cogs"]
    revenue = wide["revenue"].where(wide["revenue"] != 0.0)
    wide["margin_pct"] = wide["gross_margin"] / revenue
    wide["contribution"] = wide["gross_margin"] - wide["holding"] - wide["component_holding"]
    wide["working_capital"] = wide["inventory_value"]
    wide["cash_flow"] = wide["contribution"] + wide["inventory_cash"] - wide["investment"]
    wide["plan_cost"] = wide[list(PLAN_COST_LINES)].sum(axis=1)
    return wide
