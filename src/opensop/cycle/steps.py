"""The monthly cycle as explicit, ordered steps: who owns each, when it is due, and what it must produce.

A step closes only when the previous one is closed and its required outputs exist; the services gather the facts
(`CycleFacts`) from the store and these pure rules decide. Measure names are the plan-measure vocabulary the
engines write into plan versions (`consensus_demand`, `production`, `revenue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from opensop.cycle.permissions import Role
from opensop.errors import InvalidTransition, NotAuthorized

STATISTICAL_MEASURE = "statistical_demand"
CONSENSUS_MEASURE = "consensus_demand"
SUPPLY_MEASURE = "production"
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
    SUBMITTED_CONSENSUS = "submitted_consensus"
    SUBMITTED_SUPPLY_PLAN = "submitted_supply_plan"
    SUBMITTED_FINANCIAL_PLAN = "submitted_financial_plan"
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


STEPS: tuple[StepSpec, ...] = (
    StepSpec(StepName.DATA_CUTOFF, Role.DEMAND_PLANNER, 3, (Output.DATASET_LOAD,), "validated dataset frozen"),
    StepSpec(
        StepName.DEMAND_REVIEW, Role.DEMAND_PLANNER, 8, (Output.SUBMITTED_CONSENSUS,), "consensus demand submitted"
    ),
    StepSpec(
        StepName.SUPPLY_REVIEW, Role.SUPPLY_PLANNER, 12, (Output.SUBMITTED_SUPPLY_PLAN,), "constrained supply plan"
    ),
    StepSpec(StepName.FINANCIAL_REVIEW, Role.FINANCE, 15, (Output.SUBMITTED_FINANCIAL_PLAN,), "financial projection"),
    StepSpec(StepName.PRE_SOP, Role.DEMAND_PLANNER, 18, (Output.RECOMMENDATION,), "scenarios compared, recommendation"),
    StepSpec(StepName.EXECUTIVE_SOP, Role.EXECUTIVE, 22, (Output.APPROVED_PLAN,), "plan approved by the executives"),
    StepSpec(StepName.PUBLISHED, Role.EXECUTIVE, 24, (Output.PLAN_OF_RECORD,), "plan of record published"),
)
STEP_BY_NAME: dict[StepName, StepSpec] = {spec.name: spec for spec in STEPS}


@dataclass(frozen=True)
class CycleFacts:
    """What exists in a cycle, as the services found it in the store."""

    has_dataset_load: bool
    submitted_measures: frozenset[str]
    has_submitted_version: bool
    has_approved_version: bool
    has_published_version: bool


def produced(output: Output, facts: CycleFacts) -> bool:
    """Submitted means submitted or any later status: an approved consensus is still a submitted consensus."""
    checks = {
        Output.DATASET_LOAD: facts.has_dataset_load,
        Output.SUBMITTED_CONSENSUS: CONSENSUS_MEASURE in facts.submitted_measures,
        Output.SUBMITTED_SUPPLY_PLAN: SUPPLY_MEASURE in facts.submitted_measures,
        Output.SUBMITTED_FINANCIAL_PLAN: FINANCE_MEASURE in facts.submitted_measures,
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
    position = [spec.name for spec in STEPS].index(step)
    earlier = [spec.name for spec in STEPS[:position] if spec.name not in closed]
    if earlier:
        raise InvalidTransition(f"the {step.value} step cannot close before {earlier[0].value}")
    missing = missing_outputs(step, facts)
    if missing:
        raise InvalidTransition(
            f"the {step.value} step cannot close: missing {', '.join(m.value for m in missing)}",
            hint=STEP_BY_NAME[step].description,
        )


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


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
