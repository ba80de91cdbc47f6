"""The constrained supply LP: one `define_*` function per variable or constraint family.

Indices: p product (item or family), s site, r region, k resource, c component, u supplier, l lane, t month.
Every flow is in units per month; stocks are end-of-month. The model is always a minimisation; for
Objective.MAX_MARGIN the shipments carry -price and lost sales no penalty (their margin is simply not earned),
so  -objective = revenue - costs.

    minimise  sum m_ps x + sc_ps sub + h_ps inv + pen_ps ssv + cost_l tr + price-based backlog and lost-sale costs
              + overtime_cost_k ot_kt + wage_k hc_kt + hire_k hire_kt + layoff_k fire_kt + cost_uc buy + h_c cinv

m_ps is the make cost: the full standard cost minus what the model pays on its own lines (components bought from
suppliers, labour paid per head), so no cost is counted twice (`opensop.supply.coefficients`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opensop.config import Objective, SupplyConfig
from opensop.supply.inputs import ModelInputs
from opensop.supply.lp import INF, LinearProgram


def link(
    rows: pd.DataFrame, variables: pd.DataFrame, on: list[str], coefficient: float = 1.0, column: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row position, var, coefficient) triplets joining rows to variables sharing the keys `on`.

    `variables` may carry a per-term coefficient `column` (multiplied by `coefficient`).
    """
    right = variables[[*on, "var", *([column] if column else [])]]
    merged = rows[[*on, "pos"]].merge(right, on=on, how="inner")
    values = coefficient * (merged[column].to_numpy(dtype=float) if column else np.ones(len(merged)))
    return merged["pos"].to_numpy(), merged["var"].to_numpy(), values


def stock_terms(rows: pd.DataFrame, stock: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """+stock_t - stock_t-1 for rows declared on the same key lattice, in the same order, as the `stock` variables.

    Both are series-major and month-minor with every month present (`_periods`, or the sorted demand lattice),
    so the term is positional: row i meets variable i, and variable i - 1 when t > 0. No join needed.
    """
    t = rows["t"].to_numpy()
    var = stock["var"].to_numpy()
    if len(var) != len(t) or not np.array_equal(stock["t"].to_numpy(), t):
        raise ValueError("stock_terms: rows and stock variables are not on the same month lattice")
    pos = np.arange(len(t))
    carried = pos[t > 0]
    return [(pos, var, np.ones(len(pos))), (carried, var[carried - 1], -np.ones(len(carried)))]


def _rows(keys: pd.DataFrame) -> pd.DataFrame:
    out = keys.reset_index(drop=True).copy()
    out["pos"] = np.arange(len(out))
    return out


def _periods(frame: pd.DataFrame, horizon: int) -> pd.DataFrame:
    return frame.merge(pd.DataFrame({"t": np.arange(horizon)}), how="cross")


def define_variables(lp: LinearProgram, inputs: ModelInputs, config: SupplyConfig) -> None:
    """Decision variables with their bounds and unit costs.

    x_pst >= 0 (make), 0 <= sub_pst <= subcontract_capacity, 0 <= inv_pst <= max_stock_p (>= end target in the
    last month), 0 <= ssv_pst <= SS_ps (costing the unit price more in the last month: valued end stock),
    tr_plt >= 0 (only if it arrives within the horizon), ship, lost >= 0,
    0 <= back_prst <= sum of the last W months' demand (W = max_backlog_months; 0 when backlog is off or in the
    last month if it must be cleared), 0 <= ot_kt <= overtime capacity (machines), min <= hc_kt <= max (labour),
    hire, fire >= 0, buy_ucst >= 0 for receipt months t >= lead time, cinv_cst >= 0.
    Frozen horizon: x, sub and buy are 0 in the months t < F, where only firm orders (open supply) arrive.
    No routing: x_pst = 0 where p has no routing at a site whose resources are modelled (no invented capacity).
    """
    horizon = len(inputs.periods)
    make = _periods(inputs.make[["product", "site", "make_cost", "routed"]], horizon)
    open_to_plan = ((make["t"] >= inputs.frozen_months) & make["routed"]).to_numpy()
    lp.add_variables(
        "make",
        make[["product", "site", "t"]],
        upper=np.where(open_to_plan, INF, 0.0),
        cost=make["make_cost"].to_numpy(),
    )
    sub = inputs.make[inputs.make["subcontract_cost"].notna()]
    sub = _periods(sub, horizon)
    lp.add_variables(
        "subcontract",
        sub[["product", "site", "t"]],
        upper=np.where(sub["t"] >= inputs.frozen_months, sub["subcontract_capacity"].to_numpy(), 0.0),
        cost=sub["subcontract_cost"].to_numpy(),
    )
    stock = _periods(inputs.stock, horizon)
    last = (stock["t"] == horizon - 1).to_numpy()
    # A plan cannot be asked to destroy stock: the cap is at least the opening stock (a family's opening stock
    # can exceed its items' caps split by demand weights), and the end target at most the cap.
    upper = np.maximum(stock["max_stock"].to_numpy(), stock["on_hand"].to_numpy())
    lp.add_variables(
        "inventory",
        stock[["product", "site", "t"]],
        lower=np.where(last, np.minimum(stock["end_target"].to_numpy(), upper), 0.0),
        upper=upper,
        cost=stock["holding"].to_numpy(),
    )
    ss = stock[stock["safety_stock"] > 0]
    lp.add_variables(
        "safety_shortfall",
        ss[["product", "site", "t"]],
        upper=ss["safety_stock"].to_numpy(),
        cost=ss["ss_penalty"].to_numpy() + np.where(ss["t"] == horizon - 1, ss["end_value"].to_numpy(), 0.0),
    )
    define_transfer_variables(lp, inputs)
    define_service_variables(lp, inputs, config)
    define_resource_variables(lp, inputs)
    buy = inputs.suppliers.merge(inputs.component_stock[["component", "site"]], on="component")
    buy = _periods(buy, horizon)
    buy = buy[buy["t"] >= buy["lead_time"]]
    lp.add_variables(
        "purchase",
        buy[["supplier", "component", "site", "t"]],
        upper=np.where(buy["t"] >= inputs.frozen_months, INF, 0.0),
        cost=buy["unit_cost"].to_numpy(),
    )
    cstock = _periods(inputs.component_stock, horizon)
    lp.add_variables("component_inventory", cstock[["component", "site", "t"]], cost=cstock["holding"].to_numpy())


def define_transfer_variables(lp: LinearProgram, inputs: ModelInputs) -> None:
    """tr_plt: units of p shipped on lane l in month t, arriving in t + lead_l <= H - 1; cost per unit of the lane."""
    stocked = inputs.stock[["product", "site"]]
    pairs = inputs.lanes.merge(stocked.rename(columns={"site": "from_site"}), on="from_site")
    pairs = pairs.merge(stocked.rename(columns={"site": "to_site"}), on=["product", "to_site"])
    pairs = _periods(pairs, len(inputs.periods))
    pairs = pairs[pairs["t"] + pairs["lead_time"] <= len(inputs.periods) - 1]
    lp.add_variables("transfer", pairs[["product", "lane", "t"]], cost=pairs["cost"].to_numpy())


def define_service_variables(lp: LinearProgram, inputs: ModelInputs, config: SupplyConfig) -> None:
    """ship, back, lost per p x r x s x t; back_t <= sum_{k=t-W+1..t} d_k (+ opening backorders while t < W)."""
    horizon = len(inputs.periods)
    demand = inputs.demand  # sorted by product, region, site, t: extract reads ship, backlog and lost by position
    keys = ["product", "region", "site"]
    margin = config.objective is Objective.MAX_MARGIN
    ship_cost = -demand["price"].to_numpy() if margin else 0.0
    lp.add_variables("ship", demand[[*keys, "t"]], cost=ship_cost)
    cumulative = demand.groupby(keys)["quantity"].cumsum()
    lagged = demand[[*keys, "t"]].assign(cum=cumulative)
    window_start = demand[[*keys, "t"]].assign(t=demand["t"] - demand["window"])
    older = window_start.merge(lagged, on=[*keys, "t"], how="left")["cum"].fillna(0.0).to_numpy()
    opening = demand[keys].merge(inputs.backorders, on=keys, how="left")["quantity"].fillna(0.0).to_numpy()
    window = demand["window"].to_numpy()
    upper = cumulative.to_numpy() - older + np.where(demand["t"].to_numpy() < window, opening, 0.0)
    if not config.allow_backlog:
        upper = np.zeros(len(demand))
    if config.clear_backlog_at_end:
        upper = np.where(demand["t"].to_numpy() == horizon - 1, 0.0, upper)
    lp.add_variables("backlog", demand[[*keys, "t"]], upper=upper, cost=demand["backlog_cost"].to_numpy())
    lost_cost = 0.0 if margin else demand["lost_penalty"].to_numpy()
    lp.add_variables("lost", demand[[*keys, "t"]], cost=lost_cost)


def define_resource_variables(lp: LinearProgram, inputs: ModelInputs) -> None:
    """ot_kt (overtime hours; machines bounded by the calendar, labour by the headcount), hc_kt, hire_kt, fire_kt."""
    cap = inputs.capacity
    lp.add_variables(
        "overtime",
        cap[["resource", "t"]],
        upper=np.where(cap["labour"], INF, cap["overtime"]),
        cost=cap["overtime_cost"].to_numpy(),
    )
    staff = _periods(inputs.workforce, len(inputs.periods))
    keys = staff[["resource", "t"]]
    lp.add_variables(
        "headcount",
        keys,
        lower=staff["min_headcount"].to_numpy(),
        upper=staff["max_headcount"].to_numpy(),
        cost=staff["wage"].to_numpy(),
    )
    lp.add_variables("hire", keys, cost=staff["hire_cost"].to_numpy())
    lp.add_variables("layoff", keys, cost=staff["layoff_cost"].to_numpy())


def define_inventory_balance(lp: LinearProgram, inputs: ModelInputs) -> None:
    """inv_pst - inv_ps,t-1 - x_pst - sub_pst - sum_{l into s} tr_pl,t-lead + sum_{l out of s} tr_plt
    + sum_r ship_prst = on_hand_ps [t = 0] + open receipts_pst."""
    v = lp.variables
    rows = _rows(_periods(inputs.stock[["product", "site"]], len(inputs.periods)))
    tr = v["transfer"].merge(inputs.lanes[["lane", "from_site", "to_site", "lead_time"]], on="lane")
    arrive = tr.assign(site=tr["to_site"], t=tr["t"] + tr["lead_time"])
    depart = tr.assign(site=tr["from_site"])
    on = ["product", "site", "t"]
    terms = [
        *stock_terms(rows, v["inventory"]),
        link(rows, v["make"], on, -1.0),
        link(rows, v["subcontract"], on, -1.0),
        link(rows, arrive, on, -1.0),
        link(rows, depart, on, 1.0),
        link(rows, v["ship"], on, 1.0),
    ]
    rhs = rows[on].merge(inputs.receipts, on=on, how="left")["quantity"].fillna(0.0).to_numpy()
    opening = np.repeat(inputs.stock["on_hand"].to_numpy(dtype=float), len(inputs.periods))
    rhs = rhs + np.where(rows["t"].to_numpy() == 0, opening, 0.0)
    lp.add_constraints("inventory_balance", rows.drop(columns="pos"), terms, lower=rhs, upper=rhs)


def define_backlog_balance(lp: LinearProgram, inputs: ModelInputs) -> None:
    """back_prst - back_prs,t-1 + ship_prst + lost_prst = d_prst + backorders_prs [t = 0]."""
    v = lp.variables
    keys = ["product", "region", "site", "t"]
    rows = _rows(v["ship"][keys])  # ship, backlog and lost are declared on the rows of inputs.demand, in order
    demand = inputs.demand["quantity"].to_numpy(dtype=float)
    opening = rows[keys[:3]].merge(inputs.backorders, on=keys[:3], how="left")["quantity"].fillna(0.0).to_numpy()
    rhs = demand + np.where(rows["t"].to_numpy() == 0, opening, 0.0)
    pos = rows["pos"].to_numpy()
    ones = np.ones(len(pos))
    terms = [
        *stock_terms(rows, v["backlog"]),
        (pos, v["ship"]["var"].to_numpy(), ones),
        (pos, v["lost"]["var"].to_numpy(), ones),
    ]
    lp.add_constraints("backlog_balance", rows.drop(columns="pos"), terms, lower=rhs, upper=rhs)


def firm_hours(inputs: ModelInputs) -> np.ndarray:
    """f_kt on the rows of inputs.capacity: the hours firm production orders take, at most what the resource can
    give in the month (machines: regular + overtime; labour: max headcount x (hours + max overtime)), so a firm
    order book beyond capacity leaves the plan nothing rather than making it infeasible (the capacity frame
    still shows the whole firm load)."""
    cap = inputs.capacity
    firm = cap[["resource", "t"]].merge(inputs.firm_load, on=["resource", "t"], how="left")["load"].fillna(0.0)
    most_staff = cap[["resource"]].merge(inputs.workforce[["resource", "max_headcount"]], on="resource", how="left")
    labour_most = most_staff["max_headcount"].fillna(np.inf).to_numpy() * (cap["hours"] + cap["max_overtime"])
    most = np.where(cap["labour"], labour_most, cap["regular"] + cap["overtime"])
    return np.asarray(np.minimum(firm.to_numpy(), most), dtype=float)


def define_resource_capacity(lp: LinearProgram, inputs: ModelInputs) -> None:
    """sum_p usage_psk x_pst - ot_kt <= regular_kt - f_kt (machines);
    sum_p usage_psk x_pst - ot_kt - hours_kt hc_kt <= -f_kt (labour: capacity is headcount x hours),
    f_kt the hours firm production orders take (`firm_hours`): the plan makes only what they leave."""
    v = lp.variables
    cap = inputs.capacity
    rows = _rows(cap[["resource", "t"]])
    load = v["make"].merge(inputs.usage, on=["product", "site"])
    hours = v["headcount"].merge(cap[["resource", "t", "hours"]], on=["resource", "t"])
    terms = [
        link(rows, load, ["resource", "t"], 1.0, "usage"),
        link(rows, v["overtime"], ["resource", "t"], -1.0),
        link(rows, hours, ["resource", "t"], -1.0, "hours"),
    ]
    upper = np.where(cap["labour"], 0.0, cap["regular"]) - firm_hours(inputs)
    lp.add_constraints("resource_capacity", rows.drop(columns="pos"), terms, upper=upper)


def define_labour(lp: LinearProgram, inputs: ModelInputs) -> None:
    """ot_kt - max_overtime_per_worker_k hc_kt <= 0;  hc_kt - hc_k,t-1 - hire_kt + fire_kt = headcount_k [t = 0]."""
    v = lp.variables
    keys = ["resource", "t"]
    rows = _rows(v["headcount"][keys])
    per_worker = v["headcount"].merge(inputs.capacity[[*keys, "max_overtime"]], on=keys)
    terms = [link(rows, v["overtime"], keys, 1.0), link(rows, per_worker, keys, -1.0, "max_overtime")]
    lp.add_constraints("labour_overtime", rows.drop(columns="pos"), terms, upper=0.0)
    terms = [
        *stock_terms(rows, v["headcount"]),
        link(rows, v["hire"], keys, -1.0),
        link(rows, v["layoff"], keys, 1.0),
    ]
    start = rows[["resource"]].merge(inputs.workforce, on="resource", how="left")["headcount"].to_numpy()
    rhs = np.where(rows["t"].to_numpy() == 0, start, 0.0)
    lp.add_constraints("headcount_balance", rows.drop(columns="pos"), terms, lower=rhs, upper=rhs)


def define_component_balance(lp: LinearProgram, inputs: ModelInputs) -> None:
    """cinv_cst - cinv_cs,t-1 - sum_u buy_ucst + sum_p q_pc x_pst = on_hand_cs [t = 0] + open receipts_cst."""
    v = lp.variables
    on = ["component", "site", "t"]
    rows = _rows(_periods(inputs.component_stock[["component", "site"]], len(inputs.periods)))
    use = v["make"].merge(inputs.bom, on="product")
    terms = [
        *stock_terms(rows, v["component_inventory"]),
        link(rows, v["purchase"], on, -1.0),
        link(rows, use, on, 1.0, "quantity_per"),
    ]
    rhs = rows[on].merge(inputs.component_receipts, on=on, how="left")["quantity"].fillna(0.0).to_numpy()
    opening = rows[["component", "site"]].merge(inputs.component_stock, on=["component", "site"])["on_hand"]
    rhs = rhs + np.where(rows["t"].to_numpy() == 0, opening.to_numpy(), 0.0)
    lp.add_constraints("component_balance", rows.drop(columns="pos"), terms, lower=rhs, upper=rhs)


def define_supplier_capacity(lp: LinearProgram, inputs: ModelInputs) -> None:
    """sum_s buy_ucst <= monthly_capacity_uc (receipts per month; suppliers with a finite capacity only)."""
    limited = inputs.suppliers[np.isfinite(inputs.suppliers["capacity"])]
    rows = _rows(_periods(limited[["supplier", "component"]], len(inputs.periods)))
    rows = rows.merge(lp.variables["purchase"][["supplier", "component", "t"]].drop_duplicates())
    rows["pos"] = np.arange(len(rows))
    upper = rows.merge(limited, on=["supplier", "component"], how="left")["capacity"].to_numpy()
    terms = [link(rows, lp.variables["purchase"], ["supplier", "component", "t"], 1.0)]
    lp.add_constraints("supplier_capacity", rows.drop(columns="pos"), terms, upper=upper)


def define_storage(lp: LinearProgram, inputs: ModelInputs) -> None:
    """sum_p inv_pst <= storage_capacity_s."""
    rows = _rows(_periods(inputs.storage[["site"]], len(inputs.periods)))
    upper = rows.merge(inputs.storage, on="site", how="left")["capacity"].to_numpy()
    lp.add_constraints(
        "storage", rows.drop(columns="pos"), [link(rows, lp.variables["inventory"], ["site", "t"], 1.0)], upper=upper
    )


def define_safety_stock(lp: LinearProgram, inputs: ModelInputs) -> None:
    """inv_pst + ssv_pst >= SS_ps: the shortfall below the target is allowed but penalised per unit-month."""
    on = ["product", "site", "t"]
    rows = _rows(lp.variables["safety_shortfall"][on])
    lower = rows.merge(inputs.stock, on=["product", "site"], how="left")["safety_stock"].to_numpy()
    terms = [link(rows, lp.variables["inventory"], on, 1.0), link(rows, lp.variables["safety_shortfall"], on, 1.0)]
    lp.add_constraints("safety_stock", rows.drop(columns="pos"), terms, lower=lower)


def build(inputs: ModelInputs, config: SupplyConfig) -> LinearProgram:
    """The whole model: variables, then each constraint family."""
    lp = LinearProgram()
    define_variables(lp, inputs, config)
    define_inventory_balance(lp, inputs)
    define_backlog_balance(lp, inputs)
    define_resource_capacity(lp, inputs)
    define_labour(lp, inputs)
    define_component_balance(lp, inputs)
    define_supplier_capacity(lp, inputs)
    define_storage(lp, inputs)
    define_safety_stock(lp, inputs)
    return lp
