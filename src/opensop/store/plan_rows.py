"""Plan measures <-> rows in bulk: PostgreSQL COPY, SQLite one executemany; never one ORM object per row."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from opensop.cycle.plan_content import MEASURE_COLUMNS
from opensop.store.cycle_tables import PlanMeasure

_TABLE = PlanMeasure.__table__


def insert_measures(session: Session, plan_version_id: int, frame: pd.DataFrame) -> None:
    """`frame` has MEASURE_COLUMNS (see `opensop.cycle.plan_content.conform_measures`)."""
    if frame.empty:
        return
    out = frame[list(MEASURE_COLUMNS)].copy()
    out.insert(0, "plan_version_id", plan_version_id)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        if raw is None:
            raise RuntimeError("the PostgreSQL connection is closed")
        buffer = io.StringIO()
        out["value"] = [repr(float(v)) for v in out["value"]]
        out.to_csv(buffer, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d")
        columns = ", ".join(f'"{c}"' for c in out.columns)
        statement = f"COPY plan_measure ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())
        return
    records: list[dict[str, Any]] = out.astype(object).where(out.notna(), other=None).to_dict(orient="records")  # type: ignore[call-overload]
    connection.execute(_TABLE.insert(), records)  # type: ignore[attr-defined]


def read_measures(session: Session, plan_version_id: int) -> pd.DataFrame:
    columns = [getattr(PlanMeasure, c) for c in MEASURE_COLUMNS]
    rows = session.execute(
        select(*columns).where(PlanMeasure.plan_version_id == plan_version_id).order_by(PlanMeasure.id)
    ).all()
    frame = pd.DataFrame(rows, columns=list(MEASURE_COLUMNS))
    frame["value"] = frame["value"].astype(float)
    return frame


def delete_measures(session: Session, plan_version_id: int) -> None:
    session.execute(delete(PlanMeasure).where(PlanMeasure.plan_version_id == plan_version_id))
