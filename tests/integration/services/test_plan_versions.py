"""Plan versions in the services: permissions enforced there, immutability, hash verification, supersession."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from opensop.cycle.status import PlanStatus
from opensop.errors import InvalidTransition, NotAuthorized
from opensop.services import plans
from opensop.services.audit_log import query_audit
from opensop.services.plans import ContentHashMismatch
from opensop.services.workspace import Workspace
from opensop.store.cycle_tables import PlanMeasure, PlanVersion
from opensop.store.database import transaction
from tests.integration.services.conftest import BOSS, PLANNER, SALES, VIEWER, measures


def test_services_refuse_roles_outside_the_matrix(workspace: Workspace, cycle_id: int, draft: PlanVersion) -> None:
    with pytest.raises(NotAuthorized):
        plans.create_version(workspace, actor=SALES, cycle_id=cycle_id, measures=measures())
    with pytest.raises(NotAuthorized):
        plans.transition(workspace, actor=PLANNER, version_id=draft.id, target=PlanStatus.APPROVED)
    assert plans.get_version(workspace, actor=VIEWER, version_id=draft.id).status == "draft"


def test_approved_content_is_immutable_and_verified_on_read(workspace: Workspace, draft: PlanVersion) -> None:
    plans.transition(workspace, actor=PLANNER, version_id=draft.id, target=PlanStatus.SUBMITTED)
    approved = plans.transition(workspace, actor=BOSS, version_id=draft.id, target=PlanStatus.APPROVED)
    with pytest.raises(InvalidTransition):
        plans.replace_measures(workspace, actor=PLANNER, version_id=draft.id, measures=measures(2.0))
    content = plans.read_content(workspace, actor=VIEWER, version_id=draft.id)
    assert sorted(content.measures["value"]) == [50.0, 90.0, 100.0]
    assert content.version.content_hash == approved.content_hash
    with transaction(workspace.sessions) as session:  # someone edits the table behind the application
        session.execute(
            update(PlanMeasure)
            .where(PlanMeasure.plan_version_id == draft.id, PlanMeasure.value == 50.0)
            .values(value=51.0)
        )
    with pytest.raises(ContentHashMismatch):
        plans.read_content(workspace, actor=VIEWER, version_id=draft.id)
    with pytest.raises(ContentHashMismatch):
        plans.transition(workspace, actor=BOSS, version_id=draft.id, target=PlanStatus.PUBLISHED)


def test_publishing_supersedes_the_previous_plan_of_record(workspace: Workspace, cycle_id: int) -> None:
    ids = []
    for scale in (1.0, 1.1):
        version = plans.create_version(workspace, actor=PLANNER, cycle_id=cycle_id, measures=measures(scale))
        for who, target in ((PLANNER, PlanStatus.SUBMITTED), (BOSS, PlanStatus.APPROVED), (BOSS, PlanStatus.PUBLISHED)):
            plans.transition(workspace, actor=who, version_id=version.id, target=target)
        ids.append(version.id)
    statuses = {v.id: v.status for v in plans.list_versions(workspace, actor=VIEWER, cycle_id=cycle_id)}
    assert statuses == {ids[0]: "superseded", ids[1]: "published"}
    assert plans.plan_of_record(workspace, actor=VIEWER).id == ids[1]
    with pytest.raises(InvalidTransition):
        plans.transition(workspace, actor=BOSS, version_id=ids[0], target=PlanStatus.PUBLISHED)


def test_audit_reads_newest_first_and_pages_back(workspace: Workspace, cycle_id: int) -> None:
    """Once the trail outgrows a page, the newest events must still be one call away."""
    for scale in (1.0, 2.0, 3.0):
        plans.create_version(workspace, actor=PLANNER, cycle_id=cycle_id, measures=measures(scale))
    oldest = query_audit(workspace, actor=BOSS, limit=1000)
    assert [e.id for e in oldest] == sorted(e.id for e in oldest)
    assert len(oldest) >= 4
    newest = query_audit(workspace, actor=BOSS, newest_first=True, limit=2)
    assert [e.id for e in newest] == [oldest[-1].id, oldest[-2].id]
    earlier = query_audit(workspace, actor=BOSS, newest_first=True, before_id=newest[-1].id, limit=2)
    assert [e.id for e in earlier] == [oldest[-3].id, oldest[-4].id]
