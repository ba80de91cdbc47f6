"""The supply side: routings, components, resources and their calendar, workforce, suppliers, sourcing.

Capacities are not drawn at random: they are sized on the next twelve months of expected demand (promotions
included), so the supply review always has something to decide. Resources and parts marked with a target
utilisation in `company` get a regular capacity of mean load / target, which puts them above 100 % in their
peak months (Angers assembly and labour in spring, the Lyon enamelling furnace before Christmas, the engine
supplier S1 in the mowing season); the others are sized for their peak with slack.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opensop.demo.catalogue import Catalogue, FloatArray, StrArray, Timeline
from opensop.demo.company import (
    COMPONENTS,
    FAMILIES,
    HOURS_PER_WORKER,
    MACHINE_OVERTIME_SHARE,
    MAINTENANCE,
    MAX_OVERTIME_PER_WORKER,
    REGION_IDS,
    RESOURCE_IDS,
    RESOURCES,
    SUMMER_SHUTDOWN_FACTOR,
    SUPPLIERS,
    WAREHOUSE,
    WAREHOUSE_SHARE,
)

SLACK_MEAN_UTILISATION = 0.70  # untight resources and parts: at most this busy on average...
SLACK_PEAK_UTILISATION = 0.85  # ...and at most this busy in their peak month
WAGES: dict[str, float] = {"LYO-MO": 3300.0, "ANG-MO": 3150.0}  # loaded monthly cost of one operator
HIRE_COST = 4500.0
LAYOFF_COST = 30000.0  # French redundancy costs: S&OP flexes overtime and temps, not permanent staff
AUGUST = 7
COMPONENT_IDS: tuple[str, ...] = tuple(c.component_id for c in COMPONENTS)


@dataclass(frozen=True)
class Technology:
    """How each item is made: plant, hours per resource, components per unit (one row per item)."""

    plant: StrArray
    usage: FloatArray  # (items, resources), hours per unit
    bom: FloatArray  # (items, components), units per unit


def build_technology(catalogue: Catalogue) -> Technology:
    """Family routings scaled by the item's size; item k of a family uses the family's k-th alternative BOM."""
    n = len(catalogue.family)
    usage = np.zeros((n, len(RESOURCES)))
    bom = np.zeros((n, len(COMPONENTS)))
    rank = catalogue.items.groupby("family_id", sort=False).cumcount().to_numpy()
    for k, spec in enumerate(FAMILIES):
        members = np.flatnonzero(catalogue.family == k)
        for resource_id, hours in spec.routing:
            usage[members, RESOURCE_IDS.index(resource_id)] = np.round(hours * catalogue.size[members], 4)
        for b, alternative in enumerate(spec.boms):
            users = members[rank[members] % len(spec.boms) == b]
            for component_id, quantity in alternative:
                bom[users, COMPONENT_IDS.index(component_id)] = quantity
    plant = np.array([FAMILIES[f].plant for f in catalogue.family])
    return Technology(plant, usage, bom)


def planning_demand(expected: FloatArray, uplift: FloatArray, timeline: Timeline, months: int = 12) -> FloatArray:
    """(items, months) expected units of the next `months` planning months, all regions, promotions included."""
    h = timeline.n_history
    return np.asarray((expected[:, :, h : h + months] * uplift[:, :, h : h + months]).sum(axis=1), dtype=np.float64)


def _size(load: FloatArray, target: float | None) -> float:
    if target is not None:
        return float(load.mean() / target)
    return float(max(load.mean() / SLACK_MEAN_UTILISATION, load.max() / SLACK_PEAK_UTILISATION))


def resources_and_workforce(technology: Technology, demand: FloatArray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`resources` and `workforce`; a labour pool's regular hours are exactly headcount x hours per worker."""
    load = technology.usage.T @ demand  # (resources, months)
    resource_rows, workforce_rows = [], []
    for k, spec in enumerate(RESOURCES):
        capacity = _size(load[k], spec.target_utilisation)
        if spec.kind == "labour":
            headcount = float(max(1, round(capacity / HOURS_PER_WORKER)))
            regular, overtime = headcount * HOURS_PER_WORKER, headcount * MAX_OVERTIME_PER_WORKER
            workforce_rows.append(
                {
                    "site_id": spec.site_id,
                    "resource_id": spec.resource_id,
                    "headcount": headcount,
                    "hours_per_worker": HOURS_PER_WORKER,
                    "max_overtime_per_worker": MAX_OVERTIME_PER_WORKER,
                    "wage_per_worker": WAGES[spec.resource_id],
                    "hire_cost": HIRE_COST,
                    "layoff_cost": LAYOFF_COST,
                    "min_headcount": float(np.floor(0.95 * headcount)),
                    "max_headcount": float(np.ceil(1.3 * headcount)),
                }
            )
        else:
            regular = float(max(10.0, np.round(capacity, -1)))
            overtime = float(np.round(MACHINE_OVERTIME_SHARE * regular, -1))
        resource_rows.append(
            {
                "resource_id": spec.resource_id,
                "site_id": spec.site_id,
                "kind": spec.kind,
                "description": spec.description,
                "unit": "hour",
                "regular_capacity": regular,
                "overtime_capacity": overtime,
                "overtime_cost": spec.overtime_cost,
            }
        )
    return pd.DataFrame(resource_rows), pd.DataFrame(workforce_rows)


def resource_calendar_frame(resources: pd.DataFrame, timeline: Timeline) -> pd.DataFrame:
    """August shutdowns (half capacity, no overtime) in every horizon year, plus two maintenance months."""
    horizon = timeline.periods[timeline.n_history :]
    ids = resources["resource_id"].to_numpy(dtype=str)
    regular = resources["regular_capacity"].to_numpy(dtype=np.float64)
    overtime = resources["overtime_capacity"].to_numpy(dtype=np.float64)
    augusts = horizon[horizon.month == AUGUST + 1]
    rows = [
        (resource_id, period, SUMMER_SHUTDOWN_FACTOR * capacity, 0.0)
        for resource_id, capacity in zip(ids, regular, strict=True)
        for period in augusts
    ]
    for resource_id, month_of_year, factor in MAINTENANCE:
        k = list(ids).index(resource_id)
        period = horizon[horizon.month == month_of_year + 1][0]
        rows.append((resource_id, period, factor * regular[k], overtime[k]))
    frame = pd.DataFrame(rows, columns=["resource_id", "period", "regular", "overtime"])
    return frame.sort_values(["resource_id", "period"]).reset_index(drop=True)


def routings_frame(catalogue: Catalogue, technology: Technology) -> pd.DataFrame:
    i, k = np.nonzero(technology.usage)
    return pd.DataFrame(
        {
            "item_id": catalogue.ids[i],
            "site_id": technology.plant[i],
            "resource_id": np.asarray(RESOURCE_IDS)[k],
            "usage_per_unit": technology.usage[i, k],
        }
    )


def components_frame(catalogue: Catalogue, technology: Technology) -> pd.DataFrame:
    i, c = np.nonzero(technology.bom)
    return pd.DataFrame(
        {
            "item_id": catalogue.ids[i],
            "component_id": np.asarray(COMPONENT_IDS)[c],
            "quantity_per": technology.bom[i, c],
        }
    )


def suppliers_frame(technology: Technology, demand: FloatArray) -> pd.DataFrame:
    """Supplier capacity per part sized like resources, then split between the part's sources."""
    requirement = technology.bom.T @ demand  # (components, months)
    total = {spec.component_id: _size(requirement[c], spec.target_utilisation) for c, spec in enumerate(COMPONENTS)}
    cost = {spec.component_id: spec.unit_cost for spec in COMPONENTS}
    return pd.DataFrame(
        {
            "supplier_id": [s.supplier_id for s in SUPPLIERS],
            "part_id": [s.part_id for s in SUPPLIERS],
            "lead_time_months": [s.lead_time_months for s in SUPPLIERS],
            "monthly_capacity": [float(np.round(total[s.part_id] * s.capacity_share, -1)) for s in SUPPLIERS],
            "unit_cost": [round(cost[s.part_id] * s.cost_factor, 2) for s in SUPPLIERS],
        }
    )


def sourcing_frame(catalogue: Catalogue, technology: Technology) -> pd.DataFrame:
    """Each listed item x region is served by the warehouse and/or the making plant, shares summing to one."""
    i, r = np.nonzero(catalogue.region_share > 0)
    region = np.asarray(REGION_IDS)[r]
    warehouse = np.array([WAREHOUSE_SHARE[x] for x in region])
    plant_rows = pd.DataFrame(
        {"item_id": catalogue.ids[i], "region_id": region, "site_id": technology.plant[i], "share": 1.0 - warehouse}
    )
    warehouse_rows = pd.DataFrame(
        {"item_id": catalogue.ids[i], "region_id": region, "site_id": WAREHOUSE, "share": warehouse}
    )
    frame = pd.concat([plant_rows, warehouse_rows], ignore_index=True)
    frame = frame[frame["share"] > 0]
    return frame.sort_values(["item_id", "region_id", "site_id"]).reset_index(drop=True)
