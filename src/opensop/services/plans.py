"""Plan versions: create a draft from a measure frame, replace a draft's content, move it through the lifecycle
(submit, approve or reject, publish as plan of record, which supersedes the previous one), revise a rejected one.

Content is written in bulk in the same transaction as the version row and its audit event, so a crash leaves either
a whole version or none. The content hash is stored with each write and verified whenever content is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from opensop.config import PlanningConfig
from opensop.cycle.permissions import Action, require
from opensop.cycle.plan_content import conform_measures, measure_hash
from opensop.cycle.status import (
    REVISABLE,
    CycleStatus,
    PlanStatus,
    check_editable,
    check_transition,
)
from opensop.errors import InvalidRequest, InvalidTransition, NotFoundError, StaleWrite
from opensop.services.auth import Principal
from opensop.services.limits import MAX_TITLE_CHARS, bounded_text
from opensop.services.workspace import Workspace
from opensop.store import plan_rows, repositories
from opensop.store.cycle_tables import PlanningCycle, PlanOverride, PlanVersion
from opensop.store.database import transaction
from opensop.store.tables import DatasetLoad

TRANSITION_ACTIONS: dict[PlanStatus, Action] = {
    PlanStatus.SUBMITTED: Action.SUBMIT_PLAN,
    PlanStatus.APPROVED: Action.APPROVE_PLAN,
    PlanStatus.REJECTED: Action.APPROVE_PLAN,
    PlanStatus.PUBLISHED: Action.PUBLISH_PLAN,
}


class ContentHashMismatch(RuntimeError):
    """Stored content no longer matches its hash: the database was changed behind the application (a bug)."""


@dataclass(frozen=True)
class PlanContent:
    version: PlanVersion
    measures: pd.DataFrame


def parse_config(raw: dict[str, Any] | None) -> PlanningConfig | None:
    """A PlanningConfig from its JSON form; a malformed one is the user's mistake, not a crash."""
    if raw is None:
        return None
    try:
        return PlanningConfig.from_dict(raw)
    except (ValueError, TypeError, AttributeError) as error:
        raise InvalidRequest(f"the planning configuration is not valid: {error}") from error


def _version(session: Session, version_id: int) -> PlanVersion:
    version = session.get(PlanVersion, version_id)
    if version is None:
        raise NotFoundError(
            f"plan version {version_id} does not exist", key="version_missing", params={"id": version_id}
        )
    return version


def verified_measures(session: Session, version: PlanVersion) -> pd.DataFrame:
    """The version's rows, after checking them against the stored hash."""
    frame = plan_rows.read_measures(session, version.id)
    actual = measure_hash(frame)
    if actual != version.content_hash:
        raise ContentHashMismatch(
            f"plan version {version.id} content hash {actual[:12]} != stored {version.content_hash[:12]}"
        )
    return frame


def _summary(version: PlanVersion) -> dict[str, Any]:
    return {"status": version.status, "content_hash": version.content_hash, "rows": version.row_count}


def _conform(measures: pd.DataFrame, scenario: str) -> pd.DataFrame:
    try:
        return conform_measures(measures, scenario=scenario)
    except (ValueError, TypeError) as error:
        raise InvalidRequest(f"the plan measures are not usable: {error}") from error


OVERRIDE_FIELDS = (
    "level", "item_id", "family_id", "region_id", "period", "value", "kind", "source",
    "author", "reason", "comment", "row_version", "updated_at",
)  # fmt: skip


def _copy_overrides(session: Session, rows: Sequence[PlanOverride], version_id: int) -> None:
    """The override cells `rows` (of another version) as cells of `version_id`, authors and dates kept."""
    for row in rows:
        session.add(PlanOverride(plan_version_id=version_id, **{name: getattr(row, name) for name in OVERRIDE_FIELDS}))


def create_version(
    workspace: Workspace,
    *,
    actor: Principal,
    cycle_id: int,
    measures: pd.DataFrame,
    scenario: str = "base",
    label: str = "",
    config: PlanningConfig | None = None,
    load_id: int | None = None,
    run_id: int | None = None,
    reason: str = "",
    parent_id: int | None = None,
    overrides: Sequence[PlanOverride] = (),
) -> PlanVersion:
    """A new draft in an open cycle; `load_id` defaults to the cycle's frozen load, else the latest load.

    A version planned from another one (a scenario on the working draft) names it as `parent_id` and carries a copy
    of the `overrides` its consensus was made with: a version always holds the edits its content includes, so
    it can be re-run, revised or audited on its own."""
    require(actor.role, Action.EDIT_PLAN)
    bounded_text(label, "label", MAX_TITLE_CHARS)
    frame = _conform(measures, scenario)
    with transaction(workspace.sessions) as session:
        cycle = session.get(PlanningCycle, cycle_id)
        if cycle is None:
            raise NotFoundError(f"cycle {cycle_id} does not exist")
        if cycle.status != CycleStatus.OPEN:
            raise InvalidTransition(f"cycle {cycle_id} is closed", hint="open a new cycle")
        if load_id is not None and session.get(DatasetLoad, load_id) is None:
            raise NotFoundError(f"dataset load {load_id} does not exist")
        latest = repositories.latest_load(session)
        version = PlanVersion(
            cycle_id=cycle_id,
            scenario=scenario,
            label=label,
            status=PlanStatus.DRAFT.value,
            parent_id=parent_id,
            load_id=load_id or cycle.load_id or (latest.id if latest else None),
            run_id=run_id,
            config=(config or PlanningConfig()).to_dict(),
            content_hash=measure_hash(frame),
            row_count=len(frame),
            created_by=actor.username,
            status_changed_by=actor.username,
        )
        session.add(version)
        session.flush()
        plan_rows.insert_measures(session, version.id, frame)
        _copy_overrides(session, overrides, version.id)
        repositories.record_audit(
            session,
            actor=actor.username,
            action="plan_created",
            entity="plan_version",
            entity_id=str(version.id),
            new_value={
                **_summary(version),
                "cycle_id": cycle_id,
                "scenario": scenario,
                "load_id": version.load_id,
                "parent_id": parent_id,
                "overrides": len(overrides),
            },
            reason=reason,
        )
        return version


def replace_measures(
    workspace: Workspace,
    *,
    actor: Principal,
    version_id: int,
    measures: pd.DataFrame,
    reason: str = "",
    run_id: int | None = None,
) -> PlanVersion:
    """Swap a draft's whole content; anything but a draft raises InvalidTransition.

    `run_id` names the run that computed the new content; content written without one (an upload, an API call)
    unlinks the version from its previous run, whose explanations and kept forecast no longer describe it.
    """
    require(actor.role, Action.EDIT_PLAN)
    with transaction(workspace.sessions) as session:
        version = _version(session, version_id)
        check_editable(PlanStatus(version.status))
        frame = _conform(measures, version.scenario)
        old = _summary(version)
        plan_rows.delete_measures(session, version.id)
        plan_rows.insert_measures(session, version.id, frame)
        version.content_hash = measure_hash(frame)
        version.row_count = len(frame)
        version.run_id = run_id
        repositories.record_audit(
            session,
            actor=actor.username,
            action="plan_content_replaced",
            entity="plan_version",
            entity_id=str(version.id),
            old_value=old,
            new_value={**_summary(version), "run_id": run_id},
            reason=reason,
        )
        return version


def get_version(workspace: Workspace, *, actor: Principal, version_id: int) -> PlanVersion:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        return _version(session, version_id)


def read_content(workspace: Workspace, *, actor: Principal, version_id: int) -> PlanContent:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        version = _version(session, version_id)
        return PlanContent(version, verified_measures(session, version))


BASE_SCENARIO = "base"


def working_version(workspace: Workspace, *, actor: Principal, cycle_id: int) -> PlanVersion | None:
    """The version the cycle's work is on: its latest base draft, else its latest base version (scenarios are
    versions of their own, never the working plan)."""
    base = [v for v in list_versions(workspace, actor=actor, cycle_id=cycle_id) if v.scenario == BASE_SCENARIO]
    drafts = [v for v in base if v.status == PlanStatus.DRAFT.value]
    return drafts[-1] if drafts else (base[-1] if base else None)


def list_versions(
    workspace: Workspace, *, actor: Principal, cycle_id: int | None = None, status: PlanStatus | None = None
) -> list[PlanVersion]:
    require(actor.role, Action.VIEW)
    query = select(PlanVersion).order_by(PlanVersion.id)
    if cycle_id is not None:
        query = query.where(PlanVersion.cycle_id == cycle_id)
    if status is not None:
        query = query.where(PlanVersion.status == status.value)
    with transaction(workspace.sessions) as session:
        return list(session.scalars(query))


def _set_status(session: Session, version: PlanVersion, target: PlanStatus, *, actor: Principal, reason: str) -> None:
    """Compare-and-swap on the status, so two executives clicking at once cannot both win."""
    current = PlanStatus(version.status)
    check_transition(current, target)
    done = session.execute(
        update(PlanVersion)
        .where(PlanVersion.id == version.id, PlanVersion.status == current.value)
        .values(status=target.value, status_changed_at=datetime.now(UTC), status_changed_by=actor.username)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleWrite(f"plan version {version.id} changed status meanwhile", current=None)
    session.refresh(version)
    repositories.record_audit(
        session,
        actor=actor.username,
        action=f"plan_{target.value}",
        entity="plan_version",
        entity_id=str(version.id),
        old_value={"status": current.value},
        new_value={"status": target.value, "content_hash": version.content_hash},
        reason=reason,
    )


def transition(
    workspace: Workspace, *, actor: Principal, version_id: int, target: PlanStatus, reason: str = ""
) -> PlanVersion:
    """Submit, approve, reject or publish. Publishing makes it the plan of record and supersedes the previous one.

    The content is verified against its hash before it is submitted, approved or published: what was reviewed is
    what becomes the plan of record.
    """
    if target not in TRANSITION_ACTIONS:
        raise InvalidTransition(f"a plan version cannot be moved to {target.value} directly")
    require(actor.role, TRANSITION_ACTIONS[target])
    if target is PlanStatus.REJECTED and not reason.strip():
        raise InvalidRequest("a rejection needs a reason", hint="say what must change")
    with transaction(workspace.sessions) as session:
        version = _version(session, version_id)
        check_transition(PlanStatus(version.status), target)
        verified_measures(session, version)
        if target is PlanStatus.PUBLISHED:
            previous = session.scalars(
                select(PlanVersion).where(PlanVersion.status == PlanStatus.PUBLISHED.value)
            ).all()
            for old in previous:
                _set_status(
                    session, old, PlanStatus.SUPERSEDED, actor=actor, reason=f"replaced by version {version.id}"
                )
        _set_status(session, version, target, actor=actor, reason=reason)
        return version


def revise(workspace: Workspace, *, actor: Principal, version_id: int, reason: str = "") -> PlanVersion:
    """A new draft copying a submitted or rejected version with its overrides (`parent_id` links them); the parent
    stays as it was. The draft keeps the link to the run that computed the content (same content, same run summary
    and kept forecast), so it re-plans without forecasting again."""
    require(actor.role, Action.EDIT_PLAN)
    with transaction(workspace.sessions) as session:
        parent = _version(session, version_id)
        if PlanStatus(parent.status) not in REVISABLE:
            raise InvalidTransition(
                f"only a submitted or rejected version can be revised; version {version_id} is {parent.status}",
                hint="create a new draft instead",
            )
        frame = verified_measures(session, parent)
        draft = PlanVersion(
            cycle_id=parent.cycle_id,
            scenario=parent.scenario,
            label=parent.label,
            status=PlanStatus.DRAFT.value,
            parent_id=parent.id,
            load_id=parent.load_id,
            config=parent.config,
            content_hash=parent.content_hash,
            row_count=parent.row_count,
            run_id=parent.run_id,
            created_by=actor.username,
            status_changed_by=actor.username,
        )
        session.add(draft)
        session.flush()
        plan_rows.insert_measures(session, draft.id, frame)
        copied = session.scalars(select(PlanOverride).where(PlanOverride.plan_version_id == parent.id)).all()
        _copy_overrides(session, copied, draft.id)
        repositories.record_audit(
            session,
            actor=actor.username,
            action="plan_revised",
            entity="plan_version",
            entity_id=str(draft.id),
            old_value={"parent_id": parent.id, "status": parent.status},
            new_value={**_summary(draft), "overrides": len(copied)},
            reason=reason,
        )
        return draft


def plan_of_record(workspace: Workspace, *, actor: Principal) -> PlanVersion:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        version = session.scalars(
            select(PlanVersion).where(PlanVersion.status == PlanStatus.PUBLISHED.value).order_by(PlanVersion.id.desc())
        ).first()
        if version is None:
            raise NotFoundError("there is no plan of record yet", hint="an executive publishes an approved version")
        return version
