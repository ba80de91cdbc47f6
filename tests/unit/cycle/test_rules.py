"""The pure cycle rules: transitions, permissions, step closing, horizon roll, plan hashing and waterfall."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from opensop.cycle.permissions import MATRIX, Action, Role, is_allowed, require
from opensop.cycle.plan_content import conform_measures, measure_hash, waterfall
from opensop.cycle.status import PLAN_TRANSITIONS, PlanStatus, check_editable, check_transition
from opensop.cycle.steps import (
    CYCLE_STEPS,
    CycleFacts,
    Output,
    StepName,
    check_can_close,
    check_period_against_data,
    due_date,
    roll_horizon,
)
from opensop.errors import InvalidRequest, InvalidTransition, NotAuthorized

ALL_FACTS = CycleFacts(
    period=date(2024, 12, 1),
    last_actuals=date(2024, 12, 1),
    has_dataset_load=True,
    live_measures=frozenset({"consensus_demand", "served", "revenue"}),
    has_submitted_version=True,
    has_approved_version=True,
    has_published_version=True,
)
NO_FACTS = CycleFacts(date(2024, 12, 1), None, False, frozenset(), False, False, False)


def test_every_status_has_a_row_and_the_lifecycle_reads_as_documented() -> None:
    assert set(PLAN_TRANSITIONS) == set(PlanStatus)
    path = [PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)
    check_transition(PlanStatus.SUBMITTED, PlanStatus.REJECTED)
    check_transition(PlanStatus.REJECTED, PlanStatus.SUBMITTED)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (PlanStatus.DRAFT, PlanStatus.APPROVED),
        (PlanStatus.APPROVED, PlanStatus.DRAFT),
        (PlanStatus.PUBLISHED, PlanStatus.APPROVED),
        (PlanStatus.SUPERSEDED, PlanStatus.PUBLISHED),
        (PlanStatus.REJECTED, PlanStatus.APPROVED),
    ],
)
def test_forbidden_transitions_raise(current: PlanStatus, target: PlanStatus) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(current, target)


@pytest.mark.parametrize("status", [s for s in PlanStatus if s is not PlanStatus.DRAFT])
def test_only_drafts_are_editable(status: PlanStatus) -> None:
    check_editable(PlanStatus.DRAFT)
    with pytest.raises(InvalidTransition):
        check_editable(status)


def test_matrix_covers_every_action_and_keeps_approval_with_executives() -> None:
    assert set(MATRIX) == set(Action)
    assert MATRIX[Action.APPROVE_PLAN] == {Role.EXECUTIVE}
    assert not is_allowed(Role.VIEWER, Action.COMMENT)
    assert is_allowed(Role.SALES, Action.EDIT_OVERRIDE)
    with pytest.raises(NotAuthorized, match="viewer role may not edit override"):
        require(Role.VIEWER, Action.EDIT_OVERRIDE)


def test_steps_close_in_order_by_their_owner_with_their_outputs() -> None:
    check_can_close(StepName.DATA_CUTOFF, role=Role.DEMAND_PLANNER, closed=frozenset(), facts=ALL_FACTS)
    with pytest.raises(InvalidTransition, match="before data_cutoff"):
        check_can_close(StepName.DEMAND_REVIEW, role=Role.DEMAND_PLANNER, closed=frozenset(), facts=ALL_FACTS)
    with pytest.raises(NotAuthorized):
        check_can_close(StepName.DATA_CUTOFF, role=Role.SALES, closed=frozenset(), facts=ALL_FACTS)
    closed = frozenset({StepName.DATA_CUTOFF})
    with pytest.raises(InvalidTransition, match="missing consensus"):
        check_can_close(StepName.DEMAND_REVIEW, role=Role.ADMIN, closed=closed, facts=NO_FACTS)
    with pytest.raises(InvalidTransition, match="already closed"):
        check_can_close(StepName.DATA_CUTOFF, role=Role.ADMIN, closed=closed, facts=ALL_FACTS)
    assert [s.requires for s in CYCLE_STEPS][-1] == (Output.PLAN_OF_RECORD,)


def test_the_data_cutoff_closes_only_on_the_actuals_of_the_cycle_month() -> None:
    stale = replace(ALL_FACTS, last_actuals=date(2024, 11, 1))
    with pytest.raises(InvalidTransition, match="latest load holds 2024-11") as refused:
        check_can_close(StepName.DATA_CUTOFF, role=Role.ADMIN, closed=frozenset(), facts=stale)
    assert refused.value.hint == "import the sales history through 2024-12"
    ahead = replace(ALL_FACTS, last_actuals=date(2025, 1, 1))
    with pytest.raises(InvalidTransition, match="latest load holds 2025-01") as refused:
        check_can_close(StepName.DATA_CUTOFF, role=Role.ADMIN, closed=frozenset(), facts=ahead)
    assert refused.value.hint == "this data belongs to a later cycle: open 2025-01"
    with pytest.raises(InvalidTransition, match="missing dataset_load"):
        check_can_close(StepName.DATA_CUTOFF, role=Role.ADMIN, closed=frozenset(), facts=NO_FACTS)


def test_the_reviews_close_on_a_live_draft_and_only_the_pre_sop_needs_a_submitted_version() -> None:
    """The working draft carries the consensus, then the supply plan, then the finance: no submission before the
    pre-S&OP (submitting at the demand review left a read-only version with no supply plan)."""
    draft_only = replace(
        ALL_FACTS, has_submitted_version=False, has_approved_version=False, has_published_version=False
    )
    closed: set[StepName] = set()
    for step in (StepName.DATA_CUTOFF, StepName.DEMAND_REVIEW, StepName.SUPPLY_REVIEW, StepName.FINANCIAL_REVIEW):
        check_can_close(step, role=Role.ADMIN, closed=frozenset(closed), facts=draft_only)
        closed.add(step)
    with pytest.raises(InvalidTransition, match="missing recommendation"):
        check_can_close(StepName.PRE_SOP, role=Role.ADMIN, closed=frozenset(closed), facts=draft_only)
    consensus_only = replace(draft_only, live_measures=frozenset({"consensus_demand"}))
    with pytest.raises(InvalidTransition, match="missing supply_plan"):
        check_can_close(
            StepName.SUPPLY_REVIEW,
            role=Role.ADMIN,
            closed=frozenset({StepName.DATA_CUTOFF, StepName.DEMAND_REVIEW}),
            facts=consensus_only,
        )


@pytest.mark.parametrize(
    ("period", "last", "refusal"),
    [
        (date(2024, 12, 1), date(2024, 12, 1), None),
        (date(2025, 1, 1), date(2024, 12, 1), None),
        (date(2024, 12, 1), None, None),
        (date(2024, 11, 1), date(2024, 12, 1), "would plan months that are history"),
        (date(2025, 2, 1), date(2024, 12, 1), "2 month\\(s\\) of demand unknown"),
        (date(2062, 12, 1), date(2024, 12, 1), "456 month\\(s\\) of demand unknown"),
    ],
)
def test_a_cycle_month_is_checked_against_the_latest_actuals(
    period: date, last: date | None, refusal: str | None
) -> None:
    if refusal is None:
        check_period_against_data(period, last)
    else:
        with pytest.raises(InvalidRequest, match=refusal):
            check_period_against_data(period, last)


def test_horizon_rolls_to_the_month_after_the_cycle_and_due_dates_fall_in_the_cycle_month() -> None:
    horizon = roll_horizon(date(2024, 12, 15), 18)
    assert (horizon.start, horizon.end, horizon.months) == (date(2025, 1, 1), date(2026, 6, 1), 18)
    assert due_date(date(2024, 12, 1), StepName.DATA_CUTOFF) == date(2024, 12, 3)
    assert due_date(date(2024, 12, 1), StepName.PUBLISHED) == date(2024, 12, 24)


def _measures(rows: list[tuple[str, str | None, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["measure", "family_id", "period", "value"])
    return conform_measures(frame, scenario="base")


def test_hash_ignores_row_order_and_sees_any_value_change() -> None:
    rows = [("production", "GRILL", "2025-01-01", 10.0), ("production", "POT", "2025-01-01", 0.1 + 0.2)]
    frame = _measures(rows)
    assert measure_hash(frame) == measure_hash(frame.iloc[::-1].reset_index(drop=True))
    changed = frame.copy()
    changed.loc[1, "value"] = 0.3
    assert measure_hash(changed) != measure_hash(frame)


def test_hash_sees_no_difference_between_zero_and_negative_zero() -> None:
    """A solver may return -0.0 where another run (or a database round trip) gives 0.0: same plan, same hash."""
    zero = _measures([("backlog", "GRILL", "2025-01-01", 0.0)])
    negative = _measures([("backlog", "GRILL", "2025-01-01", -0.0)])
    assert measure_hash(negative) == measure_hash(zero)
    assert measure_hash(_measures([("backlog", "GRILL", "2025-01-01", -1e-300)])) != measure_hash(zero)


def test_waterfall_deltas_by_measure_and_family_largest_first() -> None:
    base = _measures([("revenue", "GRILL", "2025-01-01", 100.0), ("revenue", "POT", "2025-01-01", 50.0)])
    compare = _measures(
        [
            ("revenue", "GRILL", "2025-01-01", 90.0),
            ("revenue", "POT", "2025-01-01", 80.0),
            ("revenue", None, "2025-02-01", 5.0),
        ]
    )
    out = waterfall(base, compare)
    assert out[["family_id", "base", "compare", "delta"]].to_dict(orient="records") == [
        {"family_id": "POT", "base": 50.0, "compare": 80.0, "delta": 30.0},
        {"family_id": "GRILL", "base": 100.0, "compare": 90.0, "delta": -10.0},
        {"family_id": "(none)", "base": 0.0, "compare": 5.0, "delta": 5.0},
    ]
