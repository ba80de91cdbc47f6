"""Scenario definitions: a named recipe (the Scenario JSON: base, levers, config overrides) and an optional
PlanningConfig. A scenario is a key over plan measures, never a copy of the database; this is only its recipe,
validated where it enters (`scenario_document`) so every door stores the same lever model.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opensop.config import PlanningConfig
from opensop.cycle.permissions import Action, require
from opensop.errors import ConflictError, InvalidRequest, NotFoundError
from opensop.scenarios import Scenario
from opensop.services import plan_runs
from opensop.services.auth import Principal
from opensop.services.limits import MAX_NAME_CHARS, bounded_json, bounded_text
from opensop.services.versioned import insert_audited, update_versioned
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.cycle_tables import ScenarioDefinition
from opensop.store.database import transaction


def _checked_config(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored config must rebuild into a PlanningConfig, or the scenario could never run."""
    if config is None:
        return None
    try:
        return PlanningConfig.from_dict(config).to_dict()
    except (ValueError, TypeError, AttributeError) as error:
        raise InvalidRequest(f"the planning configuration is not valid: {error}") from error


QUICK_KEYS = {"demand_pct", "capacity_pct"}
FIXED_SETTINGS = ("horizon_months", "start_period")


def scenario_document(name: str, raw: dict[str, Any] | None) -> dict[str, Any]:
    """The stored recipe of scenario `name`, validated; the web's former quick form {demand_pct, capacity_pct} is
    read as the levers it means."""
    body = {key: value for key, value in (raw or {}).items() if key not in ("name", "description")}
    if body and set(body) <= QUICK_KEYS:
        body = {"levers": plan_runs.levers_json(plan_runs.parse_levers(body))}
    scenario = Scenario.from_dict({"name": name, **body})
    fixed = sorted(key for key, _ in scenario.config_overrides if key in FIXED_SETTINGS)
    if fixed:
        raise InvalidRequest(
            f"scenario {name!r} changes {', '.join(fixed)}: a scenario plans its cycle's horizon",
            hint="compare scenarios on the same months; open another cycle to change the horizon",
        )
    return {key: value for key, value in scenario.to_dict().items() if key not in ("name", "description")}


def _as_dict(row: ScenarioDefinition) -> dict[str, Any]:
    return {"name": row.name, "description": row.description, "levers": row.levers, "config": row.config}


def _get(session: Session, scenario_id: int) -> ScenarioDefinition:
    row = session.get(ScenarioDefinition, scenario_id)
    if row is None:
        raise NotFoundError(f"scenario {scenario_id} does not exist")
    return row


def create_scenario(
    workspace: Workspace,
    *,
    actor: Principal,
    name: str,
    levers: dict[str, Any],
    description: str = "",
    config: dict[str, Any] | None = None,
) -> ScenarioDefinition:
    require(actor.role, Action.MANAGE_SCENARIOS)
    if not name.strip():
        raise InvalidRequest("a scenario needs a name")
    bounded_text(name, "scenario name", MAX_NAME_CHARS)
    bounded_text(description, "description")
    levers = scenario_document(name, bounded_json(levers, "levers"))
    checked = _checked_config(bounded_json(config, "planning configuration"))
    try:
        with transaction(workspace.sessions) as session:
            row = ScenarioDefinition(
                name=name,
                description=description,
                levers=levers,
                config=checked,
                created_by=actor.username,
                row_version=1,
            )
            return insert_audited(
                session, row, actor=actor, action="scenario_created", entity="scenario_definition", describe=_as_dict
            )
    except IntegrityError as error:
        raise ConflictError(f"a scenario named {name!r} already exists") from error


def update_scenario(
    workspace: Workspace,
    *,
    actor: Principal,
    scenario_id: int,
    expected_row_version: int,
    levers: dict[str, Any] | None = None,
    description: str | None = None,
    config: dict[str, Any] | None = None,
    reason: str = "",
) -> ScenarioDefinition:
    require(actor.role, Action.MANAGE_SCENARIOS)
    changes: dict[str, Any] = {"updated_at": datetime.now(UTC)}
    bounded_text(reason, "reason")
    if levers is not None:
        changes["levers"] = bounded_json(levers, "levers")
    if description is not None:
        changes["description"] = bounded_text(description, "description")
    if config is not None:
        changes["config"] = _checked_config(bounded_json(config, "planning configuration"))
    with transaction(workspace.sessions) as session:
        row = _get(session, scenario_id)
        if levers is not None:
            changes["levers"] = scenario_document(row.name, levers)
        update_versioned(
            session, row, actor=actor, expected_row_version=expected_row_version, changes=changes,
            describe=_as_dict, entity="scenario_definition", reason=reason,
        )  # fmt: skip
        return row


def delete_scenario(workspace: Workspace, *, actor: Principal, scenario_id: int, reason: str = "") -> None:
    require(actor.role, Action.MANAGE_SCENARIOS)
    with transaction(workspace.sessions) as session:
        row = _get(session, scenario_id)
        old = _as_dict(row)
        session.execute(delete(ScenarioDefinition).where(ScenarioDefinition.id == scenario_id))
        repositories.record_audit(
            session,
            actor=actor.username,
            action="scenario_deleted",
            entity="scenario_definition",
            entity_id=str(scenario_id),
            old_value=old,
            reason=reason,
        )


def get_scenario(workspace: Workspace, *, actor: Principal, scenario_id: int) -> ScenarioDefinition:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        return _get(session, scenario_id)


def list_scenarios(workspace: Workspace, *, actor: Principal) -> list[ScenarioDefinition]:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        return list(session.scalars(select(ScenarioDefinition).order_by(ScenarioDefinition.name)))
