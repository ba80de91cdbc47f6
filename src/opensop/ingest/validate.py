"""Read a source and run the check catalogue in order; produce the report and, when clean, the canonical data.

The order matters: structure, then cell types, then values, then references (on raw rows, so issues keep their
row numbers), then history bucketing, keys and plausibility. Tables whose structure is broken skip the later
checks rather than producing noise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl

from opensop.ingest import checks
from opensop.ingest.readers import RawTable, read_source
from opensop.ingest.report import Severity, ValidationReport
from opensop.schema.dictionary import DICTIONARY, REQUIRED_TABLES
from opensop.schema.frames import PlanningData


@dataclass(frozen=True)
class IngestResult:
    """The report, and the data when the report has no error (a load is all-or-nothing)."""

    report: ValidationReport
    data: PlanningData | None
    content_hash: str = ""


def validate_tables(
    raw: dict[str, RawTable], *, as_of: date, report: ValidationReport, unreadable: set[str]
) -> dict[str, pl.DataFrame]:
    """Run every check; return the typed polars frames of the tables that were checked.

    A required table that is missing counts as broken: its `missing_table` error is the one issue, not one
    `unknown_reference` per row that points at it (a missing `sites` file once gave 125 follow-on errors)."""
    broken = set(unreadable) | {name for name in REQUIRED_TABLES if name not in raw}
    report.extend(checks.check_unknown_tables(raw))
    views: dict[str, checks.TableView] = {}
    for name, table in raw.items():
        if name not in DICTIONARY:
            continue
        view = checks.TableView(table, DICTIONARY[name], table.frame)
        structural = checks.check_columns(view) + checks.check_empty_table(view)
        report.extend(structural)
        if any(i.severity is Severity.ERROR and i.rule == "missing_column" for i in structural):
            broken.add(name)
            continue
        report.extend(checks.type_columns(view))
        views[name] = view
    for view in views.values():
        report.extend(checks.check_missing_values(view))
        report.extend(checks.check_allowed_values(view))
        report.extend(checks.check_ranges(view))
        report.extend(checks.check_text(view))
        report.extend(checks.check_periods(view, as_of))
    for view in views.values():
        report.extend(checks.check_references(view, views, broken))
    if "sales_history" in views:
        checks.bucket_history(views["sales_history"])
    for view in views.values():
        report.extend(checks.check_duplicate_keys(view))
        report.extend(checks.check_case_duplicates(view))
    specific = {
        "sales_history": (checks.check_history_gaps,),
        "sourcing": (checks.check_sourcing_shares,),
        "events": (checks.check_event_targets,),
        "items": (checks.check_lifecycle_dates, checks.check_launch_before_end),
        "components": (checks.check_bom_cycles,),
        "workforce": (checks.check_headcount_bounds,),
    }
    if "open_supply" in views:
        report.extend(checks.check_past_due_supply(views["open_supply"], as_of))
    report.extend(checks.check_no_routing(views))
    if "sales_history" in views:
        report.extend(checks.check_outliers(views["sales_history"], views))
    if "costs" in views:
        report.extend(checks.check_costs_cover_modelled_parts(views["costs"], views))
    for name, rules in specific.items():
        if name in views:
            for rule in rules:
                report.extend(rule(views[name]))
    return {name: view.frame.drop(checks.ROW) for name, view in views.items()}


def content_hash(data: PlanningData) -> str:
    """A hash of the canonical content, independent of file format, row order and column order."""
    digest = hashlib.sha256()
    for name, frame in sorted(data.tables().items()):
        digest.update(name.encode())
        if frame.empty:
            continue
        ordered = frame.sort_values(list(DICTIONARY[name].key)).reset_index(drop=True)
        digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def to_planning_data(frames: dict[str, pl.DataFrame]) -> PlanningData:
    return PlanningData.from_frames({name: frame.to_pandas() for name, frame in frames.items()})


def validate_source(path: Path, *, encoding: str = "utf-8", as_of: date | None = None) -> IngestResult:
    """Read and validate a folder, workbook or file. Raises SourceError only when nothing can be read at all."""
    raw, read_issues = read_source(path, encoding=encoding)
    report = ValidationReport(source=str(path))
    report.extend(read_issues)
    unreadable = {issue.table for issue in read_issues if issue.severity is Severity.ERROR}
    if "" not in unreadable:  # a whole workbook that cannot be opened is one issue, not one per missing table
        report.extend(checks.check_missing_tables(raw, unreadable))
    frames = validate_tables(raw, as_of=as_of or date.today(), report=report, unreadable=unreadable)
    if not report.ok:
        return IngestResult(report, None)
    data = to_planning_data(frames)
    return IngestResult(report, data, content_hash(data))
