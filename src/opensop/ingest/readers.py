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

import polars as pl

from opensop.errors import SourceError
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


def _french_decimals(frame: pl.DataFrame) -> pl.DataFrame:
    """With ';' as separator, Excel in French writes decimals with a comma: '12,5' means 12.5."""
    pattern = r"^\s*-?\d+,\d+\s*$"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.col(c).str.replace(",", ".")).otherwise(pl.col(c)).alias(c)
        for c in frame.columns
    )


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
    if separator != ",":
        frame = _french_decimals(frame)
    return RawTable(table, file, frame, first_row=2, separator=separator), issues


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


def read_excel(path: Path) -> tuple[dict[str, RawTable], list[Issue]]:
    """One sheet per table, header on the first row; sheets that are not tables are reported as warnings."""
    from openpyxl import load_workbook  # noqa: PLC0415 - openpyxl is slow to import and only needed here
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    file = path.name
    if path.stat().st_size == 0:
        return {}, [_issue("empty_file", "", file, "the workbook is empty (0 bytes)", "save it again from Excel")]
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        return {}, [_issue("unreadable_file", "", file, f"not a readable Excel workbook: {error}", "save as .xlsx")]
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = []
    try:
        for sheet in workbook.worksheets:
            name = sheet.title.strip().lower()
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                data: dict[str, list[str | None]] = {}
            else:
                columns = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
                values = [[_cell_text(v) for v in row] for row in rows if any(v is not None for v in row)]
                data = {c: [row[i] if i < len(row) else None for row in values] for i, c in enumerate(columns)}
            frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
            tables[name] = RawTable(name, f"{file}[{sheet.title}]", frame, first_row=2)
    finally:
        workbook.close()
    return tables, issues


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
