"""Frames <-> rows in bulk. Set-based: PostgreSQL gets COPY, SQLite one executemany per table; never an ORM
object per history row.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from opensop.errors import InvalidRequest
from opensop.schema.dictionary import DICTIONARY, ColumnType
from opensop.schema.frames import PlanningData
from opensop.store.tables import INPUT_TABLES, AuditEvent, DatasetLoad


def _insert_rows(name: str, frame: pd.DataFrame, load_id: int) -> list[dict[str, Any]]:
    out = frame.copy()
    for column in DICTIONARY[name].columns:
        if column.dtype in (ColumnType.PERIOD, ColumnType.DATE):
            out[column.name] = out[column.name].dt.date
    out = out.astype(object)
    out = out.where(out.notna(), other=None)  # type: ignore[call-overload]
    out.insert(0, "load_id", load_id)
    records: list[dict[str, Any]] = out.to_dict(orient="records")
    return records


def _copy_postgres(connection: Connection, name: str, frame: pd.DataFrame, load_id: int) -> None:
    columns = ["load_id", *DICTIONARY[name].column_names]
    out = frame.copy()
    out.insert(0, "load_id", load_id)
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d")
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("the PostgreSQL connection is closed")
    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = f"COPY input_{name} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(buffer.getvalue())


def insert_dataset(session: Session, data: PlanningData, load_id: int) -> None:
    connection = session.connection()
    for name, frame in data.tables().items():
        if frame.empty:
            continue
        if connection.dialect.name == "postgresql":
            _copy_postgres(connection, name, frame, load_id)
        else:
            connection.execute(INPUT_TABLES[name].insert(), _insert_rows(name, frame, load_id))


def read_dataset(session: Session, load_id: int) -> PlanningData:
    connection = session.connection()
    frames: dict[str, pd.DataFrame] = {}
    for name, table in INPUT_TABLES.items():
        columns = [table.c[c] for c in DICTIONARY[name].column_names]
        rows = connection.execute(select(*columns).where(table.c.load_id == load_id).order_by(table.c.id)).all()
        frames[name] = pd.DataFrame(rows, columns=list(DICTIONARY[name].column_names))
    return PlanningData.from_frames(frames)


def last_actuals(session: Session, load_id: int) -> date | None:
    """The latest month of sales history in a load (None when it has none), without reading the load."""
    table = INPUT_TABLES["sales_history"]
    latest = session.connection().execute(select(func.max(table.c.period)).where(table.c.load_id == load_id)).scalar()
    if latest is None:
        return None
    day = latest if isinstance(latest, date) else date.fromisoformat(str(latest)[:10])
    return day.replace(day=1)


def latest_load(session: Session) -> DatasetLoad | None:
    return session.scalars(select(DatasetLoad).order_by(DatasetLoad.id.desc()).limit(1)).first()


def load_by_hash(session: Session, content_hash: str) -> DatasetLoad | None:
    return session.scalars(
        select(DatasetLoad).where(DatasetLoad.content_hash == content_hash).order_by(DatasetLoad.id.desc())
    ).first()


def table_row_counts(session: Session) -> dict[str, int]:
    """Rows per storage table: what the tests compare before and after a refused import."""
    counts = {
        f"input_{name}": session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in INPUT_TABLES.items()
    }
    counts["dataset_load"] = session.scalar(select(func.count()).select_from(DatasetLoad)) or 0
    counts["audit_event"] = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return counts


def delete_load(session: Session, load_id: int) -> None:
    for table in INPUT_TABLES.values():
        session.execute(delete(table).where(table.c.load_id == load_id))
    session.execute(delete(DatasetLoad).where(DatasetLoad.id == load_id))


MAX_REASON_CHARS = 10_000


def record_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str = "",
    old_value: dict[str, Any] | None = None,
    new_value: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """One audit event. Every reason a person types passes here, so it is bounded here, once, for every service
    (a reason is text, not a payload: `MAX_REASON_CHARS`, and no NUL, which PostgreSQL refuses)."""
    if len(reason) > MAX_REASON_CHARS or "\x00" in reason:
        raise InvalidRequest(
            f"the reason cannot be stored: {len(reason):,} characters"
            + (", a NUL character" if "\x00" in reason else ""),
            hint=f"explain in at most {MAX_REASON_CHARS:,} characters",
        )
    event = AuditEvent(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        old_value=old_value,
        new_value=new_value,
        reason=reason,
    )
    session.add(event)
    return event
