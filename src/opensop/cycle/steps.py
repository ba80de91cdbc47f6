"""The monthly cycle as explicit, ordered steps: who owns each, when it is due, and what it must produce.

A step closes only when the previous one is closed and its required outputs exist; the services gather the facts
(`CycleFacts`) from the store and these pure rules decide. Measure names are the plan-measure vocabulary the
engines write into plan versions (`consensus_demand`, `served`, `revenue`); a test runs the real pipeline and
holds every rule to what it writes.

The reviews sign off their part of the cycle's working plan: demand, supply and financial review each close once
a live version of the cycle (a draft or any later status but rejected) holds their measures, so the same draft is
planned further by each owner in turn. Submitting is the pre-S&OP's output: the recommended version goes to the
executives, who approve it, then publish it as the plan of record.

The cycle's month is the month of its latest actuals (its data cut-off): the cycle of month M plans M+1 .. M+H,
with history through M. Opening a cycle for M is refused when the data already holds actuals after M (the plan
would start inside history) or when the latest actuals are older than M-1 (more than the cycle's own month is
missing); the data cut-off closes only once the load holds the actuals of M.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from opensop.cycle.permissions import Role
from opensop.errors import InvalidRequest, InvalidTransition, NotAuthorized
from opensop.periods import add_months, first_of_month, months_between

STATISTICAL_MEASURE = "statistical_demand"
CONSENSUS_MEASURE = "consensus_demand"
SUPPLY_MEASURE = "served"
FINANCE_MEASURE = "revenue"


class StepName(StrEnum):
    DATA_CUTOFF = "data_cutoff"
    DEMAND_REVIEW = "demand_review"
    SUPPLY_REVIEW = "supply_review"
    FINANCIAL_REVIEW = "financial_review"
    PRE_SOP = "pre_sop"
    EXECUTIVE_SOP = "executive_sop"
    PUBLISHED = "published"


class Output(StrEnum):
    """What a step must leave behind before it can close."""

    DATASET_LOAD = "dataset_load"
    CONSENSUS = "consensus"
    SUPPLY_PLAN = "supply_plan"
    FINANCIAL_PLAN = "financial_plan"
    RECOMMENDATION = "recommendation"
    APPROVED_PLAN = "approved_plan"
    PLAN_OF_RECORD = "plan_of_record"


@dataclass(frozen=True)
class StepSpec:
    name: StepName
    owner: Role
    due_day: int
    requires: tuple[Output, ...]
    description: str


CYCLE_STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        StepName.DATA_CUTOFF,
        Role.DEMAND_PLANNER,
        3,
        (Output.DATASET_LOAD,),
        "a validated dataset holding the actuals of the cycle's month",
    ),
    StepSpec(
        StepName.DEMAND_REVIEW,
        Role.DEMAND_PLANNER,
        8,
        (Output.CONSENSUS,),
        "a working plan with its consensus demand (create the working draft on the demand review page)",
    ),
    StepSpec(
        StepName.SUPPLY_REVIEW,
        Role.SUPPLY_PLANNER,
        12,
        (Output.SUPPLY_PLAN,),
        "a working plan with its constrained supply plan (run the plan on the supply review page)",
    ),
    StepSpec(
        StepName.FINANCIAL_REVIEW,
        Role.FINANCE,
        15,
        (Output.FINANCIAL_PLAN,),
        "a working plan with its financial projection (run the plan on the supply review page)",
    ),
    StepSpec(
        StepName.PRE_SOP,
        Role.DEMAND_PLANNER,
        18,
        (Output.RECOMMENDATION,),
        "the recommended plan version submitted to the executives",
    ),
    StepSpec(StepName.EXECUTIVE_SOP, Role.EXECUTIVE, 22, (Output.APPROVED_PLAN,), "plan approved by the executives"),
    StepSpec(StepName.PUBLISHED, Role.EXECUTIVE, 24, (Output.PLAN_OF_RECORD,), "plan of record published"),
)
STEP_BY_NAME: dict[StepName, StepSpec] = {spec.name: spec for spec in CYCLE_STEPS}


@dataclass(frozen=True)
class CycleFacts:
    """What exists in a cycle, as the services found it in the store. `period` is the cycle's month and
    `last_actuals` the latest month of sales history in the load the cycle plans from (None: no load)."""

    period: date
    last_actuals: date | None
    has_dataset_load: bool
    live_measures: frozenset[str]
    has_submitted_version: bool
    has_approved_version: bool
    has_published_version: bool


def produced(output: Output, facts: CycleFacts) -> bool:
    """Measures count in any live version (draft or later, not rejected); submitted means submitted or later."""
    checks = {
        Output.DATASET_LOAD: facts.has_dataset_load and facts.last_actuals == facts.period,
        Output.CONSENSUS: CONSENSUS_MEASURE in facts.live_measures,
        Output.SUPPLY_PLAN: SUPPLY_MEASURE in facts.live_measures,
        Output.FINANCIAL_PLAN: FINANCE_MEASURE in facts.live_measures,
        Output.RECOMMENDATION: facts.has_submitted_version,
        Output.APPROVED_PLAN: facts.has_approved_version,
        Output.PLAN_OF_RECORD: facts.has_published_version,
    }
    return checks[output]


def missing_outputs(step: StepName, facts: CycleFacts) -> list[Output]:
    return [output for output in STEP_BY_NAME[step].requires if not produced(output, facts)]


def check_can_close(step: StepName, *, role: Role, closed: frozenset[StepName], facts: CycleFacts) -> None:
    """Refuse closing out of order, by someone other than the owner (or an admin), or without the outputs."""
    if role not in (STEP_BY_NAME[step].owner, Role.ADMIN):
        raise NotAuthorized(
            f"the {step.value} step is owned by the {STEP_BY_NAME[step].owner.value} role",
            hint="ask the step owner to close it",
        )
    if step in closed:
        raise InvalidTransition(f"the {step.value} step is already closed")
    position = [spec.name for spec in CYCLE_STEPS].index(step)
    earlier = [spec.name for spec in CYCLE_STEPS[:position] if spec.name not in closed]
    if earlier:
        raise InvalidTransition(f"the {step.value} step cannot close before {earlier[0].value}")
    if step is StepName.DATA_CUTOFF and facts.has_dataset_load and facts.last_actuals != facts.period:
        found = f"{facts.last_actuals:%Y-%m}" if facts.last_actuals else "no sales history"
        raise InvalidTransition(
            f"the data_cutoff step cannot close: the cycle of {facts.period:%Y-%m} plans from the actuals of "
            f"{facts.period:%Y-%m}, and the latest load holds {found}",
            hint=f"import the sales history through {facts.period:%Y-%m}"
            if facts.last_actuals is None or facts.last_actuals < facts.period
            else f"this data belongs to a later cycle: open {facts.last_actuals:%Y-%m}",
        )
    missing = missing_outputs(step, facts)
    if missing:
        raise InvalidTransition(
            f"the {step.value} step cannot close: missing {', '.join(m.value for m in missing)}",
            hint=STEP_BY_NAME[step].description,
        )


def check_period_against_data(period: date, last_actuals: date | None) -> None:
    """Refuse a cycle month that the data contradicts (see the module docstring): a cycle behind the data would plan
    months that are already history; one more than a month ahead of it would plan with months of demand unknown.
    Without any data yet, any month may open: the data cut-off step then asks for its actuals."""
    if last_actuals is None:
        return
    last = first_of_month(last_actuals)
    if period < last:
        raise InvalidRequest(
            f"the data already holds the actuals of {last:%Y-%m}: a cycle for {period:%Y-%m} would plan months that "
            "are history",
            hint=f"open the cycle of {last:%Y-%m}, the month of the latest actuals",
        )
    if months_between(last, period) > 1:
        raise InvalidRequest(
            f"the latest actuals are those of {last:%Y-%m}: a cycle for {period:%Y-%m} would plan with "
            f"{months_between(last, period)} month(s) of demand unknown",
            hint=f"open {last:%Y-%m} or {add_months(last, 1):%Y-%m}, or import the later actuals first",
        )


def due_date(cycle_period: date, step: StepName) -> date:
    """Step due dates are calendar days into the cycle month (day 1 = the first of the month)."""
    return cycle_period + timedelta(days=STEP_BY_NAME[step].due_day - 1)


@dataclass(frozen=True)
class Horizon:
    start: date
    end: date

    @property
    def months(self) -> int:
        return months_between(self.start, self.end) + 1


def roll_horizon(cycle_period: date, horizon_months: int) -> Horizon:
    """A cycle run in month M plans M+1 .. M+horizon: the horizon rolls forward one month per cycle."""
    start = add_months(first_of_month(cycle_period), 1)
    return Horizon(start, add_months(start, horizon_months - 1))
