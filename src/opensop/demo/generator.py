"""`generate_demo`: assemble every table of the data dictionary for the demo company, deterministically.

Each concern draws from its own child of one `SeedSequence`, so a change in how, say, stock is drawn leaves the
history and the capacities of the same seed untouched. Frames leave through `schema.conform`: dictionary
columns in dictionary order and canonical dtypes, the same shape `PlanningData.from_frames` produces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.demo.catalogue import Timeline, build_catalogue
from opensop.demo.company import families_frame, lanes_frame, regions_frame
from opensop.demo.finance import (
    abc_classes,
    budget_frame,
    costs_frame,
    policies_frame,
    prices_frame,
    standard_costs_and_prices,
)
from opensop.demo.history import add_spikes, build_promotions, draw_quantities, sales_history_frame
from opensop.demo.stock import build_positions
from opensop.demo.supply import (
    build_technology,
    components_frame,
    planning_demand,
    resource_calendar_frame,
    resources_and_workforce,
    routings_frame,
    sourcing_frame,
    suppliers_frame,
)
from opensop.schema.dictionary import TABLES
from opensop.schema.frames import conform

DEMO_SEED = 7


def generate_demo(seed: int = DEMO_SEED, *, last_history_period: str = "2026-10") -> dict[str, pd.DataFrame]:
    """One canonical frame per dictionary table for Atelier Durand SA, history ending at `last_history_period`."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    catalogue_rng, promo_rng, history_rng, finance_rng, stock_rng, budget_rng = streams
    timeline = Timeline.ending(last_history_period)
    catalogue = build_catalogue(catalogue_rng, timeline)
    promotions = build_promotions(promo_rng, catalogue, timeline)
    expected = catalogue.expected_demand(timeline)
    technology = build_technology(catalogue)
    demand = planning_demand(expected, promotions.uplift, timeline)

    costs, list_price, book = standard_costs_and_prices(finance_rng, catalogue, technology, timeline)
    quantity = draw_quantities(history_rng, catalogue, timeline, expected * promotions.uplift)
    quantity = add_spikes(history_rng, catalogue, quantity, expected, promotions.uplift)
    history = sales_history_frame(catalogue, timeline, quantity, book.at(timeline.history), promotions.uplift)

    items = catalogue.items.assign(
        unit_price=list_price,
        unit_cost=costs.unit_cost,
        abc_class=abc_classes(catalogue, history, timeline).to_numpy(),
    )
    resources, workforce = resources_and_workforce(technology, demand)
    positions = build_positions(stock_rng, catalogue, technology, timeline, expected, promotions.uplift)
    frames = {
        "families": families_frame(),
        "items": items,
        "regions": regions_frame(),
        "sites": positions.sites,
        "sourcing": sourcing_frame(catalogue, technology),
        "resources": resources,
        "resource_calendar": resource_calendar_frame(resources, timeline),
        "routings": routings_frame(catalogue, technology),
        "components": components_frame(catalogue, technology),
        "suppliers": suppliers_frame(technology, demand),
        "workforce": workforce,
        "lanes": lanes_frame(),
        "sales_history": history,
        "inventory": positions.inventory,
        "open_supply": positions.open_supply,
        "backorders": positions.backorders,
        "events": promotions.events,
        "prices": prices_frame(catalogue, book),
        "costs": costs_frame(catalogue, technology, costs, demand),
        "budget": budget_frame(budget_rng, catalogue, timeline, promotions.uplift, book),
        "policies": policies_frame(),
    }
    return {table.name: conform(table, frames[table.name]) for table in TABLES}
