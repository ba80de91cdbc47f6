"""Who may do what: one matrix of Action x Role, enforced by the services (the API only repeats it early).

Admin administers the system (users, data, runs) but does not approve or publish plans: the plan of record is an
executive decision, and keeping it out of the admin role keeps that decision attributable.
"""

from __future__ import annotations

from enum import StrEnum

from opensop.errors import NotAuthorized


class Role(StrEnum):
    ADMIN = "admin"
    DEMAND_PLANNER = "demand_planner"
    SALES = "sales"
    SUPPLY_PLANNER = "supply_planner"
    FINANCE = "finance"
    EXECUTIVE = "executive"
    VIEWER = "viewer"


class Action(StrEnum):
    SESSION = "session"
    VIEW = "view"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    IMPORT_DATA = "import_data"
    RUN_STEP = "run_step"
    OPEN_CYCLE = "open_cycle"
    CLOSE_STEP = "close_step"
    EDIT_PLAN = "edit_plan"
    SUBMIT_PLAN = "submit_plan"
    APPROVE_PLAN = "approve_plan"
    PUBLISH_PLAN = "publish_plan"
    EDIT_OVERRIDE = "edit_override"
    MANAGE_SCENARIOS = "manage_scenarios"
    COMMENT = "comment"
    MANAGE_DECISIONS = "manage_decisions"
    MANAGE_ASSUMPTIONS = "manage_assumptions"
    EXPORT_PLAN = "export_plan"


_EVERYONE = frozenset(Role)
_PLANNERS = frozenset({Role.ADMIN, Role.DEMAND_PLANNER, Role.SUPPLY_PLANNER, Role.FINANCE})

MATRIX: dict[Action, frozenset[Role]] = {
    Action.SESSION: _EVERYONE,
    Action.VIEW: _EVERYONE,
    Action.VIEW_AUDIT: _PLANNERS | {Role.EXECUTIVE},
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.IMPORT_DATA: frozenset({Role.ADMIN, Role.DEMAND_PLANNER}),
    Action.RUN_STEP: _PLANNERS,
    Action.OPEN_CYCLE: frozenset({Role.ADMIN, Role.DEMAND_PLANNER}),
    Action.CLOSE_STEP: _PLANNERS | {Role.EXECUTIVE},
    Action.EDIT_PLAN: _PLANNERS,
    Action.SUBMIT_PLAN: _PLANNERS,
    Action.APPROVE_PLAN: frozenset({Role.EXECUTIVE}),
    Action.PUBLISH_PLAN: frozenset({Role.EXECUTIVE}),
    Action.EDIT_OVERRIDE: frozenset({Role.ADMIN, Role.DEMAND_PLANNER, Role.SALES, Role.FINANCE}),
    Action.MANAGE_SCENARIOS: _PLANNERS,
    Action.COMMENT: _EVERYONE - {Role.VIEWER},
    Action.MANAGE_DECISIONS: _PLANNERS | {Role.EXECUTIVE},
    Action.MANAGE_ASSUMPTIONS: _PLANNERS | {Role.SALES},
    Action.EXPORT_PLAN: _PLANNERS | {Role.EXECUTIVE},
}


def is_allowed(role: Role, action: Action) -> bool:
    return role in MATRIX[action]


def require(role: Role, action: Action) -> None:
    """Raise NotAuthorized unless the matrix lets `role` do `action`."""
    if not is_allowed(role, action):
        raise NotAuthorized(
            f"the {role.value} role may not {action.value.replace('_', ' ')}",
            hint=f"ask a user with one of these roles: {', '.join(sorted(MATRIX[action]))}",
            key="not_allowed",
            params={"role": role.value, "action": action.value, "roles": ", ".join(sorted(MATRIX[action]))},
        )
