"""Which site serves which demand: sourcing shares, else the plant(s) making the item.

A `sourcing` row (item, region, site, share) sends that share of the item's demand in the region to the site.
An item x region with no sourcing row is served by the plant making the item (per `routings`, or a `costs` row
at a plant); several such plants split it equally. Shares of one item x region are normalised to sum to 1.
"""

from __future__ import annotations

import pandas as pd

from opensop.schema import PlanningData


def _str(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].dropna().astype(str)


def make_pairs(data: PlanningData) -> pd.DataFrame:
    """item_id, site_id where the item can be made: a routing, or a costs row at a plant."""
    plants = data.sites.loc[data.sites["kind"] == "plant", "site_id"].astype(str)
    routed = _str(data.routings, ["item_id", "site_id"])
    costed = _str(data.costs, ["item_id", "site_id"])
    costed = costed[costed["site_id"].isin(set(plants))]
    return pd.concat([routed, costed], ignore_index=True).drop_duplicates().reset_index(drop=True)


def shares(data: PlanningData, pairs: pd.DataFrame) -> pd.DataFrame:
    """item_id, region_id, site_id, share for the given item x region pairs (pairs with no site are absent)."""
    pairs = pairs[["item_id", "region_id"]].drop_duplicates()
    sourcing = data.sourcing[["item_id", "region_id", "site_id", "share"]].dropna(subset=["item_id", "region_id"])
    sourcing = sourcing.astype({"item_id": str, "region_id": str, "site_id": str, "share": float})
    sourced = pairs.merge(sourcing, on=["item_id", "region_id"], how="inner")
    sourced = sourced[sourced["share"] > 0]
    rest = pairs.merge(sourced[["item_id", "region_id"]].drop_duplicates(), how="left", indicator=True)
    rest = rest[rest["_merge"] == "left_only"].drop(columns="_merge")
    by_plant = rest.merge(make_pairs(data), on="item_id", how="inner").assign(share=1.0)
    out = pd.concat([sourced, by_plant], ignore_index=True)
    total = out.groupby(["item_id", "region_id"])["share"].transform("sum")
    return out.assign(share=out["share"] / total)


def allocate(data: PlanningData, frame: pd.DataFrame, value_columns: tuple[str, ...] = ("quantity",)) -> pd.DataFrame:
    """Rows of `frame` (item_id, region_id, ...) times their serving sites, with a `share` column.

    `quantity`, if among `value_columns`, is multiplied by the share; other value columns are left as they are
    (e.g. a standard deviation, which the caller combines in quadrature). Rows with no site are dropped; see
    `unallocated`.
    """
    frame = frame.astype({"item_id": str, "region_id": str})
    out = frame.merge(shares(data, frame), on=["item_id", "region_id"], how="inner")
    if "quantity" in value_columns:
        out["quantity"] = out["quantity"].astype(float) * out["share"]
    return out


def unallocated(data: PlanningData, frame: pd.DataFrame) -> list[str]:
    """Item x region pairs of `frame` that no site serves (no sourcing row, no plant making the item)."""
    pairs = frame[["item_id", "region_id"]].astype(str).drop_duplicates()
    served = shares(data, pairs)[["item_id", "region_id"]].drop_duplicates()
    missing = pairs.merge(served, how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    return [f"{i} x {r}" for i, r in zip(missing["item_id"], missing["region_id"], strict=True)]
