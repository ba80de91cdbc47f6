"""Gap analysis for the pre-S&OP: demand vs capacity (RCCP), plan vs budget, and the decisions to take, as data.

* capacity gaps: rough-cut load of the gross demand (`capacity_gaps`): resource x month rows whose load needs
  overtime or exceeds regular + overtime.
  value_at_stake = overload hours x the constrained plan's shadow price of that resource x month (EUR a further
  hour would save; 0 where the plan found a way round).
* budget gaps: `finance.vs_budget` by family x region over the months the budget covers (gap = plan - budget),
  rows with |gap_pct| >= threshold.
* decisions (decision, reason, value_at_stake EUR, owner_role, subject), largest value first:
  - per overloaded resource: add capacity or accept the shortfall (supply_planner), value = sum of capacity gaps;
  - per binding constraint of the plan's shortfalls: relieve it or accept the units late/lost (supply_planner),
    value = sum of units short x price;
  - per family below budget by more than the threshold: close the gap or revise the budget (sales),
    value = - revenue gap;
  - phase-out stock left (obsolescence risk) and stock beyond the excess cover: plan a run-out (finance).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from opensop.finance import vs_budget
from opensop.scenarios.run import ScenarioResult
from opensop.schema import PlanningData
from opensop.supply.capacity import capacity_table
from opensop.supply.coefficients import prices
from opensop.supply.inputs import horizon

BUDGET_THRESHOLD = 0.05
DECISION_COLUMNS = ["decision", "reason", "value_at_stake", "owner_role", "subject"]


@dataclass(frozen=True)
class GapAnalysis:
    capacity: pd.DataFrame  # resource_id, site_id, period, load, regular, overtime, overload, utilisation, ...
    budget: pd.DataFrame  # measure, family_id, region_id, plan, reference, gap, gap_pct, favourable
    decisions: pd.DataFrame  # DECISION_COLUMNS

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"decisions": self.decisions, "capacity_gaps": self.capacity, "budget_gaps": self.budget}


def capacity_gaps(data: PlanningData, demand: pd.DataFrame, result: ScenarioResult) -> pd.DataFrame:
    """Gross-demand rough-cut load per resource x month beyond regular capacity (module docstring).

    load_kt = sum_i d_it x usage_ik / n_i  over items i made on k (n_i plants make i, demand split equally),
    overtime_needed = clip(load - regular, 0, overtime), overload = max(0, load - regular - overtime).
    Demand is gross (no stock netting): the pre-S&OP question is whether capacity follows demand.
    """
    periods = horizon(data, demand, result.config)
    capacity, _ = capacity_table(data, periods)
    asked = demand.assign(period=pd.to_datetime(demand["period"]).astype("datetime64[ns]"))
    asked = asked[asked["period"].isin(periods)].astype({"item_id": str})
    asked = asked.groupby(["item_id", "period"], as_index=False).agg(quantity=("quantity", "sum"))
    routes = (
        data.routings[["item_id", "site_id", "resource_id", "usage_per_unit"]]
        .dropna()
        .astype({"item_id": str, "site_id": str, "resource_id": str})
    )
    plants = routes.groupby("item_id")["site_id"].transform("nunique")
    routes = routes.assign(usage=routes["usage_per_unit"] / plants)
    load = asked.merge(routes, on="item_id").assign(load=lambda f: f["quantity"] * f["usage"])
    load = load.groupby(["resource_id", "period"], as_index=False).agg(load=("load", "sum"))
    out = capacity.rename(columns={"resource": "resource_id", "site": "site_id"}).merge(
        load, on=["resource_id", "period"], how="left"
    )
    out["load"] = out["load"].fillna(0.0)
    extra = out["load"] - out["regular"]
    out["overtime_needed"] = extra.clip(lower=0.0).clip(upper=out["overtime"])
    out["overload"] = (extra - out["overtime"]).clip(lower=0.0)
    out["utilisation"] = out["load"] / out["regular"].where(out["regular"] > 0)
    out = out[(out["overtime_needed"] > 0) | (out["overload"] > 0)]
    columns = ["resource_id", "site_id", "kind", "period", "load", "regular", "overtime", "overtime_needed"]
    out = out[[*columns, "overload", "utilisation"]]
    if result.is_ok and len(out):
        out = out.merge(result.supply.capacity[["resource_id", "period", "shadow_price"]], how="left")
    out = out.assign(shadow_price=out.get("shadow_price", pd.Series(0.0, index=out.index)).fillna(0.0))
    return out.assign(value_at_stake=out["overload"] * out["shadow_price"]).reset_index(drop=True)


def _decisions(
    data: PlanningData, result: ScenarioResult, capacity: pd.DataFrame, budget: pd.DataFrame, threshold: float
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    over = capacity[capacity["overload"] > 0]
    for resource, group in over.groupby("resource_id"):
        months = ", ".join(pd.DatetimeIndex(group["period"]).strftime("%Y-%m"))
        rows.append(
            {
                "decision": f"Add capacity on {resource} (overtime, shift, subcontracting) or accept the shortfall",
                "reason": f"demand needs {group['overload'].sum():,.0f} h beyond regular + overtime in {months}",
                "value_at_stake": float(group["value_at_stake"].sum()),
                "owner_role": "supply_planner",
                "subject": str(resource),
            }
        )
    short = result.supply.shortfalls
    if len(short):
        short = short.assign(value=short["quantity"] * prices(data, short).to_numpy())
        for binding, group in short.groupby("binding"):
            rows.append(
                {
                    "decision": f"Relieve {binding} or accept the late / lost units",
                    "reason": f"{group['quantity'].sum():,.0f} units short ({group['lost'].sum():,.0f} lost) on "
                    f"{group['item_id'].nunique()} item(s); cheapest relief: {group['relief'].mode().iloc[0]}",
                    "value_at_stake": float(group["value"].sum()),
                    "owner_role": "supply_planner",
                    "subject": str(binding),
                }
            )
    revenue = budget[budget["measure"] == "revenue"].groupby("family_id", as_index=False)[["plan", "reference"]].sum()
    revenue["gap"] = revenue["plan"] - revenue["reference"]
    below = revenue[revenue["gap"] < -threshold * revenue["reference"]]
    rows.extend(
        {
            "decision": f"Close the revenue gap on family {row['family_id']} or revise its budget",
            "reason": f"plan {float(row['plan']):,.0f} EUR vs budget {float(row['reference']):,.0f} EUR "
            f"({100 * float(row['gap']) / float(row['reference']):+.1f} %)",
            "value_at_stake": -float(row["gap"]),
            "owner_role": "sales",
            "subject": str(row["family_id"]),
        }
        for row in below.to_dict("records")
    )
    kpis = result.kpis.set_index("kpi")["value"]
    for name, text in (
        ("obsolescence_value", "phase-out stock left when sales stop"),
        ("excess_value", "stock beyond the excess cover at the horizon's end"),
    ):
        value = float(kpis.get(name, 0.0))
        if value > 0:
            rows.append(
                {
                    "decision": "Plan a run-out (promotion, write-down, stop production) for the stock at risk",
                    "reason": text,
                    "value_at_stake": value,
                    "owner_role": "finance",
                    "subject": name,
                }
            )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "value_at_stake" else object) for c in DECISION_COLUMNS})
    out = pd.DataFrame(rows)[DECISION_COLUMNS]
    return out.sort_values("value_at_stake", ascending=False, kind="stable", ignore_index=True)


def gap_analysis(
    data: PlanningData, demand: pd.DataFrame, result: ScenarioResult, *, threshold: float = BUDGET_THRESHOLD
) -> GapAnalysis:
    """Capacity and budget gaps of one planned scenario and the decisions they call for.

    `data` and `demand` are the inputs the scenario planned from (`Scenario.prepare`), e.g. the base's.
    """
    capacity = capacity_gaps(data, demand, result)
    if result.is_ok and not data.budget.empty:
        full = vs_budget(result.finance, data.budget, by=("family_id", "region_id"))
    else:
        full = pd.DataFrame(columns=["measure", "family_id", "region_id", "plan", "reference", "gap", "gap_pct"])
    budget = full[full["gap_pct"].abs().fillna(1.0) >= threshold].reset_index(drop=True)
    return GapAnalysis(capacity, budget, _decisions(data, result, capacity, full, threshold))
