"""Excel workbooks: any table as a formatted sheet, and the demand-review grid's offline round trip.

Download: one visible sheet (styled header, number formats, frozen panes) and a hidden `_keys` sheet carrying
the plan version, level, region and each cell's row version, so an upload can be applied with compare-and-swap
(a cell someone changed meanwhile is refused, not overwritten).

Upload: the workbook is validated like an import — each problem is an `Issue(rule, row, column, message)` and
any problem blocks the whole upload. Formulas are refused (`formula_refused`): the plan must hold the numbers
people saw, not expressions that evaluate differently elsewhere.

Formula injection: every text is written as a text cell by the one safe writer (`opensop.ingest.writers`), so
Excel or LibreOffice show it as text instead of running it, and it reads back exactly as written.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from opensop.ingest.readers import archive_issues
from opensop.ingest.writers import append_row

GRID_SHEET = "demand_review"
KEYS_SHEET = "_keys"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
QUANTITY_FORMAT = "#,##0"
MONEY_FORMAT = "#,##0.00"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_EXTRA_ROWS = 1000  # blank or note rows tolerated below the grid; more is not an edited download


def _style_header(sheet: Any, columns: int) -> None:
    for index in range(1, columns + 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_table(sheet: Any, frame: pd.DataFrame, *, money: Iterable[str] = ()) -> None:
    """A frame as a formatted table: header styled, first row and column frozen, numbers formatted."""
    money_columns = set(money)
    append_row(sheet, [str(column) for column in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        append_row(sheet, row)
    _style_header(sheet, len(frame.columns))
    sheet.freeze_panes = "B2"
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(column)) + 4))
        if pd.api.types.is_numeric_dtype(frame[column]):
            number_format = MONEY_FORMAT if column in money_columns else QUANTITY_FORMAT
            for cell in sheet[letter][1:]:
                cell.number_format = number_format
        elif pd.api.types.is_datetime64_any_dtype(frame[column]) or column == "period":
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm"


def tables_workbook(tables: dict[str, pd.DataFrame], *, money: Iterable[str] = ()) -> bytes:
    """Several tables, one sheet each (sheet names cut to Excel's 31 characters)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    money_columns = tuple(money)
    for name, frame in tables.items():
        write_table(workbook.create_sheet(name[:31]), frame, money=money_columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- the demand-review grid ----


@dataclass(frozen=True)
class GridRow:
    key: str
    label: str
    values: tuple[float, ...]
    row_versions: tuple[int, ...]


@dataclass(frozen=True)
class Grid:
    """Family (or item) x month consensus for one region ("" = all) of one plan version."""

    plan_version_id: int
    level: str
    region_id: str
    periods: tuple[date, ...]
    rows: tuple[GridRow, ...]

    def cell(self, key: str, period: date) -> tuple[float, int] | None:
        for row in self.rows:
            if row.key == key and period in self.periods:
                index = self.periods.index(period)
                return row.values[index], row.row_versions[index]
        return None


def grid_workbook(grid: Grid) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = GRID_SHEET
    header = [grid.level, "description", *(f"{p:%Y-%m}" for p in grid.periods)]
    append_row(sheet, header)
    for row in grid.rows:
        append_row(sheet, [row.key, row.label, *(round(v, 6) for v in row.values)])
    _style_header(sheet, len(header))
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 32
    for index in range(3, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 11
        for cell in sheet[get_column_letter(index)][1:]:
            cell.number_format = QUANTITY_FORMAT
    keys = workbook.create_sheet(KEYS_SHEET)
    append_row(keys, ["plan_version_id", grid.plan_version_id])
    append_row(keys, ["level", grid.level])
    append_row(keys, ["region_id", grid.region_id])
    append_row(keys, ["key", *(p.isoformat() for p in grid.periods)])
    for row in grid.rows:
        append_row(keys, [row.key, *row.row_versions])
    keys.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Issue:
    rule: str
    row: int | None
    column: str | None
    message: str


@dataclass(frozen=True)
class CellChange:
    key: str
    period: date
    old: float | None
    new: float
    row_version: int
    problem: str = ""  # why a typed value was refused (NaN `new`), e.g. "'1.234' reads two ways (ambiguous_number)"


@dataclass
class GridUpload:
    plan_version_id: int = 0
    level: str = ""
    region_id: str = ""
    changes: list[CellChange] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    return text[1:] if text.startswith("'") and text[1:].startswith(DANGEROUS_PREFIXES) else text


def _is_formula(cell: Any) -> bool:
    return getattr(cell, "data_type", "") == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))


def _read_keys(workbook: Any, upload: GridUpload) -> tuple[list[date], dict[str, list[int]]] | None:
    if KEYS_SHEET not in workbook.sheetnames or GRID_SHEET not in workbook.sheetnames:
        upload.issues.append(
            Issue("workbook_layout", None, None, f"the workbook needs the sheets {GRID_SHEET} and {KEYS_SHEET}")
        )
        return None
    rows = list(workbook[KEYS_SHEET].iter_rows(values_only=True))
    try:
        upload.plan_version_id = int(rows[0][1])
        upload.level = _text(rows[1][1])
        upload.region_id = _text(rows[2][1])
        periods = [date.fromisoformat(str(value)) for value in rows[3][1:] if value is not None]
        versions = {_text(row[0]): [int(v or 0) for v in row[1 : len(periods) + 1]] for row in rows[4:] if row[0]}
    except (IndexError, TypeError, ValueError):
        upload.issues.append(Issue("workbook_layout", None, None, f"the hidden sheet {KEYS_SHEET} was changed"))
        return None
    return periods, versions


def read_grid_upload(content: bytes, current: Grid | None) -> GridUpload:
    """Validate an edited grid workbook and diff it against `current` (the grid as it is now on the server).

    Row versions come from the workbook (what the user saw when downloading), so a cell changed by someone else
    since then is refused by the override service instead of being overwritten.
    """
    upload = GridUpload()
    if len(content) > MAX_UPLOAD_BYTES:
        upload.issues.append(Issue("file_too_large", None, None, "the workbook is larger than 10 MB"))
        return upload
    if problems := archive_issues(io.BytesIO(content), file="workbook"):
        upload.issues.extend(Issue(p.rule, None, None, p.message) for p in problems)
        return upload
    try:
        workbook = load_workbook(io.BytesIO(content), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        upload.issues.append(Issue("not_a_workbook", None, None, f"the file is not an .xlsx workbook ({error})"))
        return upload
    keys = _read_keys(workbook, upload)
    if keys is None:
        return upload
    periods, versions = keys
    sheet = workbook[GRID_SHEET]
    header = [_text(cell.value) for cell in sheet[1]]
    expected = [f"{p:%Y-%m}" for p in periods]
    if header[2 : 2 + len(expected)] != expected:
        upload.issues.append(Issue("header_changed", 1, None, f"the month columns must stay {', '.join(expected)}"))
        return upload
    if current is not None and current.plan_version_id != upload.plan_version_id:
        upload.issues.append(
            Issue(
                "other_version",
                None,
                None,
                f"the workbook is for plan version {upload.plan_version_id}, the page shows {current.plan_version_id}",
            )
        )
        return upload
    if sheet.max_row > len(versions) + 1 + MAX_EXTRA_ROWS:
        upload.issues.append(
            Issue(
                "sheet_too_large",
                None,
                None,
                f"the grid has {sheet.max_row:,} rows; it was downloaded with {len(versions)}",
            )
        )
        return upload
    for row_cells in sheet.iter_rows(min_row=2, max_col=2 + len(periods)):
        row_number = row_cells[0].row
        key = _text(row_cells[0].value)
        if not key:
            continue
        if key not in versions:
            upload.issues.append(Issue("unknown_key", row_number, "A", f"{key!r} is not a row of the downloaded grid"))
            continue
        for index, period in enumerate(periods):
            cell = row_cells[2 + index] if 2 + index < len(row_cells) else None
            column = get_column_letter(3 + index)
            if cell is None or cell.value is None:
                continue
            if _is_formula(cell):
                upload.issues.append(
                    Issue("formula_refused", row_number, column, "formulas are not accepted: type the number")
                )
                continue
            value = cell.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                upload.issues.append(Issue("not_a_number", row_number, column, f"{value!r} is not a number"))
                continue
            if value < 0 or math.isnan(value):
                upload.issues.append(Issue("negative_value", row_number, column, f"{value} is below zero"))
                continue
            old = current.cell(key, period) if current is not None else None
            old_value = old[0] if old is not None else None
            if old_value is not None and abs(float(value) - old_value) < 0.5:
                continue
            upload.changes.append(CellChange(key, period, old_value, float(value), versions[key][index]))
    return upload


def read_table(content: bytes, sheet_name: str) -> list[dict[str, Any]]:
    """Rows of a sheet as dicts (header from the first row), for tests and small tools."""
    workbook = load_workbook(io.BytesIO(content), data_only=False)
    rows = list(workbook[sheet_name].iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def as_month(value: date | datetime | pd.Timestamp) -> date:
    return date(value.year, value.month, 1)


def sheet_names(content: bytes) -> Sequence[str]:
    names: list[str] = load_workbook(io.BytesIO(content)).sheetnames
    return names
