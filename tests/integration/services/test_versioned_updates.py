"""Decisions, assumptions and scenario definitions: a write on the version read is applied and audited once; a
write on a stale version is refused with the current values and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from opensop.cycle.status import AssumptionStatus, DecisionStatus
from opensop.errors import StaleWrite
from opensop.services import collaboration, scenario_definitions
from opensop.services.workspace import Workspace
from opensop.store.database import transaction
from opensop.store.tables import AuditEvent
from tests.integration.services.conftest import BOSS, PLANNER


def _updates(workspace: Workspace) -> list[tuple[str, str, dict[str, object] | None]]:
    with transaction(workspace.sessions) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("%_updated")).order_by(AuditEvent.id))
        return [(e.action, e.reason, e.new_value) for e in events]


def test_decision_update_then_stale_write(workspace: Workspace, cycle_id: int) -> None:
    decision = collaboration.add_decision(
        workspace, actor=BOSS, cycle_id=cycle_id, decision="Add a Saturday shift in May", owner="plant manager"
    )
    assert decision.row_version == 1
    done = collaboration.update_decision(
        workspace, actor=BOSS, decision_id=decision.id, expected_row_version=1, status=DecisionStatus.DONE,
        reason="shift agreed with the unions",
    )  # fmt: skip
    assert (done.status, done.row_version) == ("done", 2)
    with pytest.raises(StaleWrite) as stale:
        collaboration.update_decision(
            workspace, actor=BOSS, decision_id=decision.id, expected_row_version=1, owner="someone else"
        )
    assert stale.value.current["owner"] == "plant manager"
    assert stale.value.current["row_version"] == 2
    [(action, reason, new)] = _updates(workspace)
    assert (action, reason) == ("decision_updated", "shift agreed with the unions")
    assert new is not None
    assert new["status"] == "done"


def test_assumption_and_scenario_updates_carry_their_versions(workspace: Workspace, cycle_id: int) -> None:
    assumption = collaboration.add_assumption(
        workspace, actor=PLANNER, title="Steel +8 % in Q2", owner="purchasing", cycle_id=cycle_id
    )
    retired = collaboration.update_assumption(
        workspace, actor=PLANNER, assumption_id=assumption.id, expected_row_version=1, status=AssumptionStatus.RETIRED
    )
    assert (retired.status, retired.row_version) == ("retired", 2)
    scenario = scenario_definitions.create_scenario(workspace, actor=PLANNER, name="export up", levers={})
    changed = scenario_definitions.update_scenario(
        workspace, actor=PLANNER, scenario_id=scenario.id, expected_row_version=1, description="export +20 %"
    )
    assert (changed.description, changed.row_version) == ("export +20 %", 2)
    with pytest.raises(StaleWrite):
        scenario_definitions.update_scenario(
            workspace, actor=PLANNER, scenario_id=scenario.id, expected_row_version=1, description="lost"
        )
    assert [action for action, _, _ in _updates(workspace)] == ["assumption_updated", "scenario_updated"]
