"""The item catalogue: 250 items drawn around the family declarations, and the demand model behind them.

The hidden demand parameters (volume, regional mix, seasonality, growth, life cycle) live beside the `items`
frame in one `Catalogue`, so history, capacity sizing, stock and budget are all drawn from the same expected
demand and stay mutually consistent: the budget is a stretch on the trend, the plants are sized on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from opensop.demo.company import FAMILIES, REGIONS
from opensop.periods import month_start

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

N_HISTORY = 48
N_FUTURE = 24
N_NEW_IN_HISTORY = 4  # launched in the last three months of history
N_NEW_UPCOMING = 6  # launching in the next five months
N_NEW_WITHOUT_LIKE = 3  # profiled from their family instead of a like item
N_PHASE_OUT = 10
N_LATE_START = 16  # active items introduced during the history window
RAMP_UP = np.array([0.35, 0.65, 0.85])  # share of the mature level in the first months after launch
DECLINE_MONTHS = 15  # a phase-out item fades over this many months before its end period
DECLINE_FLOOR = 0.25
MAX_VOLUME = 6000.0  # units/month: the best sellers sell a few thousand a month
LAUNCH_CAP = 3.0  # a launch is planned at most at three times its family's median item
NO_END = 10_000  # end month index of items that are not phased out


@dataclass(frozen=True)
class Timeline:
    """History months followed by horizon months; index `n_history` is the first planning month."""

    periods: pd.DatetimeIndex
    n_history: int

    @classmethod
    def ending(cls, last_history_period: str) -> Timeline:
        last = month_start(last_history_period)
        start = last - pd.DateOffset(months=N_HISTORY - 1)
        return cls(pd.date_range(start, periods=N_HISTORY + N_FUTURE, freq="MS"), N_HISTORY)

    @property
    def month_of_year(self) -> IntArray:
        """0 = January."""
        return np.asarray(self.periods.month, dtype=np.int64) - 1

    @property
    def years_from_last(self) -> FloatArray:
        """Years since the last history month (negative in the past), the growth exponent."""
        return (np.arange(len(self.periods), dtype=np.float64) - (self.n_history - 1)) / 12.0

    @property
    def history(self) -> pd.DatetimeIndex:
        return self.periods[: self.n_history]

    @property
    def last_history(self) -> pd.Timestamp:
        return pd.Timestamp(self.periods[self.n_history - 1])


@dataclass(frozen=True)
class Catalogue:
    """The `items` master data plus the hidden parameters its demand is drawn from (one row per item)."""

    items: pd.DataFrame  # item_id, description, family_id, lifecycle, launch_period, end_period, like_item_id
    family: IntArray  # index into FAMILIES
    base: FloatArray  # mature monthly volume at the last history month, all regions together
    region_share: FloatArray  # (items, regions), zero where the item is not listed
    season: FloatArray  # (items, 12), mean 1
    growth: FloatArray  # (items, regions), yearly
    start: IntArray  # first month index with demand
    end: IntArray  # last month index with demand (NO_END: none)
    ramp_from: IntArray  # month index whose demand is the first of a ramp-up (-1: none)
    occurrence: FloatArray  # probability of a non-zero month (1 for regular items)
    size: FloatArray  # routing and price scale of the item within its family

    @property
    def ids(self) -> StrArray:
        return self.items["item_id"].to_numpy(dtype=str)

    def lifecycle_factor(self, timeline: Timeline) -> FloatArray:
        """(items, months): 0 outside the item's life, ramp-up after launch, linear fade before the end."""
        t = np.arange(len(timeline.periods))[None, :]
        alive = (t >= self.start[:, None]) & (t <= self.end[:, None])
        since_launch = t - self.ramp_from[:, None]
        ramp = np.ones_like(since_launch, dtype=np.float64)
        launched = self.ramp_from[:, None] >= 0
        for k, level in enumerate(RAMP_UP):
            ramp = np.where(launched & (since_launch == k), level, ramp)
        to_end = (self.end[:, None] - t).astype(np.float64)
        fade = np.clip(DECLINE_FLOOR + (1.0 - DECLINE_FLOOR) * to_end / DECLINE_MONTHS, DECLINE_FLOOR, 1.0)
        return np.where(alive, ramp * fade, 0.0)

    def expected_demand(self, timeline: Timeline) -> FloatArray:
        """(items, regions, months): expected units before promotions and noise (intermittency included)."""
        season = self.season[:, timeline.month_of_year]  # (items, months)
        trend = (1.0 + self.growth[:, :, None]) ** timeline.years_from_last[None, None, :]
        life = self.lifecycle_factor(timeline)
        return self.base[:, None, None] * self.region_share[:, :, None] * trend * (season * life)[:, None, :]


def _descriptions(family_index: int, n: int) -> list[str]:
    spec = FAMILIES[family_index]
    out = []
    for i in range(n):
        stem = spec.names[i % len(spec.names)]
        variant = spec.variants[(i // len(spec.names)) % len(spec.variants)]
        edition = i // (len(spec.names) * len(spec.variants))
        out.append(f"{stem} {variant}" + (f" série {edition + 1}" if edition else ""))
    return out


def build_catalogue(rng: np.random.Generator, timeline: Timeline) -> Catalogue:
    """Draw the 250 items, then pick the launches, phase-outs and late starters among the regular items."""
    family = np.concatenate([np.full(spec.n_items, k, dtype=np.int64) for k, spec in enumerate(FAMILIES)])
    n = len(family)
    number = np.concatenate([np.arange(1, spec.n_items + 1) for spec in FAMILIES])
    ids = np.array([f"{FAMILIES[f].family_id}-{k:03d}" for f, k in zip(family, number, strict=True)])
    descriptions = [d for k, spec in enumerate(FAMILIES) for d in _descriptions(k, spec.n_items)]
    intermittent = np.array([FAMILIES[f].intermittent for f in family])

    median = np.array([FAMILIES[f].median_volume for f in family])
    base = np.minimum(median * rng.lognormal(0.0, 0.9, n), MAX_VOLUME)
    size = np.exp(rng.normal(0.0, 0.15, n))
    occurrence = np.where(intermittent, rng.uniform(0.15, 0.45, n), 1.0)

    mix = np.array([r.mix for r in REGIONS])
    listed = rng.random((n, len(REGIONS))) < np.array([r.sold_share for r in REGIONS])[None, :]
    listed[intermittent, 3] = True  # spare parts sell on the web shop
    share = rng.gamma(mix[None, :] * 25.0, 1.0) * listed
    share /= share.sum(axis=1, keepdims=True)

    family_season = np.array([FAMILIES[f].season for f in family])
    season = family_season * np.exp(rng.normal(0.0, 0.04, (n, 12)))
    season /= season.mean(axis=1, keepdims=True)
    region_growth = np.array([r.growth for r in REGIONS])
    family_growth = np.array([FAMILIES[f].growth for f in family])
    growth = family_growth[:, None] + region_growth[None, :] + rng.normal(0.0, 0.03, (n, 1))

    start = np.zeros(n, dtype=np.int64)
    end = np.full(n, NO_END, dtype=np.int64)
    ramp_from = np.full(n, -1, dtype=np.int64)
    lifecycle = np.full(n, "active", dtype=object)
    like = np.full(n, None, dtype=object)

    # The last item of a regular family is the most recent: launches are drawn from the family tails.
    regular = np.flatnonzero(~intermittent)
    family_of_regular = family[regular]
    tails = np.array([regular[family_of_regular == f].max() for f in np.unique(family_of_regular)])
    n_new = N_NEW_IN_HISTORY + N_NEW_UPCOMING
    new = rng.choice(tails, n_new, replace=False)
    others = rng.permutation(np.setdiff1d(regular, tails))
    phase_out = others[:N_PHASE_OUT]
    late = others[N_PHASE_OUT : N_PHASE_OUT + N_LATE_START]

    h = timeline.n_history
    launch = np.concatenate([rng.integers(h - 3, h, N_NEW_IN_HISTORY), rng.integers(h, h + 5, N_NEW_UPCOMING)])
    start[new], ramp_from[new], lifecycle[new] = launch, launch, "new"
    base[new] = median[new] * rng.uniform(0.8, 1.5, n_new)  # a launch is planned near the family's typical volume
    for item in new[N_NEW_WITHOUT_LIKE:]:
        candidates = np.setdiff1d(np.flatnonzero(family == family[item]), np.concatenate([new, phase_out]))
        like_item = int(rng.choice(candidates))
        like[item] = ids[like_item]
        base[item] = min(base[like_item] * rng.uniform(0.5, 0.9), LAUNCH_CAP * median[item])
        share[item] = share[like_item]
        season[item] = season[like_item]
    end[phase_out] = h + rng.integers(1, 13, N_PHASE_OUT) - 1
    lifecycle[phase_out] = "phase_out"
    start[late] = rng.integers(6, h - 8, N_LATE_START)
    ramp_from[late] = start[late]

    period = timeline.periods
    items = pd.DataFrame(
        {
            "item_id": ids,
            "description": descriptions,
            "family_id": [FAMILIES[f].family_id for f in family],
            "unit": "unit",
            "lifecycle": lifecycle,
            "launch_period": [
                period[int(s)] if lc == "new" else pd.NaT for s, lc in zip(start, lifecycle, strict=True)
            ],
            "end_period": [
                period[int(e)] if lc == "phase_out" else pd.NaT for e, lc in zip(end, lifecycle, strict=True)
            ],
            "like_item_id": like,
        }
    )
    return Catalogue(items, family, base, share, season, growth, start, end, ramp_from, occurrence, size)
