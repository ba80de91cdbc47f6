"""Storage tables. Input tables are generated from the data dictionary (one column each, plus the load they came
from); application tables are typed ORM models. Naming convention on the MetaData so Alembic migrations are
deterministic on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from opensop.schema.dictionary import TABLES, TEXT_MAX_LENGTH, ColumnType

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DatasetLoad(Base):
    """One import: who, when, from where, what (content hash, row counts) and the quality report."""

    __tablename__ = "dataset_load"

    id: Mapped[int] = mapped_column(primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    loaded_by: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    row_counts: Mapped[dict[str, int]] = mapped_column(JSON)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditEvent(Base):
    """Append-only trail of every change, written by the services in the same transaction as the change."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(100), default="")
    old_value: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    new_value: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")


SQL_TYPES: dict[ColumnType, TypeEngine[Any]] = {
    ColumnType.STRING: String(TEXT_MAX_LENGTH),
    ColumnType.INTEGER: Integer(),
    ColumnType.FLOAT: Float(),
    ColumnType.PERIOD: Date(),
    ColumnType.DATE: Date(),
}


def _input_table(name: str) -> Table:
    spec = next(t for t in TABLES if t.name == name)
    columns = [Column(c.name, SQL_TYPES[c.dtype], nullable=True) for c in spec.columns]
    return Table(
        f"input_{name}",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("load_id", ForeignKey("dataset_load.id", ondelete="CASCADE"), nullable=False),
        *columns,
        Index(f"ix_input_{name}_load_id", "load_id"),
        comment=spec.description,
    )


INPUT_TABLES: dict[str, Table] = {spec.name: _input_table(spec.name) for spec in TABLES}

# Application tables register on the same MetaData, so Alembic sees them (imported last: they use Base).
import opensop.store.cycle_tables  # noqa: E402, F401
