"""Rich summaries of a planning run: what the demand and supply reviews would put on the meeting's first slide."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.table import Table

from opensop.cli.console import console
from opensop.finance import FinancialPlan, vs_budget
from opensop.kpi import KpiInputs, compute
from opensop.pipeline import CycleResult


def _euros(value: float) -> str:
    return f"{value / 1e6:,.2f} M€" if abs(value) >= 1e5 else f"{value:,.0f} €"


def print_demand_summary(result: CycleResult) -> None:
    forecast = result.require_forecast()
    selection = forecast.selection
    table = Table(title="Demand review: statistical forecast")
    for column in ("demand class", "series", "most chosen model", "median backtest error"):
        table.add_column(column)
    for demand_class, group in selection.groupby("demand_class", sort=True):
        models = group["model"].value_counts()
        metric = group["backtest_metric"].median()
        table.add_row(
            str(demand_class),
            str(len(group)),
            f"{models.index[0]} ({models.iloc[0]})" if len(models) else "",
            "" if pd.isna(metric) else f"{metric:.2f}",
        )
    console.print(table)
    horizon = forecast.forecast["period"]
    console.print(
        f"{len(selection)} series forecast over {horizon.nunique()} months "
        f"({horizon.min():%Y-%m} to {horizon.max():%Y-%m}); {len(forecast.warnings)} series warning(s)."
    )


def print_rough_cut_capacity(supply: dict[str, Any], *, top: int = 8) -> None:
    """The rough-cut overloads the plan run stored (`opensop.supply.requirements.rough_cut_overloads`)."""
    rows = supply.get("rough_cut", [])
    if not rows:
        console.print("Rough-cut capacity: no resource is asked more than regular plus overtime hours in any month.")
        return
    count = supply.get("rough_cut_count", len(rows))
    table = Table(title=f"Rough-cut capacity: {count} resource-months overloaded before any build-ahead")
    for column in ("resource", "month", "required", "regular", "overtime", "overload", "utilisation"):
        table.add_column(column, justify="left" if column in ("resource", "month") else "right")
    for row in rows[:top]:
        table.add_row(
            str(row["resource_id"]),
            str(row["period"])[:7],
            f"{row['load']:,.0f}",
            f"{row['regular']:,.0f}",
            f"{row['overtime']:,.0f}",
            f"{row['overload']:,.0f}",
            "" if row["utilisation"] is None else f"{row['utilisation']:.0%}",
        )
    console.print(table)


SERVICE_KPIS = ("fill_rate", "backlog_units", "lost_sales_units")


def service_summary(result: CycleResult) -> str:
    """The service sentence of the supply review, from the KPI catalogue (the figures of the KPI table and of the
    pages): units shipped late are not "on time"."""
    plan = result.require_supply()
    kpis = result.kpis
    if kpis is None:
        kpis = compute(KpiInputs(result.data, plan, FinancialPlan.empty()), names=SERVICE_KPIS)
    value = kpis.set_index("kpi")["value"]
    demand = float(plan.service["demand"].sum())
    return (
        f"Service: {value['fill_rate']:.1%} of {demand:,.0f} units served on time (fill rate); "
        f"backlog {value['backlog_units']:,.0f} unit-months, lost {value['lost_sales_units']:,.0f} units."
    )


def print_supply_summary(result: CycleResult, *, top: int = 8) -> None:
    plan = result.supply
    if plan is None:
        return
    if not plan.solve.is_ok:
        console.print(f"[red]Supply plan: {plan.solve.status}[/red] {'; '.join(plan.solve.conflicts)}")
        return
    costs = plan.costs.set_index("line")["value"]
    cost_table = Table(
        title=f"Supply review: cost of the plan ({plan.solve.status}, {plan.solve.runtime_seconds:.1f} s)"
    )
    cost_table.add_column("line")
    cost_table.add_column("value", justify="right")
    for line, value in costs.items():
        if value:
            cost_table.add_row(str(line), _euros(float(value)))
    console.print(cost_table)
    console.print(service_summary(result))
    capacity = plan.capacity
    peaks = capacity.sort_values(["utilisation", "shadow_price"], ascending=False).head(top)
    peak_table = Table(title="Capacity peaks (load vs regular capacity, shadow price of one more unit)")
    for column in ("resource", "month", "load", "regular", "overtime used", "utilisation", "shadow price"):
        peak_table.add_column(column, justify="right" if column not in ("resource", "month") else "left")
    for row in peaks.itertuples():
        peak_table.add_row(
            str(row.resource_id),
            f"{row.period:%Y-%m}",
            f"{row.load:,.0f}",
            f"{row.regular:,.0f}",
            f"{row.overtime:,.0f}",
            f"{row.utilisation:.0%}",
            f"{row.shadow_price:,.2f}",
        )
    console.print(peak_table)
    shortfalls = plan.shortfalls
    if shortfalls.empty:
        console.print("No shortfall: the consensus demand can be served.")
        return
    worst = shortfalls.sort_values("quantity", ascending=False).head(top)
    short_table = Table(title=f"Top shortfalls ({len(shortfalls)} item x region x month cells short)")
    for column in ("item", "region", "month", "short", "why (binding)", "shadow price", "cheapest relief"):
        short_table.add_column(column)
    for row in worst.itertuples():
        short_table.add_row(
            str(row.item_id),
            str(row.region_id),
            f"{row.period:%Y-%m}",
            f"{row.quantity:,.0f}",
            str(row.binding) + (f" ({str(row.binding_period)[:7]})" if pd.notna(row.binding_period) else ""),
            f"{row.shadow_price:,.2f}",
            str(row.relief),
        )
    console.print(short_table)


def print_finance_summary(result: CycleResult) -> None:
    """Revenue, margin and the gap to budget by family, and the KPI catalogue's values."""
    if result.finance is None or result.finance.lines.empty:
        return
    total = result.finance.total()
    console.print(
        f"Financial review: revenue {_euros(float(total['revenue']))}, gross margin "
        f"{_euros(float(total['gross_margin']))} ({float(total['margin_pct']):.1%}), plan cost "
        f"{_euros(float(total['plan_cost']))}."
    )
    gaps = vs_budget(result.finance, result.data.budget, by=["family_id"])
    revenue = gaps[gaps["measure"] == "revenue"].sort_values("gap")
    if not revenue.empty:
        table = Table(title="Revenue vs budget by family (gap = plan - budget)")
        for column in ("family", "plan", "budget", "gap", "gap %"):
            table.add_column(column, justify="left" if column == "family" else "right")
        for family, plan, reference, gap, gap_pct in revenue[
            ["family_id", "plan", "reference", "gap", "gap_pct"]
        ].itertuples(index=False, name=None):
            table.add_row(str(family), _euros(plan), _euros(reference), _euros(gap), f"{gap_pct:+.1%}")
        console.print(table)
    if result.kpis is not None:
        kpis = Table(title="Key performance indicators")
        for column in ("kpi", "value", "unit", "better"):
            kpis.add_column(column)
        for label, value, unit, better in result.kpis[["label", "value", "unit", "better"]].itertuples(
            index=False, name=None
        ):
            kpis.add_row(str(label), f"{value:,.2f}", str(unit), str(better))
        console.print(kpis)


def print_health(findings: list[dict[str, Any]], *, top: int = 12) -> None:
    """The plan health check stored with the version (`opensop.supply.health`): what to raise in the meeting."""
    if not findings:
        console.print("Plan health check: no finding.")
        return
    counts = pd.Series([finding["severity"] for finding in findings]).value_counts()
    table = Table(title="Plan health check: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
    for column in ("severity", "finding", "subject", "month", "detail"):
        table.add_column(column)
    for finding in findings[:top]:
        table.add_row(
            str(finding["severity"]),
            str(finding["code"]),
            str(finding["subject"]),
            str(finding["period"] or ""),
            str(finding["message"]),
        )
    console.print(table)
    if len(findings) > top:
        console.print(f"... and {len(findings) - top} more finding(s), stored with the plan version.")
