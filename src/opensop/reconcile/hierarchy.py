"""Coherent forecasts at every level of item -> family -> category -> total, crossed with region.

The bottom series are item x region. The summing matrix S (levels stacked aggregates first, bottom last) maps
the bottom vector b to every node, y = S b. Given base forecasts y_hat at every node (independent forecasts of
the aggregates where available, else the sum of the bottom forecasts), reconciliation finds coherent bottom
forecasts b_tilde and returns y_tilde = S b_tilde, with hierarchicalforecast:

* MinTrace (default): b_tilde = (S' W^-1 S)^-1 S' W^-1 y_hat with W = diag(S 1) ("wls_struct", structural
  scaling: needs no in-sample residuals); non-negativity is imposed by hierarchicalforecast's quadratic program
  (MinTraceSparse, nonnegative=True) — sparse S keeps it linear in the number of series;
* BottomUp: b_tilde = bottom forecasts;
* TopDown: forecast proportions down the strict tree total -> region -> category x region -> family x region ->
  item x region (hierarchicalforecast's TopDown needs a strict tree; the cross levels category, family and item
  over all regions are then sums of the coherent bottom).

Bottom forecasts are clipped at 0 before reconciliation, and the result is non-negative by construction
(bottom-up and top-down from non-negative inputs, MinTrace by its constraint), and exactly coherent since every
level is S b_tilde.

Structural zeros (`zeros`: item x month outside the item's life, `opensop.demand.forecast.lifecycle_zeros`) stay
zero: MinTrace and top-down spread the gap between an aggregate's base forecast and its items' sum over every
item, a phase-out item after its end too (on the demo 485.9 units over 10 items). Those bottom cells are set to 0
after reconciliation and every level is S b_tilde again, so no level carries demand for an item not sold then.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hierarchicalforecast.methods import MinTraceSparse, TopDownSparse
from scipy import sparse

from opensop.config import ReconciliationMethod

KEY_COLUMNS = ["category_id", "family_id", "item_id", "region_id"]


@dataclass(frozen=True)
class Level:
    """A level of the crossed hierarchy; `keys` name its nodes (parents included: they are implied)."""

    name: str
    keys: tuple[str, ...]


CAT, FAM, ITEM, REG = "category_id", "family_id", "item_id", "region_id"
LEVELS: tuple[Level, ...] = (
    Level("total", ()),
    Level("region", (REG,)),
    Level("category", (CAT,)),
    Level("category_region", (CAT, REG)),
    Level("family", (CAT, FAM)),
    Level("family_region", (CAT, FAM, REG)),
    Level("item", (CAT, FAM, ITEM)),
    Level("item_region", (CAT, FAM, ITEM, REG)),
)
TREE = ("total", "region", "category_region", "family_region", "item_region")


@dataclass(frozen=True)
class ReconciledForecast:
    """levels: level, category_id, family_id, item_id, region_id (empty where aggregated), period, base,
    forecast. items: item_id, region_id, period, base, forecast (the coherent bottom level)."""

    levels: pd.DataFrame
    items: pd.DataFrame


def _nodes(bottom: pd.DataFrame, level: Level) -> tuple[pd.DataFrame, np.ndarray]:
    """Node keys of a level and the node index of every bottom series."""
    if not level.keys:
        return pd.DataFrame(index=[0]), np.zeros(len(bottom), dtype=np.int64)
    keys = list(level.keys)
    codes = bottom.groupby(keys, sort=True, dropna=False).ngroup().to_numpy()
    nodes = bottom[keys].drop_duplicates().sort_values(keys, ignore_index=True)
    return nodes, codes


def _base_values(
    given: pd.DataFrame, keys: list[str], nodes: pd.DataFrame, periods: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Base forecasts of one level aligned to its nodes x periods (NaN where not given)."""
    if not keys:
        total = given.groupby("period")["forecast"].sum().reindex(periods).to_numpy()
        return np.broadcast_to(total, shape).copy()
    pivot = given.pivot_table(index=keys, columns="period", values="forecast", aggfunc="sum").reindex(columns=periods)
    index = pd.MultiIndex.from_frame(nodes[keys]) if len(keys) > 1 else pd.Index(nodes[keys[0]])
    return pivot.reindex(index).to_numpy(dtype="float64")


def reconcile(
    forecast_frame: pd.DataFrame,
    hierarchy: pd.DataFrame,
    method: ReconciliationMethod = ReconciliationMethod.MIN_TRACE,
    *,
    base: pd.DataFrame | None = None,
    zeros: pd.DataFrame | None = None,
) -> ReconciledForecast:
    """Make item x region forecasts (item_id, region_id, period, forecast) coherent at every level.

    `base` optionally gives independent base forecasts of aggregate nodes: level, the level's key columns,
    period, forecast. Missing nodes take the sum of their bottom forecasts. `zeros` (item_id, period) are the
    structural zeros every region of the item keeps (module docstring).
    """
    fc = forecast_frame[["item_id", "region_id", "period", "forecast"]]
    fc = fc.merge(hierarchy[["item_id", "family_id", "category_id"]], on="item_id", how="left")
    fc[["family_id", "category_id"]] = fc[["family_id", "category_id"]].fillna("<none>")
    bottom = fc[KEY_COLUMNS].drop_duplicates().sort_values(["category_id", "family_id", "item_id", "region_id"])
    bottom = bottom.reset_index(drop=True)
    periods = np.sort(fc["period"].unique())
    wide = fc.pivot_table(index=["item_id", "region_id"], columns="period", values="forecast", aggfunc="sum")
    wide = wide.reindex(columns=periods).fillna(0.0)
    y_bottom = wide.reindex(pd.MultiIndex.from_frame(bottom[["item_id", "region_id"]])).fillna(0.0).to_numpy()
    y_bottom = np.clip(y_bottom, 0.0, None)
    n_b = len(bottom)

    blocks, node_frames, y_hats, tags = [], [], [], {}
    offset = 0
    for level in LEVELS:
        nodes, codes = _nodes(bottom, level)
        block = sparse.csr_matrix((np.ones(n_b), (codes, np.arange(n_b))), shape=(len(nodes), n_b))
        summed = block @ y_bottom
        if base is not None and level.name != "item_region":
            given = base[base["level"] == level.name]
            if len(given):
                values = _base_values(given, list(level.keys), nodes, periods, summed.shape)
                summed = np.where(np.isnan(values), summed, np.clip(values, 0.0, None))
        blocks.append(block)
        y_hats.append(summed)
        node_frames.append(nodes.assign(level=level.name))
        tags[level.name] = np.arange(offset, offset + len(nodes))
        offset += len(nodes)
    summing = sparse.vstack(blocks, format="csr")
    y_hat = np.vstack(y_hats)

    if method is ReconciliationMethod.BOTTOM_UP:
        b_tilde = y_bottom
    elif method is ReconciliationMethod.MIN_TRACE:
        # The closed form in float64 first; only when it goes negative, the (float32) non-negative QP.
        b_tilde = np.asarray(MinTraceSparse(method="wls_struct").fit_predict(S=summing, y_hat=y_hat)["mean"])[-n_b:]
        if b_tilde.min(initial=0.0) < 0:
            with warnings.catch_warnings():
                # hierarchicalforecast warns that it clips negative base forecasts; ours are clipped already.
                warnings.simplefilter("ignore", UserWarning)
                result = MinTraceSparse(method="wls_struct", nonnegative=True).fit_predict(S=summing, y_hat=y_hat)
            b_tilde = np.asarray(result["mean"])[-n_b:]
        b_tilde = np.clip(b_tilde.astype("float64"), 0.0, None)
    else:
        rows = np.concatenate([tags[name] for name in TREE])
        tree_tags, start = {}, 0
        for name in TREE:
            tree_tags[name] = np.arange(start, start + len(tags[name]))
            start += len(tags[name])
        result = TopDownSparse(method="forecast_proportions").fit_predict(
            S=summing[rows], y_hat=y_hat[rows], tags=tree_tags
        )
        b_tilde = np.clip(np.asarray(result["mean"])[-n_b:], 0.0, None)

    if zeros is not None and len(zeros):
        cells = pd.DataFrame({"item_id": zeros["item_id"].astype(str), "period": pd.to_datetime(zeros["period"])})
        dead = pd.DataFrame({"item_id": bottom["item_id"].astype(str), "row": np.arange(n_b)}).merge(cells)
        cols = pd.Index(pd.to_datetime(periods)).get_indexer(pd.Index(dead["period"]))
        keep = cols >= 0
        b_tilde = np.array(b_tilde, dtype="float64")
        b_tilde[dead["row"].to_numpy()[keep], cols[keep]] = 0.0
    coherent = summing @ b_tilde
    nodes_all = pd.concat(node_frames, ignore_index=True).reindex(columns=["level", *KEY_COLUMNS])
    n_nodes, n_periods = coherent.shape
    levels = nodes_all.loc[np.repeat(np.arange(n_nodes), n_periods)].reset_index(drop=True)
    levels["period"] = np.tile(periods, n_nodes)
    levels["base"] = y_hat.ravel()
    levels["forecast"] = coherent.ravel()
    items = levels[levels["level"] == "item_region"][["item_id", "region_id", "period", "base", "forecast"]]
    return ReconciledForecast(levels=levels, items=items.reset_index(drop=True))
