"""Sales history and the promotion calendar.

History is drawn from the catalogue's expected demand, multiplied by the promotions declared in `events` (so
the uplift a planner removes from the baseline is really in the data) and by a few unexplained spikes (one-off
export or tender orders) that outlier detection should flag. Regular items get a negative-binomial draw
(Poisson noise plus a 12 % demand wobble); spare parts get lumpy demand: a rare occurrence times an order size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opensop.demo.catalogue import Catalogue, FloatArray, Timeline
from opensop.demo.company import FAMILY_IDS, REGION_IDS

DEMAND_CV = 0.12
N_ITEM_PROMOTIONS = 24
N_UPCOMING_PROMOTIONS = 6
N_SPIKES = 8
MIN_PROMOTED_VOLUME = 15.0  # retailers promote items that sell, not slow movers
PROMO_DISCOUNT = 0.15  # price cut granted during a promotion
PROMO_LABELS: dict[str, str] = {
    "FR-NORD": "Prospectus enseigne",
    "FR-SUD": "Salon professionnel",
    "EXPORT": "Remise distributeur",
    "ECOM": "Promo web",
}
# family, region (None: all regions), month of year (0 = January), uplift %, label
RECURRING_EVENTS: tuple[tuple[str, str | None, int, float, str], ...] = (
    ("ELM", "ECOM", 10, 45.0, "Black Friday"),
    ("COC", "FR-NORD", 11, 30.0, "Catalogue de Noël"),
    ("BBQ", "FR-NORD", 5, 25.0, "Fête des pères"),
    ("TON", None, 2, 15.0, "Foire de printemps"),
)
RECURRING_HORIZON = 12  # marketing has published its calendar for the next twelve months


@dataclass(frozen=True)
class Promotions:
    events: pd.DataFrame  # the `events` table
    uplift: FloatArray  # (items, regions, months) multiplicative factor, 1 outside promotions


def build_promotions(rng: np.random.Generator, catalogue: Catalogue, timeline: Timeline) -> Promotions:
    """Item promotions on mature, busy regular items (past and upcoming) plus the yearly family events."""
    n_items, n_regions = catalogue.region_share.shape
    n_months = len(timeline.periods)
    h = timeline.n_history
    life = catalogue.lifecycle_factor(timeline)
    expected = catalogue.expected_demand(timeline)
    uplift = np.ones((n_items, n_regions, n_months))
    rows: list[dict[str, object]] = []

    def draw(count: int, first: int, last: int) -> None:
        items = rng.integers(0, n_items, 40 * count)
        regions = rng.integers(0, n_regions, 40 * count)
        months = rng.integers(first, last, 40 * count)
        valid = (
            (catalogue.occurrence[items] == 1.0)
            & (expected[items, regions, months] >= MIN_PROMOTED_VOLUME)
            & (life[items, months] >= 0.85)
            & (uplift[items, regions, months] == 1.0)
        )
        cells = np.unique(np.column_stack([items, regions, months])[valid], axis=0)
        cells = cells[rng.permutation(len(cells))[:count]]
        pct = rng.choice([20.0, 25.0, 30.0, 40.0, 50.0, 60.0], len(cells))
        for (i, r, t), p in zip(cells, pct, strict=True):
            uplift[i, r, t] *= 1.0 + p / 100.0
            rows.append(
                {
                    "item_id": catalogue.ids[i],
                    "region_id": REGION_IDS[r],
                    "period": timeline.periods[int(t)],
                    "uplift_pct": p,
                    "label": PROMO_LABELS[REGION_IDS[r]],
                }
            )

    draw(N_ITEM_PROMOTIONS, 0, h)
    draw(N_UPCOMING_PROMOTIONS, h, h + 6)

    month = timeline.month_of_year
    for family_id, region_id, month_of_year, pct, label in RECURRING_EVENTS:
        in_family = catalogue.family == FAMILY_IDS.index(family_id)
        regions = slice(None) if region_id is None else REGION_IDS.index(region_id)
        for t in np.flatnonzero((month == month_of_year) & (np.arange(n_months) < h + RECURRING_HORIZON)):
            uplift[in_family, regions, t] *= 1.0 + pct / 100.0
            rows.append(
                {
                    "family_id": family_id,
                    "region_id": region_id,
                    "period": timeline.periods[int(t)],
                    "uplift_pct": pct,
                    "label": label,
                }
            )
    columns = ["item_id", "family_id", "region_id", "period", "uplift_pct", "uplift_qty", "label"]
    events = pd.DataFrame(rows).reindex(columns=columns).sort_values(["period", "label"], kind="stable")
    return Promotions(events.reset_index(drop=True), uplift)


def draw_quantities(
    rng: np.random.Generator, catalogue: Catalogue, timeline: Timeline, expected: FloatArray
) -> FloatArray:
    """(items, regions, history months) realised units: negative binomial for regular items, lumpy for parts."""
    mean = expected[:, :, : timeline.n_history]
    wobble = rng.gamma(1.0 / DEMAND_CV**2, DEMAND_CV**2, mean.shape)
    regular = rng.poisson(mean * wobble).astype(np.float64)
    p = catalogue.occurrence[:, None, None]
    occurs = rng.random(mean.shape) < p
    lumpy = occurs * (1.0 + rng.poisson(np.maximum(mean / p - 1.0, 0.0)))
    return np.where(p < 1.0, lumpy, regular)


def add_spikes(
    rng: np.random.Generator, catalogue: Catalogue, quantity: FloatArray, expected: FloatArray, uplift: FloatArray
) -> FloatArray:
    """Multiply a few busy, promotion-free cells by 4-7: one-off orders that should not shape the forecast."""
    h = quantity.shape[2]
    eligible = (expected[:, :, :h] >= 20.0) & (uplift[:, :, :h] == 1.0) & (catalogue.occurrence[:, None, None] == 1)
    cells = np.argwhere(eligible)
    chosen = cells[rng.choice(len(cells), N_SPIKES, replace=False)]
    out = quantity.copy()
    i, r, t = chosen.T
    out[i, r, t] = np.round(np.maximum(out[i, r, t], expected[i, r, t]) * rng.uniform(4.0, 7.0, N_SPIKES))
    return out


def sales_history_frame(
    catalogue: Catalogue, timeline: Timeline, quantity: FloatArray, price: FloatArray, uplift: FloatArray
) -> pd.DataFrame:
    """Long `sales_history`: one row per listed item x region x month of the item's life, zeros included.

    Zeros are explicit so intermittent series are unambiguous; revenue is quantity times the year's price, with
    the promotional discount where a promotion ran.
    """
    h = timeline.n_history
    life = catalogue.lifecycle_factor(timeline)[:, None, :h]
    present = (catalogue.region_share[:, :, None] > 0) & (life > 0)
    i, r, t = np.nonzero(present)
    unit_price = price[i, r, t] * np.where(uplift[i, r, t] > 1.0, 1.0 - PROMO_DISCOUNT, 1.0)
    q = quantity[i, r, t]
    frame = pd.DataFrame(
        {
            "period": timeline.history[t],
            "item_id": catalogue.ids[i],
            "region_id": np.asarray(REGION_IDS)[r],
            "quantity": q,
            "revenue": np.round(q * unit_price, 2),
        }
    )
    return frame.sort_values(["period", "item_id", "region_id"], kind="stable").reset_index(drop=True)
