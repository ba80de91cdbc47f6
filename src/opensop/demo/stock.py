"""Positions at the start of the horizon: inventory, open supply, backorders, and the sites' storage capacities.

Stock is expressed in months of cover of the demand each site serves, so it moves with the catalogue: phase-out
items carry excess stock to run down, the few items with backorders are out of stock where they are shipped
from, and supply already released (production, transfers in transit, purchase orders within the supplier's
lead time) tapers off over the first months as a real order book does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opensop.demo.catalogue import Catalogue, FloatArray, StrArray, Timeline
from opensop.demo.company import PLANTS, REGION_IDS, SITES, SUPPLIERS, WAREHOUSE, WAREHOUSE_SHARE
from opensop.demo.supply import COMPONENT_IDS, Technology

N_BACKORDERS = 12
PHASE_OUT_EXCESS = 2.5  # phase-out items carry this many times their normal cover


@dataclass(frozen=True)
class Positions:
    inventory: pd.DataFrame
    open_supply: pd.DataFrame
    backorders: pd.DataFrame
    sites: pd.DataFrame


def _long(part: StrArray, site: str | StrArray, quantity: FloatArray, kind: str = "", month: int = 0) -> pd.DataFrame:
    """Rows of the non-zero quantities (site may be one site or one per part); `month` counts from the horizon."""
    keep = quantity > 0
    sites = site if isinstance(site, str) else site[keep]
    return pd.DataFrame(
        {"part": part[keep], "site_id": sites, "quantity": quantity[keep], "kind": kind, "month": month}
    )


def build_positions(
    rng: np.random.Generator,
    catalogue: Catalogue,
    technology: Technology,
    timeline: Timeline,
    expected: FloatArray,
    uplift: FloatArray,
) -> Positions:
    """Draw inventory, open supply and backorders from the next months' expected demand."""
    h = timeline.n_history
    n = len(catalogue.family)
    demand = expected[:, :, h : h + 3] * uplift[:, :, h : h + 3]  # (items, regions, 3)
    warehouse_share = np.array([WAREHOUSE_SHARE[r] for r in REGION_IDS])
    through_warehouse = (demand * warehouse_share[None, :, None]).sum(axis=1)  # (items, 3)
    through_plant = (demand * (1.0 - warehouse_share)[None, :, None]).sum(axis=1)
    total = demand.sum(axis=1)

    lumpy = catalogue.occurrence < 1.0
    excess = np.where(catalogue.items["lifecycle"].to_numpy() == "phase_out", PHASE_OUT_EXCESS, 1.0)
    warehouse_cover = np.where(lumpy, rng.uniform(3.0, 8.0, n), rng.uniform(0.6, 1.6, n)) * excess
    plant_cover = np.where(lumpy, rng.uniform(1.0, 4.0, n), rng.uniform(0.3, 1.0, n)) * excess
    warehouse_stock = np.round(warehouse_cover * through_warehouse.mean(axis=1))
    plant_stock = np.round(plant_cover * through_plant.mean(axis=1))

    # Backorders: busy, regular, active item x region cells that ran dry at their shipping site.
    last = expected[:, :, h - 1]
    lifecycle = catalogue.items["lifecycle"].to_numpy()
    candidates = np.argwhere((last >= 5.0) & (~lumpy & (lifecycle == "active"))[:, None])
    chosen = candidates[rng.choice(len(candidates), N_BACKORDERS, replace=False)]
    i, r = chosen.T
    late = np.maximum(1.0, np.round(rng.uniform(0.1, 0.4, N_BACKORDERS) * last[i, r]))
    backorders = pd.DataFrame({"item_id": catalogue.ids[i], "region_id": np.asarray(REGION_IDS)[r], "quantity": late})
    warehouse_stock[i[warehouse_share[r] > 0]] = 0.0
    plant_stock[i[warehouse_share[r] < 1]] = 0.0

    ids = catalogue.ids
    plant_of = technology.plant
    item_stock = pd.concat(
        [_long(ids, WAREHOUSE, warehouse_stock), _long(ids, plant_of, plant_stock)], ignore_index=True
    )
    regular = ~lumpy
    production = [
        _long(ids[regular], plant_of[regular], np.round(share * total[regular, k]), "production", k)
        for k, share in enumerate((rng.uniform(0.5, 0.9, regular.sum()), rng.uniform(0.1, 0.4, regular.sum())))
    ]
    transfers = _long(ids, WAREHOUSE, np.round(rng.uniform(0.1, 0.3, n) * through_warehouse[:, 0]), "transfer")

    lead_time = {s.part_id: 0 for s in SUPPLIERS}
    for s in SUPPLIERS:
        lead_time[s.part_id] = max(lead_time[s.part_id], s.lead_time_months)
    component_stock, purchases = [], []
    for plant in PLANTS:
        made = plant_of == plant
        requirement = technology.bom[made].T @ total[made]  # (components, 3)
        cover = rng.uniform(0.5, 1.5, len(COMPONENT_IDS))
        component_stock.append(_long(np.asarray(COMPONENT_IDS), plant, np.round(cover * requirement[:, 0])))
        for c, component_id in enumerate(COMPONENT_IDS):
            months = min(lead_time[component_id], 3)
            for k in range(months):
                ordered = requirement[c, k : k + 1] * (1.0 - k / months) * rng.uniform(0.8, 1.1)
                purchases.append(_long(np.array([component_id]), plant, np.round(ordered), "purchase", k))

    stock = pd.concat([item_stock, *component_stock], ignore_index=True)
    inventory = stock[["part", "site_id", "quantity"]].rename(columns={"part": "item_id", "quantity": "on_hand"})
    supply = pd.concat([*production, transfers, *purchases], ignore_index=True)
    open_supply = pd.DataFrame(
        {
            "part_id": supply["part"],
            "site_id": supply["site_id"],
            "period": timeline.periods[h + supply["month"].to_numpy(dtype=np.int64)],
            "quantity": supply["quantity"],
            "kind": supply["kind"],
        }
    )
    year = (expected[:, :, h : h + 12] * uplift[:, :, h : h + 12]).mean(axis=2)  # (items, regions)
    throughput = {WAREHOUSE: float((year * warehouse_share).sum())}
    throughput |= {plant: float(year[plant_of == plant].sum()) for plant in PLANTS}
    components = inventory[inventory["item_id"].isin(COMPONENT_IDS)].groupby("site_id")["on_hand"].sum()
    held = inventory.groupby("site_id")["on_hand"].sum()
    sites = pd.DataFrame(
        {
            "site_id": [s.site_id for s in SITES],
            "kind": [s.kind for s in SITES],
            "description": [s.description for s in SITES],
            "storage_capacity": [
                float(np.round(max(s.storage_cover_months * throughput[s.site_id], held[s.site_id]), -3))
                + float(np.round(1.2 * components.get(s.site_id, 0.0), -3))
                for s in SITES
            ],
        }
    )
    return Positions(inventory, open_supply, backorders, sites)
