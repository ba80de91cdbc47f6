"""Statuses as StrEnums with explicit transition tables: the only place the plan lifecycle is written down.

    draft -> submitted -> approved -> published -> superseded
                      \\-> rejected -> submitted (re-submitted as is)
    a submitted or rejected version can also be revised: a new draft copying it and its overrides (`parent_id`),
    not a transition; the parent keeps its status.

Only drafts are editable; approved and published versions are immutable (their content hash is verified on read).
"""

from __future__ import annotations

from enum import StrEnum

from opensop.errors import InvalidTransition


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


PLAN_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.SUBMITTED}),
    PlanStatus.SUBMITTED: frozenset({PlanStatus.APPROVED, PlanStatus.REJECTED}),
    PlanStatus.REJECTED: frozenset({PlanStatus.SUBMITTED}),
    PlanStatus.APPROVED: frozenset({PlanStatus.PUBLISHED}),
    PlanStatus.PUBLISHED: frozenset({PlanStatus.SUPERSEDED}),
    PlanStatus.SUPERSEDED: frozenset(),
}

EDITABLE: frozenset[PlanStatus] = frozenset({PlanStatus.DRAFT})
IMMUTABLE: frozenset[PlanStatus] = frozenset({PlanStatus.APPROVED, PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED})
REVISABLE: frozenset[PlanStatus] = frozenset({PlanStatus.SUBMITTED, PlanStatus.REJECTED})


def check_transition(current: PlanStatus, target: PlanStatus) -> None:
    if target not in PLAN_TRANSITIONS[current]:
        allowed = ", ".join(sorted(PLAN_TRANSITIONS[current])) or "none: it is final"
        raise InvalidTransition(
            f"a {current.value} plan version cannot become {target.value}", hint=f"allowed next statuses: {allowed}"
        )


def check_editable(current: PlanStatus) -> None:
    """Any change to content or overrides goes through here: approved and published plans never change."""
    if current not in EDITABLE:
        raise InvalidTransition(
            f"a {current.value} plan version cannot be modified",
            hint="revise it into a new draft (rejected versions) or create a new draft version",
            key="version_not_editable",
            params={"status": current.value},
        )


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, RunStatus.FAILED}),
    RunStatus.RUNNING: frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED}),
    RunStatus.SUCCEEDED: frozenset(),
    RunStatus.FAILED: frozenset(),
}


class CycleStatus(StrEnum):
    """A cycle is open while its steps run, closed when its last step closed or the next cycle opened, cancelled
    when an administrator undid its opening (opened by mistake): a cancelled cycle counts for nothing."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class StepStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


class OverrideLevel(StrEnum):
    ITEM = "item"
    FAMILY = "family"


class DecisionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class AssumptionStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
