"""Financial review: plan frames -> revenue, COGS, margin, plan costs, inventory value and cash, gaps.

project(data, demand, supply_plan, config, *, investments=None) -> FinancialPlan
FinancialPlan.lines: line, family_id, region_id, site_id, period, value;  .summary(by) adds the derived lines
vs_budget(plan, budget, *, by) / vs_plan(plan, reference, *, by) -> gaps (gap = plan - reference)
"""

from opensop.finance.gaps import vs_budget, vs_plan
from opensop.finance.lines import (
    DIMENSIONS,
    LINES,
    PLAN_COST_LINES,
    Direction,
    Line,
    LineKind,
    aggregate,
    lines_catalogue,
    summary,
)
from opensop.finance.projection import FinancialPlan, project
from opensop.supply.coefficients import standard_costs

__all__ = [
    "DIMENSIONS",
    "LINES",
    "PLAN_COST_LINES",
    "Direction",
    "FinancialPlan",
    "Line",
    "LineKind",
    "aggregate",
    "lines_catalogue",
    "project",
    "standard_costs",
    "summary",
    "vs_budget",
    "vs_plan",
]
