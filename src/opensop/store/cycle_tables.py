"""Application tables of the S&OP cycle: users, tokens and login failures, cycles and steps, plan versions and
their measures, forecast snapshots, overrides, scenario definitions, runs, comments, decisions and assumptions.

Statuses are stored as their StrEnum values (plain strings) so SQLite and PostgreSQL agree and migrations stay
simple; the rules live in `opensop.cycle`. Editable rows carry `row_version` for compare-and-swap updates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from opensop.store.tables import Base

NAME = String(100)
CODE = String(200)


class AppUser(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(NAME, unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiToken(Base):
    """Opaque bearer tokens, stored as their SHA-256 only: a leaked table does not leak sessions."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginFailure(Base):
    """A refused password, by user name tried and client address: what login throttling counts. In the database,
    not in a process, so every server process and worker counts the same failures."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(NAME, index=True)
    client_address: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlanningCycle(Base):
    """One monthly cycle. Its month is unique among the cycles that count: a cancelled cycle frees its month."""

    __tablename__ = "planning_cycle"
    __table_args__ = (
        Index(
            "uq_planning_cycle_live_period",
            "period",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date)
    horizon_start: Mapped[date] = mapped_column(Date)
    horizon_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_load.id"), nullable=True)
    previous_cycle_id: Mapped[int | None] = mapped_column(ForeignKey("planning_cycle.id"), nullable=True)
    opened_by: Mapped[str] = mapped_column(NAME)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CycleStep(Base):
    __tablename__ = "cycle_step"
    __table_args__ = (UniqueConstraint("cycle_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("planning_cycle.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer)
    owner_role: Mapped[str] = mapped_column(String(30))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    closed_by: Mapped[str | None] = mapped_column(NAME, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PlanVersion(Base):
    """One plan (a scenario's measures) with the config and dataset load it was made from, and its content hash."""

    __tablename__ = "plan_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("planning_cycle.id"), index=True)
    scenario: Mapped[str] = mapped_column(NAME, default="base")
    label: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"), nullable=True)
    load_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_load.id"), nullable=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_changed_by: Mapped[str] = mapped_column(NAME)


class PlanMeasure(Base):
    """Plan content as long rows, written in bulk; never updated in place (a draft's content is replaced)."""

    __tablename__ = "plan_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    scenario: Mapped[str] = mapped_column(NAME)
    measure: Mapped[str] = mapped_column(String(60))
    item_id: Mapped[str | None] = mapped_column(CODE, nullable=True)
    family_id: Mapped[str | None] = mapped_column(CODE, nullable=True)
    region_id: Mapped[str | None] = mapped_column(CODE, nullable=True)
    site_id: Mapped[str | None] = mapped_column(CODE, nullable=True)
    resource_id: Mapped[str | None] = mapped_column(CODE, nullable=True)
    period: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)


class ForecastSnapshot(Base):
    """The previous plan of record's forecasts, frozen when the next cycle opens: the base of accuracy by lag."""

    __tablename__ = "forecast_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("planning_cycle.id"), index=True)
    taken_in_cycle_id: Mapped[int] = mapped_column(ForeignKey("planning_cycle.id"))
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    lag: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(CODE)
    region_id: Mapped[str] = mapped_column(CODE)
    period: Mapped[date] = mapped_column(Date)
    statistical: Mapped[float | None] = mapped_column(Float, nullable=True)
    consensus: Mapped[float | None] = mapped_column(Float, nullable=True)


class PlanOverride(Base):
    """An editable cell of the demand review. Key columns use "" rather than NULL so the unique key holds."""

    __tablename__ = "plan_override"
    __table_args__ = (UniqueConstraint("plan_version_id", "level", "item_id", "family_id", "region_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(CODE, default="")
    family_id: Mapped[str] = mapped_column(CODE, default="")
    region_id: Mapped[str] = mapped_column(CODE)
    period: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30))
    author: Mapped[str] = mapped_column(NAME)
    reason: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    row_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ScenarioDefinition(Base):
    __tablename__ = "scenario_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(NAME, unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    levers: Mapped[dict[str, Any]] = mapped_column(JSON)
    config: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Run(Base):
    """A long computation done by a worker process; `heartbeat_at` and `worker_pid` tell a dead worker apart."""

    __tablename__ = "run"

    id: Mapped[int] = mapped_column(primary_key=True)
    step: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    log: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(NAME)
    requested_role: Mapped[str] = mapped_column(String(30))
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    worker_host: Mapped[str] = mapped_column(String(200), default="")


class CycleComment(Base):
    __tablename__ = "cycle_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("planning_cycle.id"), index=True)
    entity: Mapped[str] = mapped_column(String(60), default="cycle")
    entity_id: Mapped[str] = mapped_column(String(100), default="")
    author: Mapped[str] = mapped_column(NAME)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Decision(Base):
    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("planning_cycle.id"), index=True)
    decision: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(NAME)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class Assumption(Base):
    __tablename__ = "assumption"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("planning_cycle.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(NAME)
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    row_version: Mapped[int] = mapped_column(Integer, default=1)
