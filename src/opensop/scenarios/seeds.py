"""Seed scenarios of the demo company Atelier Durand SA (ids from `opensop.demo.company`).

* Export +20 % from Q3: EXPORT demand x 1.2 from the first July of the horizon.
* Line down 6 weeks: ANG-ASM (the Angers mower and barbecue assembly line, sized tight on its mean load) stops
  six weeks from the first March of the horizon, in the run-up to the mowing season.
* Margin target +2 pts: list and regional prices +4.5 % (at the demo's ~52 % gross margin at standard,
  1 - 0.477 / 1.045 = 54.4 %: about +2 points, with volumes unchanged: no price elasticity is modelled) and the
  supply plan maximises margin instead of minimising cost.
* Supplier S1 lost: S1, the single source of the thermal engine C-MOT-TH, binding in the mowing season.
"""

from __future__ import annotations

import pandas as pd

from opensop.config import Objective
from opensop.scenarios.levers import DemandChange, PriceChange, ResourceOutage, SetObjective, SupplierLoss
from opensop.scenarios.scenario import Scenario

DEMO_FIRST_PERIOD = "2026-11"
BASE = Scenario("Base", description="The consensus demand and the data as loaded.")


def _next(first_period: str, month_of_year: int) -> str:
    first = pd.Timestamp(first_period)
    year = first.year if first.month <= month_of_year else first.year + 1
    return f"{year:04d}-{month_of_year:02d}"


def seed_scenarios(first_period: str = DEMO_FIRST_PERIOD, *, with_base: bool = False) -> list[Scenario]:
    """The four demo scenarios (module docstring) for a horizon starting at `first_period` (ISO month)."""
    seeds = [
        Scenario(
            "Export +20 % from Q3",
            (DemandChange(pct=20.0, region_ids=("EXPORT",), period_from=_next(first_period, 7)),),
            description="Export distributors expect +20 % from July: can we serve it, at what margin?",
        ),
        Scenario(
            "Line down 6 weeks",
            (ResourceOutage(resource_id="ANG-ASM", start_period=_next(first_period, 3), weeks=6.0),),
            description="The Angers assembly line stops six weeks before the mowing season.",
        ),
        Scenario(
            "Margin target +2 pts",
            (PriceChange(pct=4.5), SetObjective(objective=str(Objective.MAX_MARGIN))),
            description="Prices +4.5 % and a margin-maximising supply plan.",
        ),
        Scenario(
            "Supplier S1 lost",
            (SupplierLoss(supplier_id="S1"),),
            description="The single source of thermal engines (C-MOT-TH) stops delivering.",
        ),
    ]
    return [BASE, *seeds] if with_base else seeds
