"""The KPI catalogue: one small function per KPI, its formula in its docstring, registered with unit and direction.

Every KPI reads a `KpiInputs` bundle (the data, the supply plan, its financial projection, optionally the demand
review's accuracy frame and budget) and returns one float; NaN means "not defined for this plan" (e.g. no
demand). Notation: cells c = item x region x month of the plan's service frame with demand d_c, served s_c,
backlog b_c (late at month end), lost l_c, price p_c; months t = 1..H of the horizon.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from opensop.finance import FinancialPlan, standard_costs, vs_budget
from opensop.schema import PlanningData
from opensop.supply import SupplyPlan
from opensop.supply.coefficients import prices

DAYS_PER_MONTH = 365.0 / 12.0
EXCESS_COVER_MONTHS = 6.0


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class KpiInputs:
    """What KPIs read. `accuracy`: the demand review's frame (level, lag, measure, wape, bias, ...) or None."""

    data: PlanningData
    supply: SupplyPlan
    finance: FinancialPlan
    accuracy: pd.DataFrame | None = None
    excess_cover_months: float = EXCESS_COVER_MONTHS
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def service(self) -> pd.DataFrame:
        """The service frame with a price column (computed once)."""
        if "service" not in self._cache:
            frame = self.supply.service.astype({"item_id": str, "region_id": str})
            self._cache["service"] = frame.assign(price=prices(self.data, frame))
        return self._cache["service"]

    def totals(self) -> pd.Series:
        if "totals" not in self._cache:
            self._cache["totals"] = self.finance.summary()
        return self._cache["totals"].iloc[0]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def fill_rate(x: KpiInputs) -> float:
    """On-time fill rate = sum_c min(s_c, d_c) / sum_c d_c: share of demanded units shipped in their month."""
    s = x.service()
    return _ratio(float(np.minimum(s["served"], s["demand"]).sum()), float(s["demand"].sum()))


def service_level(x: KpiInputs) -> float:
    """Cycle service level = #{c: d_c > 0, b_c + l_c = 0} / #{c: d_c > 0}: share of demand cells with no shortage
    (a cell is short when units are late or lost at its month end, whatever month they were demanded)."""
    s = x.service()
    asked = s[s["demand"] > 0]
    clean = (asked["backlog"] + asked["lost"]) <= 1e-6
    return _ratio(float(clean.sum()), float(len(asked)))


def backlog_units(x: KpiInputs) -> float:
    """Backlog = sum_c b_c: unit-months of demand late at month ends over the horizon."""
    return float(x.service()["backlog"].sum())


def lost_sales_units(x: KpiInputs) -> float:
    """Lost sales = sum_c l_c units."""
    return float(x.service()["lost"].sum())


def lost_sales_value(x: KpiInputs) -> float:
    """Lost sales value = sum_c l_c x p_c (EUR of revenue never earned)."""
    s = x.service()
    return float((s["lost"] * s["price"]).sum())


def late_value(x: KpiInputs) -> float:
    """Value not served on time = sum_c (d_c - min(s_c, d_c)) x p_c (EUR of demand late or lost)."""
    s = x.service()
    return float(((s["demand"] - np.minimum(s["served"], s["demand"])) * s["price"]).sum())


def _accuracy_row(x: KpiInputs) -> pd.Series | None:
    """The row used: family level if present (else the first level), shortest lag, consensus else statistical."""
    frame = x.accuracy
    if frame is None or frame.empty:
        return None
    level = "family" if (frame["level"] == "family").any() else frame["level"].iloc[0]
    at = frame[frame["level"] == level]
    at = at[at["lag"] == at["lag"].min()]
    for measure in ("consensus", "statistical"):
        chosen = at[at["measure"] == measure]
        if len(chosen):
            row: pd.Series = chosen.iloc[0]
            return row
    first: pd.Series = at.iloc[0]
    return first


def forecast_accuracy(x: KpiInputs) -> float:
    """Forecast accuracy = 1 - WAPE, WAPE = sum |A - F| / sum |A| (demand review; family level, shortest lag,
    consensus forecast)."""
    row = _accuracy_row(x)
    return float("nan") if row is None else 1.0 - float(row["wape"])


def forecast_bias(x: KpiInputs) -> float:
    """Forecast bias = sum (F - A) / sum A (> 0: over-forecast), same cells as forecast_accuracy."""
    row = _accuracy_row(x)
    return float("nan") if row is None else float(row["bias"])


def _inventory_value_by_month(x: KpiInputs) -> pd.Series:
    lines = x.finance.lines
    stock = lines[lines["line"] == "inventory_value"]
    return stock.groupby("period")["value"].sum()


def _horizon_months(x: KpiInputs) -> int:
    return int(pd.to_datetime(x.supply.service["period"]).nunique()) if len(x.supply.service) else 0


def days_of_cover(x: KpiInputs) -> float:
    """Days of cover = mean_t V_t / (COGS_std / (H x 365/12)): average month-end inventory value V_t at standard
    over the standard cost of sales per day (COGS_std = cogs_material + cogs_conversion over H months)."""
    cogs = float(x.totals()["cogs_material"] + x.totals()["cogs_conversion"])
    months = _horizon_months(x)
    monthly = _inventory_value_by_month(x)
    mean_value = float(monthly.sum() / months) if months else float("nan")
    return _ratio(mean_value, cogs / (months * DAYS_PER_MONTH)) if months else float("nan")


def inventory_turns(x: KpiInputs) -> float:
    """Inventory turns = (COGS_std x 12 / H) / mean_t V_t: yearly standard cost of sales over average stock."""
    months = _horizon_months(x)
    if not months:
        return float("nan")
    cogs = float(x.totals()["cogs_material"] + x.totals()["cogs_conversion"])
    return _ratio(cogs * 12.0 / months, float(_inventory_value_by_month(x).sum() / months))


def utilisation_peak(x: KpiInputs) -> float:
    """Peak utilisation = max_kt load_kt / regular_kt over resources k and months t with regular capacity > 0."""
    cap = x.supply.capacity
    if cap.empty:
        return float("nan")
    valid = cap[cap["regular"] > 0]
    return float((valid["load"] / valid["regular"]).max()) if len(valid) else float("nan")


def utilisation_average(x: KpiInputs) -> float:
    """Average utilisation = sum_kt load_kt / sum_kt regular_kt (hours-weighted, all resources and months)."""
    cap = x.supply.capacity
    if cap.empty:
        return float("nan")
    return _ratio(float(cap["load"].sum()), float(cap["regular"].sum()))


def overtime_hours(x: KpiInputs) -> float:
    """Overtime = sum_kt overtime hours used."""
    return float(x.supply.capacity["overtime"].sum()) if len(x.supply.capacity) else 0.0


def revenue(x: KpiInputs) -> float:
    """Revenue = sum_c s_c x p_c (EUR)."""
    return float(x.totals()["revenue"])


def revenue_vs_budget(x: KpiInputs) -> float:
    """Revenue vs budget = (R - B) / B over the horizon months the budget covers; R plan revenue, B budget."""
    if x.data.budget.empty:
        return float("nan")
    gaps = vs_budget(x.finance, x.data.budget, by=())
    row = gaps[gaps["measure"] == "revenue"].iloc[0]
    return _ratio(float(row["gap"]), float(row["reference"]))


def gross_margin(x: KpiInputs) -> float:
    """Gross margin = revenue - COGS (standard cost of sales + variances), EUR (see opensop.finance.lines)."""
    return float(x.totals()["gross_margin"])


def margin_pct(x: KpiInputs) -> float:
    """Gross margin % = gross margin / revenue."""
    return float(x.totals()["margin_pct"])


def contribution(x: KpiInputs) -> float:
    """Contribution = gross margin - holding - component holding (EUR)."""
    return float(x.totals()["contribution"])


def investment(x: KpiInputs) -> float:
    """Investment = capacity investments paid in the horizon (EUR)."""
    return float(x.totals()["investment"])


def closing_inventory_value(x: KpiInputs) -> float:
    """Closing inventory value = V_H, stock at standard cost at the end of the horizon's last month H (EUR; 0 when
    nothing is left then): the financial review's inventory value, the figure its pages show."""
    return float(x.totals()["inventory_value"])


def excess_value(x: KpiInputs) -> float:
    """Excess stock risk = sum_i max(0, S_iH - N x dbar_i) x u_i: closing item stock (all sites) beyond N months
    (`excess_cover_months`) of the item's mean monthly demand dbar_i over the horizon, at standard cost u_i."""
    inv = x.supply.inventory
    if inv.empty:
        return 0.0
    last = inv["period"].max()
    closing = inv[(inv["kind"] == "item") & (inv["period"] == last)].groupby("item_id")["quantity"].sum()
    months = _horizon_months(x)
    mean_demand = x.service().groupby("item_id")["demand"].sum() / max(months, 1)
    excess = (closing - x.excess_cover_months * mean_demand.reindex(closing.index, fill_value=0.0)).clip(lower=0.0)
    return float((excess * _standard(x).reindex(excess.index, fill_value=0.0)).sum())


def obsolescence_value(x: KpiInputs) -> float:
    """Obsolescence risk = sum over phase-out items i of S_i,T_i x u_i: stock (all sites) at the end of the item's
    last month of sales T_i = min(end_period, last horizon month), at standard cost u_i."""
    items = x.data.items.astype({"item_id": str})
    ending = items[items["lifecycle"] == "phase_out"]
    inv = x.supply.inventory
    if ending.empty or inv.empty:
        return 0.0
    last = inv["period"].max()
    end = pd.to_datetime(ending["end_period"]).fillna(last).clip(upper=last)
    when = pd.DataFrame({"item_id": ending["item_id"], "period": end.astype("datetime64[ns]")})
    stock = inv[inv["kind"] == "item"].astype({"item_id": str}).merge(when, on=["item_id", "period"])
    held = stock.groupby("item_id")["quantity"].sum()
    return float((held * _standard(x).reindex(held.index, fill_value=0.0)).sum())


def _standard(x: KpiInputs) -> pd.Series:
    std = standard_costs(x.data)
    return (std["material"] + std["conversion"]).set_axis(std["item_id"])


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    unit: str
    better: Better
    function: Callable[[KpiInputs], float]
    needs_accuracy: bool = False

    @property
    def formula(self) -> str:
        return " ".join((self.function.__doc__ or "").split())


H, L = Better.HIGHER, Better.LOWER
CATALOGUE: tuple[Kpi, ...] = (
    Kpi("fill_rate", "Fill rate (on time)", "fraction", H, fill_rate),
    Kpi("service_level", "Cycle service level", "fraction", H, service_level),
    Kpi("backlog_units", "Backlog", "unit-month", L, backlog_units),
    Kpi("lost_sales_units", "Lost sales", "unit", L, lost_sales_units),
    Kpi("lost_sales_value", "Lost sales value", "EUR", L, lost_sales_value),
    Kpi("late_value", "Value not served on time", "EUR", L, late_value),
    Kpi("forecast_accuracy", "Forecast accuracy (1 - WAPE)", "fraction", H, forecast_accuracy, needs_accuracy=True),
    Kpi("forecast_bias", "Forecast bias", "fraction", L, forecast_bias, needs_accuracy=True),
    Kpi("days_of_cover", "Inventory days of cover", "day", L, days_of_cover),
    Kpi("inventory_turns", "Inventory turns", "1/year", H, inventory_turns),
    Kpi("utilisation_peak", "Peak capacity utilisation", "fraction", L, utilisation_peak),
    Kpi("utilisation_average", "Average capacity utilisation", "fraction", H, utilisation_average),
    Kpi("overtime_hours", "Overtime used", "hour", L, overtime_hours),
    Kpi("revenue", "Revenue", "EUR", H, revenue),
    Kpi("revenue_vs_budget", "Revenue vs budget", "fraction", H, revenue_vs_budget),
    Kpi("gross_margin", "Gross margin", "EUR", H, gross_margin),
    Kpi("margin_pct", "Gross margin %", "fraction", H, margin_pct),
    Kpi("contribution", "Contribution after holding", "EUR", H, contribution),
    Kpi("investment", "Capacity investment", "EUR", L, investment),
    Kpi("closing_inventory_value", "Closing inventory value", "EUR", L, closing_inventory_value),
    Kpi("excess_value", "Excess stock risk", "EUR", L, excess_value),
    Kpi("obsolescence_value", "Obsolescence risk (phase-out stock)", "EUR", L, obsolescence_value),
)
KPI_BY_NAME: dict[str, Kpi] = {k.name: k for k in CATALOGUE}


def catalogue_frame() -> pd.DataFrame:
    """name, label, unit, better, formula: the registry, for the docs and the UI."""
    return pd.DataFrame(
        {
            "name": [k.name for k in CATALOGUE],
            "label": [k.label for k in CATALOGUE],
            "unit": [k.unit for k in CATALOGUE],
            "better": [str(k.better) for k in CATALOGUE],
            "formula": [k.formula for k in CATALOGUE],
        }
    )


def compute(inputs: KpiInputs, names: tuple[str, ...] | None = None) -> pd.DataFrame:
    """kpi, label, value, unit, better for every KPI of the catalogue (or `names`); accuracy KPIs are skipped
    when no accuracy frame is given."""
    chosen = [KPI_BY_NAME[n] for n in names] if names is not None else list(CATALOGUE)
    chosen = [k for k in chosen if not (k.needs_accuracy and inputs.accuracy is None)]
    return pd.DataFrame(
        {
            "kpi": [k.name for k in chosen],
            "label": [k.label for k in chosen],
            "value": [k.function(inputs) for k in chosen],
            "unit": [k.unit for k in chosen],
            "better": [str(k.better) for k in chosen],
        }
    )


def not_available(*, with_accuracy: bool = False) -> pd.DataFrame:
    """The `compute` frame with every value NaN: the KPIs of a plan that could not be made."""
    chosen = [k for k in CATALOGUE if with_accuracy or not k.needs_accuracy]
    return pd.DataFrame(
        {
            "kpi": [k.name for k in chosen],
            "label": [k.label for k in chosen],
            "value": [float("nan")] * len(chosen),
            "unit": [k.unit for k in chosen],
            "better": [str(k.better) for k in chosen],
        }
    )
