"""Promotions and known events: removed from history to get a baseline, added back to the forecast as uplifts.

An event row targets an item or a whole family, one region or all (empty region), in one month, with an uplift in
percent of the baseline (`uplift_pct`) and/or in units (`uplift_qty`). Expanded to the item x region cells it
touches, with q the observed (history) or baseline (forecast) quantity of a cell:

    history:   baseline = max(0, (q - qty_share) / (1 + pct / 100))
    forecast:  forecast = baseline * (1 + pct / 100) + qty_share,   event_uplift = forecast - baseline

Several events on one cell add their percentages and their quantities. `qty_share` splits an event's units
across its cells pro rata to q (evenly when all of them are 0), so a family-level promotion of 300 units adds
exactly 300 units in total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.schema.frames import CELL


def expand(events: pd.DataFrame, cells: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Event cells: item_id, region_id, period, event, uplift_pct, uplift_qty (the event's total units).

    `cells` (item_id, region_id, period) are the cells that exist (history or horizon); events outside them are
    dropped. `event` numbers the event rows so a quantity can be split across the cells it covers.
    """
    if events.empty or cells.empty:
        return pd.DataFrame(
            {
                "item_id": pd.Series(dtype="string"),
                "region_id": pd.Series(dtype="string"),
                "period": pd.Series(dtype="datetime64[ns]"),
                "event": pd.Series(dtype="int64"),
                "uplift_pct": pd.Series(dtype="float64"),
                "uplift_qty": pd.Series(dtype="float64"),
            }
        )
    ev = events.reset_index(drop=True).rename_axis("event").reset_index()
    ev["uplift_pct"] = ev["uplift_pct"].astype("float64").fillna(0.0)
    ev["uplift_qty"] = ev["uplift_qty"].astype("float64").fillna(0.0)
    family_of = items[["item_id", "family_id"]]
    by_item = ev[ev["item_id"].notna()].drop(columns="family_id")
    by_family = (
        ev[ev["item_id"].isna() & ev["family_id"].notna()].drop(columns="item_id").merge(family_of, on="family_id")
    )
    targeted = pd.concat([by_item, by_family.drop(columns="family_id")], ignore_index=True)
    cells = cells[CELL].drop_duplicates()
    with_region = targeted[targeted["region_id"].notna()].merge(cells, on=CELL)
    all_regions = (
        targeted[targeted["region_id"].isna()].drop(columns="region_id").merge(cells, on=["item_id", "period"])
    )
    out = pd.concat([with_region, all_regions], ignore_index=True)
    return out[[*CELL, "event", "uplift_pct", "uplift_qty"]]


def _allocate(expanded: pd.DataFrame, quantity: pd.Series) -> pd.DataFrame:
    """Per cell: summed pct, and each event's units split pro rata to `quantity` (evenly if all are 0)."""
    q = quantity.clip(lower=0.0).to_numpy()
    frame = expanded.assign(q=q)
    total = frame.groupby("event")["q"].transform("sum").to_numpy()
    count = frame.groupby("event")["q"].transform("size").to_numpy()
    share = np.where(total > 0, q / np.where(total > 0, total, 1.0), 1.0 / count)
    frame["qty_share"] = frame["uplift_qty"].to_numpy() * share
    return frame.groupby(CELL, as_index=False).agg(uplift_pct=("uplift_pct", "sum"), qty_share=("qty_share", "sum"))


def remove_from_history(history: pd.DataFrame, expanded: pd.DataFrame) -> pd.DataFrame:
    """history (item_id, region_id, period, quantity) + `baseline` and `event_uplift` (= quantity - baseline)."""
    out = history.copy()
    out["baseline"] = out["quantity"]
    out["event_uplift"] = 0.0
    if expanded.empty:
        return out
    cells = expanded.merge(out[[*CELL, "quantity"]], on=CELL, how="left")
    effect = _allocate(cells, cells["quantity"].fillna(0.0))
    out = out.merge(effect, on=CELL, how="left")
    pct = out["uplift_pct"].fillna(0.0)
    qty = out["qty_share"].fillna(0.0)
    factor = (1.0 + pct / 100.0).where(lambda f: f > 0, 1.0)
    out["baseline"] = ((out["quantity"] - qty) / factor).clip(lower=0.0)
    out["event_uplift"] = out["quantity"] - out["baseline"]
    return out.drop(columns=["uplift_pct", "qty_share"])


def add_to_forecast(forecast: pd.DataFrame, expanded: pd.DataFrame, value_columns: list[str]) -> pd.DataFrame:
    """forecast with `baseline` (the incoming `forecast`) and `event_uplift`; value columns become
    value * (1 + pct / 100) + qty_share, clipped at 0."""
    out = forecast.copy()
    out["baseline"] = out["forecast"]
    if expanded.empty:
        out["event_uplift"] = 0.0
        return out
    cells = expanded.merge(out[[*CELL, "forecast"]], on=CELL, how="left")
    effect = _allocate(cells, cells["forecast"].fillna(0.0))
    out = out.merge(effect, on=CELL, how="left")
    factor = 1.0 + out["uplift_pct"].fillna(0.0) / 100.0
    qty = out["qty_share"].fillna(0.0)
    for column in value_columns:
        out[column] = (out[column] * factor + qty).clip(lower=0.0)
    out["event_uplift"] = out["forecast"] - out["baseline"]
    return out.drop(columns=["uplift_pct", "qty_share"])
