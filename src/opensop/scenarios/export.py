"""Export of a Comparison (or a GapAnalysis) to CSV files and to one Excel workbook: pure functions of a path.

Written through the one safe writer (`opensop.ingest.writers`): no text ever becomes a formula."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from opensop.ingest.writers import append_row, write_csv

HEADER_FILL = PatternFill("solid", start_color="1F4E78", end_color="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MAX_WIDTH = 60


class Exportable(Protocol):
    def frames(self) -> dict[str, pd.DataFrame]: ...


def to_csv(report: Exportable, directory: Path) -> list[Path]:
    """One `<name>.csv` per frame (UTF-8, ISO dates) in `directory`, created if needed; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in report.frames().items():
        paths.append(write_csv(frame, directory / f"{name}.csv"))
    return paths


def to_excel(report: Exportable, path: Path) -> Path:
    """One sheet per frame: bold white-on-blue header, frozen header row, autofilter, widths fitted to content."""
    book = Workbook()
    book.remove(book.active)
    for name, frame in report.frames().items():
        sheet = book.create_sheet(title=name[:31])
        append_row(sheet, [str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            append_row(sheet, row)
        for cell in sheet[1]:
            cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.freeze_panes = "A2"
        if len(frame.columns):
            sheet.auto_filter.ref = sheet.dimensions
        for k, column in enumerate(frame.columns, start=1):
            values = frame[column]
            numeric = pd.api.types.is_float_dtype(values)
            width = (
                max([len(str(column)), *(len(str(v)) for v in values.head(200))]) if len(values) else len(str(column))
            )
            sheet.column_dimensions[get_column_letter(k)].width = min(MAX_WIDTH, width + 2)
            if numeric:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=k, max_col=k):
                    cell.number_format = "#,##0.00"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
