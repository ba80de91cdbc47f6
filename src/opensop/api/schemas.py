"""Request and response bodies, named by role: *Create (POST), *Update (PUT/PATCH), *Read (responses).

Bounds here mirror the storage limits (name lengths, 32-bit ids, plausible months), so a malformed request is a
422 from validation, never a database error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from opensop.cycle.permissions import Role
from opensop.cycle.status import AssumptionStatus, DecisionStatus, OverrideLevel
from opensop.demand.consensus import OverrideKind, OverrideSource
from opensop.scenarios.levers import Lever
from opensop.services import plan_runs
from opensop.services.limits import json_problem

MAX_ID = 2**31 - 2
JsonValue = TypeVar("JsonValue", dict[str, Any], list[dict[str, Any]])
NO_NUL = r"^[^\x00]*$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
Code = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]
Text = Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)]
Secret = Annotated[str, StringConstraints(max_length=200)]
Month = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 1))]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]
RowVersion = Annotated[int, Field(ge=0, le=MAX_ID)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _finite_json(value: JsonValue) -> JsonValue:
    """Free JSON (objects, lever lists) is small and finite (`opensop.services.limits`): a 422 naming the problem,
    not a 500 when the database or the plan meets NaN, and no 50 MB lever in everyone's page."""
    if problem := json_problem(value):
        raise ValueError(problem)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_finite_json)]
LeverList = Annotated[list[dict[str, Any]], Field(max_length=50), AfterValidator(_finite_json)]


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LoginCreate(Schema):
    username: Name
    password: Secret


class TokenRead(Schema):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 scheme name, not a secret)
    expires_at: datetime
    username: str
    role: Role


class UserCreate(Schema):
    username: Name
    password: Secret
    role: Role
    display_name: Code = ""


class UserUpdate(Schema):
    role: Role | None = None
    active: bool | None = None
    reason: Text = ""


class UserRead(Schema):
    username: str
    display_name: str
    role: Role
    active: bool


class LoadRead(Schema):
    id: int
    loaded_at: datetime
    loaded_by: str
    source: str
    content_hash: str
    row_counts: dict[str, int]
    warning_count: int


class LoadReportRead(Schema):
    load: LoadRead
    report: dict[str, Any]


class ImportRead(Schema):
    status: str
    load_id: int
    content_hash: str
    row_counts: dict[str, int]
    report: dict[str, Any]


class RunCreate(Schema):
    step: Name
    params: JsonObject = Field(default_factory=dict)


class RunRead(Schema):
    id: int
    step: str
    params: dict[str, Any]
    status: str
    progress: float
    log: str
    result: dict[str, Any] | None
    error: str
    requested_by: str
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None = None


class CycleCreate(Schema):
    period: Month | None = None
    horizon_months: Annotated[int, Field(ge=3, le=24)] = 18
    reason: Text = ""


class StepRead(Schema):
    step: str
    position: int
    owner_role: str
    due_date: date
    status: str
    closed_by: str | None
    closed_at: datetime | None


class CycleRead(Schema):
    id: int
    period: date
    horizon_start: date
    horizon_end: date
    status: str
    load_id: int | None
    previous_cycle_id: int | None
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    steps: list[StepRead] = Field(default_factory=list)


class ReasonCreate(Schema):
    reason: Text = ""


class SnapshotRead(Schema):
    cycle_id: int
    taken_in_cycle_id: int
    plan_version_id: int
    lag: int
    item_id: str
    region_id: str
    period: date
    statistical: float | None
    consensus: float | None


class MeasureRow(Schema):
    scenario: Name | None = None
    measure: Name
    item_id: Code | None = None
    family_id: Code | None = None
    region_id: Code | None = None
    site_id: Code | None = None
    resource_id: Code | None = None
    period: Month
    value: Finite


class PlanVersionCreate(Schema):
    cycle_id: Id
    scenario: Name = "base"
    label: Code = ""
    config: JsonObject | None = None
    load_id: Id | None = None
    measures: list[MeasureRow] = Field(default_factory=list, max_length=200_000)
    reason: Text = ""


class MeasuresUpdate(Schema):
    measures: list[MeasureRow] = Field(max_length=200_000)
    reason: Text = ""


class PlanVersionRead(Schema):
    id: int
    cycle_id: int
    scenario: str
    label: str
    status: str
    parent_id: int | None
    load_id: int | None
    run_id: int | None
    config: dict[str, Any]
    content_hash: str
    row_count: int
    created_by: str
    created_at: datetime
    status_changed_at: datetime
    status_changed_by: str


class MeasureRead(Schema):
    scenario: str
    measure: str
    item_id: str | None
    family_id: str | None
    region_id: str | None
    site_id: str | None
    resource_id: str | None
    period: date
    value: float


class WaterfallRead(Schema):
    measure: str
    family_id: str
    base: float
    compare: float
    delta: float


class KpiRead(Schema):
    measure: str
    period: date
    value: float


class OverrideUpdate(Schema):
    level: OverrideLevel
    item_id: Code = ""
    family_id: Code = ""
    region_id: Code
    period: Month
    value: Finite
    kind: OverrideKind = OverrideKind.ABSOLUTE
    source: OverrideSource
    reason: Text = ""
    comment: Text = ""
    expected_row_version: RowVersion = 0


class OverrideRead(Schema):
    id: int
    plan_version_id: int
    level: str
    item_id: str
    family_id: str
    region_id: str
    period: date
    value: float
    kind: str
    source: str
    author: str
    reason: str
    comment: str
    row_version: int
    updated_at: datetime


class ScenarioCreate(Schema):
    """A scenario: levers (every kind of `opensop.scenarios.levers`, e.g. {"kind": "demand_change", "pct": 10})
    applied in order, on the scenario `base` names when it answers one (a response to an assumption)."""

    name: Name
    description: Text = ""
    base: Name = "base"
    levers: LeverList = Field(default_factory=list)
    config_overrides: JsonObject = Field(default_factory=dict)
    config: JsonObject | None = None

    def document(self) -> dict[str, Any]:
        return {"base": self.base, "levers": self.levers, "config_overrides": self.config_overrides}


class ScenarioUpdate(Schema):
    expected_row_version: RowVersion
    description: Text | None = None
    base: Name | None = None
    levers: LeverList | None = None
    config_overrides: JsonObject | None = None
    config: JsonObject | None = None
    reason: Text = ""


class ScenarioRead(Schema):
    id: int
    name: str
    description: str
    base: str
    role: Literal["assumption", "response"]
    levers: list[dict[str, Any]]
    config_overrides: dict[str, Any]
    config: dict[str, Any] | None
    row_version: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class AuditEventRead(Schema):
    id: int
    occurred_at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    old_value: dict[str, Any] | None
    new_value: dict[str, Any] | None
    reason: str


class CommentCreate(Schema):
    body: Text
    entity: Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=NO_NUL)] = "cycle"
    entity_id: Name | None = None


class CommentRead(Schema):
    id: int
    cycle_id: int
    entity: str
    entity_id: str
    author: str
    body: str
    created_at: datetime


class DecisionCreate(Schema):
    decision: Text
    owner: Name
    due_date: Month | None = None


class DecisionUpdate(Schema):
    expected_row_version: RowVersion
    status: DecisionStatus | None = None
    owner: Name | None = None
    due_date: Month | None = None
    reason: Text = ""


class DecisionRead(Schema):
    id: int
    cycle_id: int
    decision: str
    owner: str
    due_date: date | None
    status: str
    created_by: str
    created_at: datetime
    row_version: int


class AssumptionCreate(Schema):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
    owner: Name
    description: Text = ""
    cycle_id: Id | None = None


class AssumptionUpdate(Schema):
    expected_row_version: RowVersion
    status: AssumptionStatus | None = None
    description: Text | None = None
    reason: Text = ""


class AssumptionRead(Schema):
    id: int
    cycle_id: int | None
    title: str
    description: str
    owner: str
    status: str
    created_by: str
    created_at: datetime
    row_version: int


class PlanRunCreate(Schema):
    """A plan run of the cycle (see `opensop.services.plan_runs.PlanRequest`): without `base_version_id` a new
    draft from the cycle's data; with it, that version's overrides and kept forecast, in place or as a new draft."""

    base_version_id: Id | None = None
    in_place: bool = False
    scenario: Name = "base"
    label: Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)] = ""
    demand_pct: Annotated[float, Field(ge=-90, le=200)] = 0.0
    capacity_pct: Annotated[float, Field(ge=-90, le=200)] = 0.0
    levers: LeverList | None = None
    until: Literal["consensus", "supply", "finance", "kpi"] | None = None
    config: JsonObject | None = None
    reason: Text = ""

    def plan_levers(self) -> tuple[Lever, ...] | None:
        """The quick percentages then the scenario levers (every kind of `opensop.scenarios.levers`); None when
        the body names none, so an in-place re-plan keeps the version's own levers."""
        quick = plan_runs.Levers(self.demand_pct, self.capacity_pct).to_levers()
        if self.levers is None and not quick:
            return None
        return quick + plan_runs.parse_levers(self.levers or [])
