"""The one safe writer of spreadsheets and CSV files, and the dataset export that `opensop import` reads back.

Every CSV or workbook OpenSOP writes (dataset export, plan-of-record export, scenario comparison, report tables,
the demand-review grid) goes through `safe_csv_frame` / `append_row`, which never let a text become a live formula
and never change a text: in a workbook a text is a text cell (an inline string that Excel shows and never runs,
whatever it starts with); in CSV, where a spreadsheet evaluates `=...`, a text starting with = + - @ tab CR (or `'`,
so the escape can always be undone) gets one leading `'`, which the import removes (`numbers.unescape`). So an
export then an import gives back every value: the same content hash. Periods are written `YYYY-MM`, missing
values as empty cells.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell

from opensop.ingest.numbers import escape_text
from opensop.schema.dictionary import DICTIONARY, ColumnType
from opensop.schema.frames import PlanningData


def _is_text_column(values: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


def safe_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text cells escaped for CSV (numbers, dates and empty cells untouched)."""
    out = frame.copy()
    for column in out.columns:
        if _is_text_column(out[column]):
            out[column] = out[column].map(lambda v: escape_text(v) if isinstance(v, str) else v)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as safe UTF-8 CSV (ISO dates, `\n` line ends)."""
    return safe_csv_frame(frame).to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d").encode("utf-8")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.write_bytes(csv_bytes(frame))
    return path


def _plain(value: Any) -> Any:
    """A cell value openpyxl can write: numpy scalars unboxed, missing values empty, timestamps as dates when whole."""
    if value is None or (not isinstance(value, str | bytes) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None  # None, NaN, NaT and pandas' NA
    if isinstance(value, pd.Timestamp):
        stamp = value.to_pydatetime()
        return stamp.date() if stamp.time() == stamp.min.time() else stamp
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl sheet; every text becomes a text cell, never a formula (openpyxl would store
    "=SUM(A1)" or "@x" as a formula)."""
    row: list[Any] = []
    for value in map(_plain, values):
        if isinstance(value, str):
            cell = Cell(sheet, value=value)
            cell.data_type = "s"  # set after the value: openpyxl reads "=..." as a formula when given the value
            row.append(cell)
        else:
            row.append(value)
    # cells built here, not read back through sheet.max_row, which scans the whole sheet at every row
    sheet.append(row)


def frames_workbook(frames: dict[str, pd.DataFrame]) -> Workbook:
    """One sheet per frame (names cut to Excel's 31 characters), header first, values only."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in frames.items():
        sheet = workbook.create_sheet(title=name[:31])
        append_row(sheet, [str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            append_row(sheet, row)
        sheet.freeze_panes = "A2"
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _export_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in DICTIONARY[name].columns:
        if column.dtype is ColumnType.PERIOD:
            out[column.name] = out[column.name].dt.strftime("%Y-%m").astype("string")
        elif column.dtype is ColumnType.DATE:
            out[column.name] = out[column.name].dt.strftime("%Y-%m-%d").astype("string")
    return out


def _tables(data: PlanningData, include_empty: bool) -> dict[str, pd.DataFrame]:
    return {name: frame for name, frame in data.tables().items() if include_empty or not frame.empty}


def write_csv_folder(data: PlanningData, folder: Path, *, include_empty: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in _tables(data, include_empty).items():
        path = folder / f"{name}.csv"
        write_csv(_export_frame(name, frame), path)
        written.append(path)
    return written


def write_parquet_folder(data: PlanningData, folder: Path, *, include_empty: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in _tables(data, include_empty).items():
        path = folder / f"{name}.parquet"
        _export_frame(name, frame).to_parquet(path, index=False)
        written.append(path)
    return written


def write_excel(data: PlanningData, path: Path, *, include_empty: bool = False) -> Path:
    """One sheet per table, header row frozen; values only (no formulas), so the workbook imports back as is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = {name: _export_frame(name, frame) for name, frame in _tables(data, include_empty).items()}
    frames_workbook(frames).save(path)
    return path
