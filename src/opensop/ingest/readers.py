"""Readers: a folder of CSV or Parquet files, or an Excel workbook, to raw tables of text.

Everything is read as text first so that a bad cell becomes an issue naming its row and column, not a parser
crash; typing happens in `checks`. CSV files go through polars (multi-threaded, streams 10M rows in seconds).
Problems that stop a file from being read at all (empty file, wrong encoding, unknown delimiter, a truncated last
line, too many fields on a row) are returned as issues too, so the user sees every problem of a source at once.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from opensop.errors import SourceError
from opensop.ingest.numbers import DECIMAL_COMMA, DECIMAL_POINT
from opensop.ingest.report import Issue, Severity
from opensop.schema.dictionary import DICTIONARY

SEPARATORS = (",", ";", "\t", "|")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class RawTable:
    """A table as read: every column text; `first_row` is the user-visible row number of the first data row."""

    name: str
    file: str
    frame: pl.DataFrame
    first_row: int
    separator: str = ","
    decimal: str = DECIMAL_POINT  # the locale rule of the file: ',' for ';'-separated CSV (Excel in French)
    escaped: bool = False  # CSV texts may carry the formula escape of OpenSOP's writer (a leading ')


def _issue(rule: str, table: str, file: str, message: str, hint: str, row: int | None = None) -> Issue:
    return Issue(Severity.ERROR, rule, table, message, file=file, row=row, hint=hint)


def _decode(raw: bytes, table: str, file: str, encoding: str) -> tuple[str | None, Issue | None]:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return None, _issue(
            "encoding",
            table,
            file,
            f"the file is not valid {encoding}: byte 0x{raw[error.start]:02x} cannot be read",
            "save the file as 'CSV UTF-8' (Excel) or import with --encoding cp1252",
            row=line,
        )
    return text.removeprefix("\ufeff"), None


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_csv(path: Path, table: str, *, encoding: str = "utf-8") -> tuple[RawTable | None, list[Issue]]:
    file = path.name
    raw = path.read_bytes()
    if not raw.strip():
        return None, [_issue("empty_file", table, file, "the file is empty (0 bytes or blank)", "export it again")]
    text, problem = _decode(raw, table, file, encoding)
    if problem is not None or text is None:
        return None, [problem] if problem else []
    header = text.split("\n", 1)[0].rstrip("\r")
    separator = _separator(header)
    expected = set(DICTIONARY[table].column_names) if table in DICTIONARY else set()
    names = {name.strip() for name in header.split(separator)}
    if expected and len(names) == 1 and not names & expected:
        return None, [
            _issue(
                "delimiter",
                table,
                file,
                f"no column separator found in the header {header[:80]!r}",
                "separate columns with ',' or ';' (or tab) and keep the header on the first line",
                row=1,
            )
        ]
    issues: list[Issue] = []
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=separator, infer_schema=False, quote_char='"')
    except pl.exceptions.PolarsError:
        return None, [_ragged_row(text, separator, table, file)]
    frame = frame.rename({c: c.strip() for c in frame.columns})
    if not text.endswith("\n") and frame.height:
        last = next(csv.reader([text.rsplit("\n", 1)[-1]], delimiter=separator), [])
        if len(last) < len(frame.columns):
            issues.append(
                _issue(
                    "truncated_file",
                    table,
                    file,
                    f"the last line has {len(last)} of {len(frame.columns)} fields: the file was cut off",
                    "export the file again completely",
                    row=frame.height + 1,
                )
            )
    decimal = DECIMAL_COMMA if separator == ";" else DECIMAL_POINT
    return RawTable(table, file, frame, first_row=2, separator=separator, decimal=decimal, escaped=True), issues


def _ragged_row(text: str, separator: str, table: str, file: str) -> Issue:
    """Find the first row with more fields than the header (only on the error path, so plain Python is fine)."""
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    width = len(next(reader, []))
    for line, fields in enumerate(reader, start=2):
        if len(fields) > width:
            return _issue(
                "ragged_row",
                table,
                file,
                f"the row has {len(fields)} fields but the header has {width}",
                "quote values that contain the separator, or remove the extra fields",
                row=line,
            )
    return _issue("unreadable_file", table, file, "the CSV file cannot be parsed", "check quotes and separators")


def read_parquet(path: Path, table: str) -> tuple[RawTable | None, list[Issue]]:
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        return None, [_issue("unreadable_file", table, path.name, f"not a readable Parquet file: {error}", "")]
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c in frame.columns)
    return RawTable(table, path.name, frame, first_row=1), []


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_SHEET_COLUMNS = 256
MAX_WORKBOOK_CELLS = 10_000_000


def archive_issues(path: Path | BinaryIO, *, file: str | None = None) -> list[Issue]:
    """Limits of a zip archive (an .xlsx workbook is one) checked on its directory, before anything is unpacked:
    size of each member and of all (`archive_too_large`), and compression ratio (`compression_ratio`: a zip bomb
    such as 300 MB of CSV in 300 KB). Python's zipfile never yields more than a member's declared size, so the
    declared sizes are a real bound on what reading can produce."""
    name = file or (path.name if isinstance(path, Path) else "archive")
    try:
        with zipfile.ZipFile(path) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError):
        return []  # not a zip at all: the reader that opens it next says so in its own terms
    issues = []
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MAX_MEMBER_BYTES:
            issues.append(
                _issue(
                    "archive_too_large",
                    "",
                    f"{name}[{member.filename}]",
                    f"{member.filename} is {member.file_size / 2**20:,.0f} MB once unpacked, above the limit of "
                    f"{MAX_MEMBER_BYTES / 2**20:,.0f} MB",
                    "split the table, or import it with `opensop import` from a folder",
                )
            )
        elif member.file_size > 2**20 and ratio > MAX_COMPRESSION_RATIO:
            issues.append(
                _issue(
                    "compression_ratio",
                    "",
                    f"{name}[{member.filename}]",
                    f"{member.filename} unpacks {ratio:,.0f} times its compressed size (limit "
                    f"{MAX_COMPRESSION_RATIO}): refused as a zip bomb",
                    "zip the real export files",
                )
            )
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        issues.append(
            _issue(
                "archive_too_large",
                "",
                name,
                f"the archive is {total / 2**20:,.0f} MB once unpacked, above the limit of "
                f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MB",
                "import fewer or smaller tables at once",
            )
        )
    return issues


_NO_VALUES: list[object] = []


@dataclass
class _Formula:
    row: int
    column: int
    text: str


def _sheet_values(sheet: Any, file: str, budget: list[int]) -> tuple[list[list[object]], list[_Formula], list[Issue]]:
    """The rows of a read-only sheet, bounded by its real content, never by the dimension it declares (a 5 KB file
    can claim XFD1048576: 17 billion cells). Formula cells are returned apart, to be read from cached values."""
    sheet.reset_dimensions()
    rows: list[list[object]] = []
    formulas: list[_Formula] = []
    for number, row in enumerate(sheet.iter_rows(), start=1):
        budget[0] -= len(row)
        if budget[0] < 0:
            return (
                rows,
                formulas,
                [
                    _issue(
                        "workbook_too_large",
                        "",
                        file,
                        f"the workbook holds more than {MAX_WORKBOOK_CELLS:,} cells",
                        "import large tables as CSV or Parquet files",
                        row=number,
                    )
                ],
            )
        if not row:
            rows.append(_NO_VALUES)  # a gap row: shared, so a million of them cost a million pointers
            continue
        values = [cell.value for cell in row]
        while values and values[-1] is None:
            values.pop()
        if len(values) > MAX_SHEET_COLUMNS:
            return (
                rows,
                formulas,
                [
                    _issue(
                        "sheet_too_wide",
                        "",
                        file,
                        f"row {number} has {len(values):,} columns; a table has at most {MAX_SHEET_COLUMNS}",
                        "delete the columns to the right of the table",
                        row=number,
                    )
                ],
            )
        for index, cell in enumerate(row[: len(values)]):
            if getattr(cell, "data_type", "") == "f":
                formulas.append(_Formula(number, index, str(cell.value)))
        rows.append(values)
    return rows, formulas, []


def _cached_values(path: Path, wanted: dict[str, list[_Formula]]) -> dict[tuple[str, int, int], object]:
    """Values Excel computed for the formula cells (a second read-only pass, only when there are formulas)."""
    from openpyxl import load_workbook  # noqa: PLC0415 - openpyxl is slow to import and only needed here

    found: dict[tuple[str, int, int], object] = {}
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for title, formulas in wanted.items():
            sheet = workbook[title]
            sheet.reset_dimensions()
            targets = {(f.row, f.column) for f in formulas}
            last = max(f.row for f in formulas)
            for number, row in enumerate(sheet.iter_rows(values_only=True, max_row=last), start=1):
                for index, value in enumerate(row):
                    if (number, index) in targets:
                        found[(title, number, index)] = value
    finally:
        workbook.close()
    return found


def read_excel(path: Path) -> tuple[dict[str, RawTable], list[Issue]]:
    """One sheet per table, header on the first row; sheets that are not tables are reported as warnings.

    Bounded before reading (`archive_issues`) and while reading (`MAX_SHEET_COLUMNS`, `MAX_WORKBOOK_CELLS`). A
    formula cell takes the value Excel computed and saved; one without a saved value is `formula_cell`, never
    silently empty."""
    from openpyxl import load_workbook  # noqa: PLC0415 - openpyxl is slow to import and only needed here
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    file = path.name
    if path.stat().st_size == 0:
        return {}, [_issue("empty_file", "", file, "the workbook is empty (0 bytes)", "save it again from Excel")]
    if limits := archive_issues(path):
        return {}, limits
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        return {}, [_issue("unreadable_file", "", file, f"not a readable Excel workbook: {error}", "save as .xlsx")]
    sheets: dict[str, tuple[str, list[list[object]], list[_Formula]]] = {}
    issues: list[Issue] = []
    budget = [MAX_WORKBOOK_CELLS]
    try:
        for sheet in workbook.worksheets:
            where = f"{file}[{sheet.title}]"
            rows, formulas, problems = _sheet_values(sheet, where, budget)
            issues += problems
            if problems:
                return {}, issues
            sheets[sheet.title] = (where, rows, formulas)
    finally:
        workbook.close()
    wanted = {title: formulas for title, (_, _, formulas) in sheets.items() if formulas}
    cached = _cached_values(path, wanted) if wanted else {}
    tables: dict[str, RawTable] = {}
    for title, (where, rows, formulas) in sheets.items():
        name = title.strip().lower()
        header = rows[0] if rows else []
        for formula in formulas:
            value = cached.get((title, formula.row, formula.column))
            rows[formula.row - 1][formula.column] = value
            if value is None:
                issues.append(
                    Issue(
                        Severity.ERROR,
                        "formula_cell",
                        name,
                        f"the cell holds the formula {formula.text[:60]} but no value computed by Excel",
                        file=where,
                        row=formula.row,
                        column=str(header[formula.column])
                        if formula.row > 1 and formula.column < len(header) and header[formula.column] is not None
                        else get_column_letter(formula.column + 1),
                        value=formula.text[:60],
                        hint="open and save the workbook in Excel, or paste the values instead of the formulas",
                    )
                )
        tables[name] = RawTable(name, where, _frame(rows), first_row=2)
    return tables, issues


def _frame(rows: list[list[object]]) -> pl.DataFrame:
    header = rows[0] if rows else None
    if header is None:
        return pl.DataFrame()
    columns = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    values = [[_cell_text(v) for v in row] for row in rows[1:] if any(v is not None for v in row)]
    data = {c: [row[i] if i < len(row) else None for row in values] for i, c in enumerate(columns)}
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))


def table_name(path: Path) -> str:
    return path.stem.strip().lower()


def read_source(path: Path, *, encoding: str = "utf-8") -> tuple[dict[str, RawTable], list[Issue]]:
    """Read a folder (CSV / Parquet files named after their table), an Excel workbook, or a single table file."""
    if not path.exists():
        raise SourceError(f"{path} does not exist", hint="give a folder of CSV/Parquet files or an .xlsx workbook")
    if path.is_file() and path.suffix.lower() in EXCEL_SUFFIXES:
        return read_excel(path)
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = []
    for file in files:
        suffix = file.suffix.lower()
        name = table_name(file)
        if suffix in CSV_SUFFIXES:
            raw, found = read_csv(file, name, encoding=encoding)
        elif suffix in PARQUET_SUFFIXES:
            raw, found = read_parquet(file, name)
        else:
            continue
        issues.extend(found)
        if raw is not None:
            if name in tables:
                issues.append(
                    _issue("duplicate_table", name, file.name, f"table {name} is given twice", "keep one file")
                )
            tables[name] = raw
    if not tables and not issues:
        raise SourceError(f"no CSV, Parquet or Excel table found in {path}", hint="name files after their table")
    return tables, issues
