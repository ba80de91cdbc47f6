"""Safety stock per item x site from the forecast error, the replenishment lead time and the service target.

Forecast error: a `sigma` column on the demand frame (e.g. backtest residual standard deviation), else the 95 %
interval half-width (hi_95 - lo_95) / (2 * 1.959964), per item x region x month. Regions served from one site
are independent, so per site  sigma_is = sqrt(mean_t sum_r (share_irs * sigma_irt)^2)  (root mean square over the
horizon's months of the site's pooled monthly error).

Lead time L (months): one monthly review period at a site that makes the item; one plus the shortest lane lead
time from a making site elsewhere. Policies come from `policies` by the item's ABC class.

* Cycle service level alpha:  SS = z * sigma * sqrt(L),  z = Phi^-1(alpha).
* Fill rate beta (share of demand served from stock): the expected shortage per monthly cycle must not exceed
  (1 - beta) * mu, with  E[shortage] = sigma * sqrt(L) * G(k)  and the standard normal loss function
  G(k) = phi(k) - k * (1 - Phi(k));  SS = max(0, k) * sigma * sqrt(L),  k solving G(k) = (1-beta) mu / (sigma sqrt L).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from opensop.config import SafetyStockMethod
from opensop.schema import PlanningData
from opensop.supply.allocation import allocate, make_pairs

Z_95 = 1.959963984540054
DEFAULT_SERVICE_LEVEL = 0.95


def demand_sigma(demand: pd.DataFrame) -> pd.Series:
    """Per-row forecast error standard deviation (zero when the frame carries no error information)."""
    if "sigma" in demand.columns:
        return pd.to_numeric(demand["sigma"], errors="coerce").fillna(0.0).clip(lower=0.0)
    if {"lo_95", "hi_95"} <= set(demand.columns):
        width = pd.to_numeric(demand["hi_95"], errors="coerce") - pd.to_numeric(demand["lo_95"], errors="coerce")
        return (width / (2 * Z_95)).fillna(0.0).clip(lower=0.0)
    return pd.Series(0.0, index=demand.index)


def loss_function(k: np.ndarray) -> np.ndarray:
    """Standard normal loss G(k) = phi(k) - k (1 - Phi(k)): expected shortfall of N(0,1) above k."""
    return np.asarray(norm.pdf(k) - k * norm.sf(k), dtype=float)


def fill_rate_factor(target: np.ndarray) -> np.ndarray:
    """k with G(k) = target, by vectorised bisection on [-5, 8] (G is strictly decreasing)."""
    lo = np.full(target.shape, -5.0)
    hi = np.full(target.shape, 8.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        above = loss_function(mid) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return np.asarray((lo + hi) / 2, dtype=float)


def lead_times(data: PlanningData) -> pd.DataFrame:
    """item_id, site_id, lead_time_months: 1 at a making site, 1 + shortest lane lead time from one elsewhere."""
    made = make_pairs(data)
    own = made.assign(lead_time_months=1.0)
    lanes = data.lanes[["from_site", "to_site", "lead_time_months"]].astype({"lead_time_months": float})
    moved = made.merge(lanes, left_on="site_id", right_on="from_site")
    moved = moved.assign(site_id=moved["to_site"], lead_time_months=moved["lead_time_months"].fillna(0.0) + 1.0)
    both = pd.concat([own, moved[["item_id", "site_id", "lead_time_months"]]], ignore_index=True)
    return both.groupby(["item_id", "site_id"], as_index=False)[["lead_time_months"]].min()


def safety_stock(
    data: PlanningData, demand: pd.DataFrame, *, method: SafetyStockMethod = SafetyStockMethod.CYCLE_SERVICE
) -> pd.DataFrame:
    """item_id, site_id, sigma, mean_demand, lead_time_months, service_level, factor, safety_stock (units)."""
    rows = demand.assign(sigma=demand_sigma(demand))
    allocated = allocate(data, rows, value_columns=("quantity", "sigma"))
    allocated = allocated.assign(var=(allocated["sigma"] * allocated["share"]) ** 2)
    monthly = allocated.groupby(["item_id", "site_id", "period"], as_index=False).agg(
        var=("var", "sum"), quantity=("quantity", "sum")
    )
    site = monthly.groupby(["item_id", "site_id"], as_index=False).agg(
        var=("var", "mean"), mean_demand=("quantity", "mean")
    )
    site["sigma"] = np.sqrt(site["var"])
    site = site.merge(lead_times(data), on=["item_id", "site_id"], how="left")
    site["lead_time_months"] = site["lead_time_months"].fillna(1.0)
    classes = data.items[["item_id", "abc_class"]].astype({"item_id": str, "abc_class": str})
    levels = data.policies[["abc_class", "service_level"]].astype({"abc_class": str})
    site = site.merge(classes, on="item_id", how="left").merge(levels, on="abc_class", how="left")
    site["service_level"] = site["service_level"].fillna(DEFAULT_SERVICE_LEVEL).astype(float)
    spread = site["sigma"].to_numpy() * np.sqrt(site["lead_time_months"].to_numpy())
    level = site["service_level"].to_numpy()
    if method is SafetyStockMethod.CYCLE_SERVICE:
        factor = norm.ppf(level)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = site["mean_demand"].to_numpy()
            target = np.where((spread > 0) & (mean > 0), (1 - level) * mean / spread, np.inf)
        factor = np.where(np.isfinite(target), fill_rate_factor(np.minimum(target, 1e6)), 0.0)
    site["factor"] = factor
    site["safety_stock"] = np.maximum(factor, 0.0) * spread
    return site[
        ["item_id", "site_id", "sigma", "mean_demand", "lead_time_months", "service_level", "factor", "safety_stock"]
    ]
