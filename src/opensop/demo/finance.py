"""Finance & policy tables: standard costs, regional price lists, the budget, ABC classes and policies.

Costs are built bottom-up as the data dictionary's cost convention reads them, the FULL standard cost: material =
components at their cheapest supplier's price + other material; conversion = machine hours at their hourly rates
+ labour-pool hours at the operators' loaded wage per regular hour (`supply.WAGES` / HOURS_PER_WORKER). So the
supply plan's make cost (standard - components bought - labour paid per head) is exactly the other material and
the machine time, and the finance review's variances are the plan's own (idle or extra labour, overtime, a dearer
second source, subcontracting). List prices keep at least a 38 % gross margin over the standard, so margins
computed by the finance review are plausible for every item. Prices rise on 1 January by a family-specific rate;
history revenue uses the price of its year, so the same mechanism explains past revenue and the upcoming increase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opensop.demo.catalogue import Catalogue, FloatArray, IntArray, Timeline
from opensop.demo.company import (
    COMPONENTS,
    FAMILIES,
    FAMILY_IDS,
    HOURS_PER_WORKER,
    REGION_IDS,
    REGIONS,
    RESOURCES,
    SUPPLIERS,
)
from opensop.demo.supply import WAGES, Technology

MIN_MARGIN = 0.38
SUBCONTRACT_PREMIUM = 1.30
SUBCONTRACT_SHARE = 0.25  # a partner can make about a quarter of the average monthly volume
BUDGET_AMBITION = (1.04, 1.07, 1.10)  # stretch over trend: current year, next year, the year after
PARETO_A, PARETO_B = 0.80, 0.95
POLICIES: tuple[tuple[str, float, float, float, float, int], ...] = (
    # abc_class, service_level, holding_cost_rate, backlog_cost_rate, lost_sales_rate, max_backlog_months
    ("A", 0.98, 0.25, 0.02, 0.5, 2),
    ("B", 0.95, 0.25, 0.02, 0.5, 2),
    ("C", 0.90, 0.25, 0.02, 0.5, 2),
)


@dataclass(frozen=True)
class PriceBook:
    """Net prices per item x region for the year of the last history month, and the yearly increase."""

    current: FloatArray  # (items, regions), zero where not listed
    increase: FloatArray  # (items,)
    year: int

    def at(self, periods: pd.DatetimeIndex) -> FloatArray:
        """(items, regions, months): the price list in force in each month."""
        years = np.asarray(periods.year, dtype=np.float64) - self.year
        return self.current[:, :, None] * (1.0 + self.increase[:, None, None]) ** years[None, None, :]


@dataclass(frozen=True)
class StandardCosts:
    material: FloatArray
    conversion: FloatArray

    @property
    def unit_cost(self) -> FloatArray:
        return self.material + self.conversion


def standard_costs_and_prices(
    rng: np.random.Generator, catalogue: Catalogue, technology: Technology, timeline: Timeline
) -> tuple[StandardCosts, FloatArray, PriceBook]:
    """Bottom-up standard costs, French list prices (`items.unit_price`) and the regional price book."""
    n = len(catalogue.family)
    low = np.array([FAMILIES[f].price_range[0] for f in catalogue.family])
    high = np.array([FAMILIES[f].price_range[1] for f in catalogue.family])
    drawn = np.exp(rng.uniform(np.log(low), np.log(high)))
    best = {c.component_id: min(s.cost_factor for s in SUPPLIERS if s.part_id == c.component_id) for c in COMPONENTS}
    component_cost = technology.bom @ np.array([round(c.unit_cost * best[c.component_id], 2) for c in COMPONENTS])
    material = np.round(component_cost + drawn * rng.uniform(0.12, 0.22, n), 2)
    rates = [WAGES[r.resource_id] / HOURS_PER_WORKER if r.hourly_rate is None else r.hourly_rate for r in RESOURCES]
    conversion = np.round(technology.usage @ np.array(rates), 2)
    costs = StandardCosts(material, conversion)
    list_price = np.maximum(np.round(drawn), np.ceil(costs.unit_cost / (1.0 - MIN_MARGIN))) - 0.1
    factor = np.array([r.price_factor for r in REGIONS])
    current = np.round(list_price[:, None] * factor[None, :], 2) * (catalogue.region_share > 0)
    increase = np.array([FAMILIES[f].price_increase for f in catalogue.family])
    return costs, list_price, PriceBook(current, increase, timeline.last_history.year)


def prices_frame(catalogue: Catalogue, book: PriceBook) -> pd.DataFrame:
    """The current price list (from 1 January) and next year's increase (from the next 1 January)."""
    i, r = np.nonzero(book.current)
    this_year = pd.Timestamp(year=book.year, month=1, day=1)
    frames = [
        pd.DataFrame(
            {
                "item_id": catalogue.ids[i],
                "region_id": np.asarray(REGION_IDS)[r],
                "period_from": this_year + pd.DateOffset(years=k),
                "price": np.round(book.current[i, r] * (1.0 + book.increase[i]) ** k, 2),
            }
        )
        for k in (0, 1)
    ]
    return (
        pd.concat(frames, ignore_index=True).sort_values(["item_id", "region_id", "period_from"]).reset_index(drop=True)
    )


def costs_frame(catalogue: Catalogue, technology: Technology, costs: StandardCosts, demand: FloatArray) -> pd.DataFrame:
    """One row per item at its plant; subcontracting offered for the families marked so, at a premium."""
    offered = np.array([FAMILIES[f].subcontract for f in catalogue.family])
    capacity = np.maximum(10.0, np.round(SUBCONTRACT_SHARE * demand.mean(axis=1), -1))
    return pd.DataFrame(
        {
            "item_id": catalogue.ids,
            "site_id": technology.plant,
            "material": costs.material,
            "conversion": costs.conversion,
            "subcontract_cost": np.where(offered, np.round(SUBCONTRACT_PREMIUM * costs.unit_cost, 2), np.nan),
            "subcontract_capacity": np.where(offered, capacity, np.nan),
        }
    )


def budget_frame(
    rng: np.random.Generator, catalogue: Catalogue, timeline: Timeline, uplift: FloatArray, book: PriceBook
) -> pd.DataFrame:
    """Family x region x month for the current and next two calendar years: trend x seasonality x ambition.

    The two later years cover the default 18-month horizon; the ambition (4-10 % over trend, a little more for
    some families) is what makes the budget gap in the financial review.
    """
    first = pd.Timestamp(year=book.year, month=1, day=1)
    periods = pd.date_range(first, periods=12 * len(BUDGET_AMBITION), freq="MS")
    extended = Timeline(pd.date_range(timeline.periods[0], periods[-1], freq="MS"), timeline.n_history)
    offset = len(extended.periods) - len(periods)
    expected = catalogue.expected_demand(extended)[:, :, offset:]
    known = min(len(timeline.periods), len(extended.periods)) - offset
    expected[:, :, :known] *= uplift[:, :, offset : offset + known]
    price = book.at(periods)
    year_index: IntArray = np.asarray(periods.year, dtype=np.int64) - book.year
    stretch = np.asarray(BUDGET_AMBITION)[year_index][None, :] * rng.uniform(0.99, 1.04, (len(FAMILIES), 1))
    quantity = np.stack([expected[catalogue.family == f].sum(axis=0) for f in range(len(FAMILIES))])
    revenue = np.stack([(expected * price)[catalogue.family == f].sum(axis=0) for f in range(len(FAMILIES))])
    quantity = quantity * stretch[:, None, :]
    revenue = revenue * stretch[:, None, :]
    f, r, t = np.nonzero(np.round(quantity) > 0)
    return pd.DataFrame(
        {
            "family_id": np.asarray(FAMILY_IDS)[f],
            "region_id": np.asarray(REGION_IDS)[r],
            "period": periods[t],
            "quantity": np.round(quantity[f, r, t]),
            "revenue": np.round(revenue[f, r, t], -1),
        }
    )


def abc_classes(catalogue: Catalogue, history: pd.DataFrame, timeline: Timeline) -> pd.Series:
    """Pareto on the last twelve months' revenue: the top 80 % of revenue is A, the next 15 % B, the rest C.

    Items without a year of revenue behind them (launches) take their like item's class, else B.
    """
    recent = history[history["period"] > timeline.last_history - pd.DateOffset(months=12)]
    revenue = (
        recent.groupby("item_id")["revenue"]
        .sum()
        .reindex(catalogue.ids, fill_value=0.0)
        .sort_values(ascending=False, kind="stable")
    )
    before = (revenue.cumsum() - revenue) / revenue.sum()
    classes = pd.Series(np.where(before < PARETO_A, "A", np.where(before < PARETO_B, "B", "C")), index=revenue.index)
    classes = classes.reindex(catalogue.ids)
    items = catalogue.items.set_index("item_id")
    launches = items.index[items["lifecycle"] == "new"]
    like = items.loc[launches, "like_item_id"]
    classes[launches] = np.where(like.notna(), classes.reindex(like.fillna("")).to_numpy(), "B")
    return classes


def policies_frame() -> pd.DataFrame:
    columns = [
        "abc_class",
        "service_level",
        "holding_cost_rate",
        "backlog_cost_rate",
        "lost_sales_rate",
        "max_backlog_months",
    ]
    return pd.DataFrame(POLICIES, columns=columns)
