"""Why demand is not served: the binding constraint, its shadow price and the cheapest relief.

A shortfall (backlog or lost sale of p in region r from site s in month t) can only be caused by a limit that
binds in month t or earlier (earlier months could have built ahead). Candidates, valued per unit of p:

* resource k (at s, or at a site with a lane into s) in month t' <= t:   shadow_price_kt' x usage_pk
* supplier u of component c:     shadow_price_uct' x quantity_per_pc
* storage at s:                  shadow_price_st'

The binding constraint is the candidate of highest value; none at all in a frozen month means the frozen horizon
(only firm orders arrive), and elsewhere that the limit is economic: supplying the unit would cost more than the
shortfall's penalty. The relief is the cheapest option still open, with its cost per unit: overtime left on the
binding resource in a month t' <= t (overtime_cost x usage), building earlier in a month t' < t with spare regular
capacity on the binding resource (holding cost x months held) — both only with room to hold one more unit at every
month end from t' to t - 1 (stock below the product's max_stock) —, a transfer on a lane into s (lane cost), or
subcontracting (subcontract cost). With none open, the relief is to add the binding capacity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.supply.inputs import ModelInputs

EPS = 1e-6
# units: a smaller backlog or lost sale is solver arithmetic, and would be shown to planners as 0.00
MIN_SHORTFALL = 0.01
COLUMNS = [
    "item_id",
    "region_id",
    "site_id",
    "period",
    "backlog",
    "lost",
    "quantity",
    "binding",
    "binding_period",
    "shadow_price",
    "relief",
    "relief_cost",
]
# Per planning-level demand row (`demand_id`); `opensop.supply.extract.disaggregate` splits them to COLUMNS.
PRODUCT_COLUMNS = ["demand_id", *(c for c in COLUMNS if c not in ("item_id", "quantity"))]


def _best(candidates: list[pd.DataFrame], keys: list[str], value: str, largest: bool) -> pd.DataFrame:
    frame = pd.concat([c for c in candidates if len(c)], ignore_index=True) if any(len(c) for c in candidates) else None
    if frame is None:
        return pd.DataFrame(columns=[*keys, value])
    frame = frame.sort_values(value, ascending=not largest, kind="stable")
    return frame.drop_duplicates(keys)


def shortfalls(
    inputs: ModelInputs,
    service: pd.DataFrame,
    capacity: pd.DataFrame,
    duals: dict[str, pd.DataFrame],
    make: pd.DataFrame,
    inventory: pd.DataFrame,
) -> pd.DataFrame:
    """One row per planning-level shortfall (PRODUCT_COLUMNS), identified by its `demand_id`; `inventory` is the
    plan's month-end stock (product, site, t, quantity)."""
    keys = ["product", "region", "site", "t"]
    short = service[service["backlog"] + service["lost"] >= MIN_SHORTFALL][[*keys, "demand_id", "backlog", "lost"]]
    if short.empty:
        return pd.DataFrame(columns=PRODUCT_COLUMNS).astype({"demand_id": np.int64, "backlog": float, "lost": float})
    cause_keys = ["product", "site", "t"]
    cases = short[cause_keys].drop_duplicates()
    upstream = cases.merge(inputs.lanes[["from_site", "to_site"]], left_on="site", right_on="to_site")
    sources = pd.concat(
        [
            cases.assign(source=cases["site"]),
            upstream.assign(source=upstream["from_site"])[[*cause_keys]].assign(
                source=upstream["from_site"].to_numpy()
            ),
        ],
        ignore_index=True,
    )
    usage = inputs.usage.rename(columns={"site": "source"})
    res = sources.merge(usage, on=["product", "source"]).merge(
        duals["resource_capacity"].rename(columns={"t": "t_bind"}), on="resource"
    )
    res = res[(res["t_bind"] <= res["t"]) & (res["shadow_price"] > EPS)]
    res = res.assign(value=res["shadow_price"] * res["usage"], binding="resource " + res["resource"])
    sup = cases.merge(inputs.bom, on="product").merge(
        duals["supplier_capacity"].rename(columns={"t": "t_bind"}), on="component"
    )
    sup = sup[(sup["t_bind"] <= sup["t"]) & (sup["shadow_price"] > EPS)]
    sup = sup.assign(
        value=sup["shadow_price"] * sup["quantity_per"],
        binding="supplier " + sup["supplier"] + " (" + sup["component"] + ")",
    )
    sto = cases.merge(duals["storage"].rename(columns={"t": "t_bind"}), on="site")
    sto = sto[(sto["t_bind"] <= sto["t"]) & (sto["shadow_price"] > EPS)]
    sto = sto.assign(value=sto["shadow_price"], binding="storage " + sto["site"])
    columns = [*cause_keys, "t_bind", "value", "binding", "shadow_price"]
    causes = _best([res[[*columns, "resource"]], sup[columns], sto[columns]], cause_keys, "value", largest=True)
    causes = causes.reindex(columns=[*columns, "resource"]).astype({"resource": object, "binding": object})

    relief = _reliefs(inputs, cases, capacity, make, causes, _last_full(inputs, inventory))
    out = short.merge(causes, on=cause_keys, how="left").merge(relief, on=cause_keys, how="left")
    if inputs.frozen_months:
        until = inputs.periods[inputs.frozen_months - 1].strftime("%Y-%m")
        frozen = out["binding"].isna() & (out["t"] < inputs.frozen_months)
        out.loc[frozen, "binding"] = f"frozen horizon: only firm orders arrive until {until}"
        out.loc[frozen, "relief"] = "expedite or enlarge a firm order (an ERP decision, outside this plan)"
    out["binding"] = out["binding"].fillna("cost: supplying it costs more than the shortfall penalty")
    out["shadow_price"] = out["shadow_price"].astype(float).fillna(0.0)
    periods = pd.Series(inputs.periods)
    out["period"] = periods.reindex(out["t"].to_numpy()).to_numpy()
    bind = out["t_bind"].astype(float)
    out["binding_period"] = pd.Series(periods.reindex(bind.fillna(0).astype(int).to_numpy()).to_numpy()).where(
        bind.notna().to_numpy()
    )
    out["relief"] = out["relief"].fillna("add capacity on the binding constraint")
    out["relief_cost"] = out["relief_cost"].astype(float).fillna(out["shadow_price"])
    out = out.rename(columns={"region": "region_id", "site": "site_id"})
    return out[PRODUCT_COLUMNS].reset_index(drop=True)


def _last_full(inputs: ModelInputs, inventory: pd.DataFrame) -> pd.DataFrame:
    """product, site, t, last_full: the last month before t whose month-end stock is at the product's cap
    (max_stock, or the opening stock when above it, as in the LP), -1 when none: building in t' helps t only if
    t' > last_full."""
    cap = inputs.stock[["product", "site", "max_stock", "on_hand"]]
    held = inventory[["product", "site", "t", "quantity"]].merge(cap, on=["product", "site"])
    held = held.sort_values(["product", "site", "t"], kind="stable")
    full = held["quantity"] >= np.maximum(held["max_stock"], held["on_hand"]) - EPS
    held = held.assign(last_full=np.where(full, held["t"], -1))
    by = held.groupby(["product", "site"])["last_full"]
    held["last_full"] = by.cummax().groupby([held["product"], held["site"]]).shift(1).fillna(-1)
    return held[["product", "site", "t", "last_full"]]


def _reliefs(
    inputs: ModelInputs,
    cases: pd.DataFrame,
    capacity: pd.DataFrame,
    make: pd.DataFrame,
    causes: pd.DataFrame,
    last_full: pd.DataFrame,
) -> pd.DataFrame:
    """Cheapest open relief per (product, site, t): columns relief, relief_cost."""
    cap = capacity.rename(columns={"resource_id": "resource", "t": "t_cap"})
    cap = cap.assign(
        ot_left=cap["overtime_capacity"] - cap["overtime"],
        spare=cap["regular"] - cap["load"],
    )
    bound = causes[["product", "site", "t", "resource"]].dropna()
    per_unit = inputs.usage[inputs.usage["usage"] > 0][["product", "resource", "usage"]].drop_duplicates(
        ["product", "resource"]
    )
    used = bound.merge(per_unit, on=["product", "resource"]).merge(cap, on="resource")
    overtime = used[(used["t_cap"] <= used["t"]) & (used["ot_left"] > EPS)]
    overtime = overtime.merge(last_full, on=["product", "site", "t"], how="left").fillna({"last_full": -1})
    overtime = overtime[overtime["t_cap"] > overtime["last_full"]]
    overtime = overtime.assign(
        relief="overtime on " + overtime["resource"], relief_cost=overtime["overtime_cost"] * overtime["usage"]
    )
    earlier = cases.merge(causes[["product", "site", "t", "resource"]].dropna(), on=["product", "site", "t"])
    earlier = earlier.merge(cap, on="resource")
    earlier = earlier[(earlier["t_cap"] < earlier["t"]) & (earlier["spare"] > EPS)]
    earlier = earlier.merge(last_full, on=["product", "site", "t"], how="left").fillna({"last_full": -1})
    earlier = earlier[earlier["t_cap"] > earlier["last_full"]]
    earlier = earlier.merge(inputs.stock[["product", "site", "holding"]], on=["product", "site"])
    earlier = earlier.assign(
        relief="build earlier on " + earlier["resource"] + " in " + earlier["period"].dt.strftime("%Y-%m"),
        relief_cost=earlier["holding"] * (earlier["t"] - earlier["t_cap"]),
    )
    lanes = inputs.lanes.merge(inputs.stock[["product", "site"]].rename(columns={"site": "from_site"}), on="from_site")
    transfer = cases.merge(lanes.rename(columns={"to_site": "site"}), on=["product", "site"])
    transfer = transfer[transfer["t"] - transfer["lead_time"] >= 0]
    transfer = transfer.assign(relief="transfer from " + transfer["from_site"], relief_cost=transfer["cost"])
    sub = make.merge(inputs.make[["product", "site", "subcontract_cost", "subcontract_capacity"]])
    sub = sub[sub["subcontract_cost"].notna() & (sub["subcontract"] < sub["subcontract_capacity"] - EPS)]
    sub = cases.merge(sub[["product", "site", "t", "subcontract_cost"]], on=["product", "site", "t"])
    sub = sub.assign(relief="subcontract", relief_cost=sub["subcontract_cost"])
    columns = ["product", "site", "t", "relief", "relief_cost"]
    best = _best(
        [f[columns] for f in (overtime, earlier, transfer, sub)], ["product", "site", "t"], "relief_cost", False
    )
    return best[columns] if len(best) else pd.DataFrame(columns=columns).astype({"t": np.int64})
