"""Supply review: requirements and rough-cut capacity, safety stock, the constrained supply LP, explanations.

plan(data, demand, config, *, safety_stock=None) -> SupplyPlan
cost_lines(data, config, *, production, purchases, ...) -> line, value   (recomputed, not read from the LP)
"""

from opensop.supply.costs import COST_LINES, cost_lines, objective_value
from opensop.supply.lp import SolveResult, SolveStatus
from opensop.supply.planner import SupplyPlan, Timings, plan
from opensop.supply.requirements import requirements, rough_cut_capacity
from opensop.supply.safety import safety_stock

__all__ = [
    "COST_LINES",
    "SolveResult",
    "SolveStatus",
    "SupplyPlan",
    "Timings",
    "cost_lines",
    "objective_value",
    "plan",
    "requirements",
    "rough_cut_capacity",
    "safety_stock",
]
