"""Opening, cancelling and reopening cycles against the data, on SQLite and PostgreSQL: the month suggested comes
from the data, a far-future month is refused before anything is written, an administrator undoes an opening made
by mistake (the month is free again, the previous cycle reopens) and reopens a step closed too early."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from opensop.cycle.permissions import Role
from opensop.cycle.status import PlanStatus
from opensop.cycle.steps import StepName
from opensop.errors import InvalidRequest, InvalidTransition, NotAuthorized
from opensop.services import cycles, imports, plans
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.database import transaction
from tests.integration.services.conftest import BOSS, PLANNER, measures

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
ADMIN = Principal("admin", Role.ADMIN)


def _audit_count(workspace: Workspace) -> int:
    with transaction(workspace.sessions) as session:
        return repositories.table_row_counts(session)["audit_event"]


def test_the_month_comes_from_the_data_and_a_far_future_month_is_refused(workspace: Workspace) -> None:
    imports.import_dataset(workspace, TINY, actor="steward")  # actuals through 2024-10
    preview = cycles.preview_opening(workspace, actor=PLANNER)
    assert (preview.period, preview.horizon.start, preview.horizon.end) == (
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2026, 4, 1),
    )
    assert (preview.last_actuals, preview.closes, preview.allowed) == (date(2024, 10, 1), None, True)
    before = _audit_count(workspace)
    with pytest.raises(InvalidRequest, match="458 month\\(s\\) of demand unknown"):
        cycles.open_cycle(workspace, actor=PLANNER, period=date(2062, 12, 1))
    assert _audit_count(workspace) == before
    assert cycles.list_cycles(workspace, actor=PLANNER) == []
    first = cycles.open_cycle(workspace, actor=PLANNER).cycle
    assert first.period == date(2024, 10, 1)
    following = cycles.preview_opening(workspace, actor=PLANNER)
    assert (following.period, following.closes.id if following.closes else None) == (date(2024, 11, 1), first.id)
    assert following.open_steps == [step.value for step in StepName]


def test_an_admin_cancels_a_cycle_opened_by_mistake_and_the_previous_one_reopens(workspace: Workspace) -> None:
    imports.import_dataset(workspace, TINY, actor="steward")
    first = cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 10, 1)).cycle
    mistake = cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 11, 1)).cycle
    assert [c.status for c in cycles.list_cycles(workspace, actor=PLANNER)] == ["open", "closed"]
    with pytest.raises(NotAuthorized):
        cycles.cancel_cycle(workspace, actor=PLANNER, cycle_id=mistake.id, reason="typo")
    with pytest.raises(InvalidRequest, match="say why"):
        cycles.cancel_cycle(workspace, actor=ADMIN, cycle_id=mistake.id, reason=" ")
    with pytest.raises(InvalidTransition, match="only the latest cycle"):
        cycles.cancel_cycle(workspace, actor=ADMIN, cycle_id=first.id, reason="typo")
    cancelled = cycles.cancel_cycle(workspace, actor=ADMIN, cycle_id=mistake.id, reason="opened a month early")
    assert cancelled.cycle.status == "cancelled"
    listed = cycles.list_cycles(workspace, actor=PLANNER)
    assert [(c.id, c.status) for c in listed] == [(first.id, "open")]
    assert len(cycles.list_cycles(workspace, actor=PLANNER, cancelled=True)) == 2
    again = cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 11, 1)).cycle  # the month is free
    assert again.id != mistake.id
    version = plans.create_version(workspace, actor=PLANNER, cycle_id=again.id, measures=measures())
    plans.transition(workspace, actor=PLANNER, version_id=version.id, target=PlanStatus.SUBMITTED)
    plans.transition(workspace, actor=BOSS, version_id=version.id, target=PlanStatus.APPROVED)
    with pytest.raises(InvalidTransition, match="holds an approved plan"):
        cycles.cancel_cycle(workspace, actor=ADMIN, cycle_id=again.id, reason="too late")


def test_an_admin_reopens_a_step_and_the_later_ones_go_back_to_pending(workspace: Workspace) -> None:
    imports.import_dataset(workspace, TINY, actor="steward")
    cycle = cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 10, 1)).cycle
    cycles.close_step(workspace, actor=PLANNER, cycle_id=cycle.id, step=StepName.DATA_CUTOFF)
    with pytest.raises(NotAuthorized):
        cycles.reopen_step(workspace, actor=PLANNER, cycle_id=cycle.id, step=StepName.DATA_CUTOFF, reason="x")
    view = cycles.reopen_step(workspace, actor=ADMIN, cycle_id=cycle.id, step=StepName.DATA_CUTOFF, reason="wrong load")
    assert [s.status for s in view.steps] == ["open"] + ["pending"] * 6
    with pytest.raises(InvalidTransition, match="is not closed"):
        cycles.reopen_step(workspace, actor=ADMIN, cycle_id=cycle.id, step=StepName.DATA_CUTOFF, reason="again")
