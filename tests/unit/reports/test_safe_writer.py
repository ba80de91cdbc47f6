"""Issue 18.4: one safe writer. No export writes a live formula, and texts come back exactly."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from opensop.ingest.writers import csv_bytes, frames_workbook, workbook_bytes
from opensop.reports.excel import tables_workbook
from opensop.scenarios.export import to_csv, to_excel

DANGEROUS = ['=HYPERLINK("http://evil","x")', "+33 1 23", "-2+3", "@SUM(A1)", "'quoted", "plain, with comma"]
FRAME = pd.DataFrame({"label": DANGEROUS, "value": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0]})


class _Report:
    def frames(self) -> dict[str, pd.DataFrame]:
        return {"gaps": FRAME}


def _cells(content: bytes) -> list[tuple[object, str]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [(cell.value, cell.data_type) for (cell,) in sheet.iter_rows(min_row=2, max_col=1)]


def test_workbooks_hold_text_cells_never_formulas(tmp_path: Path) -> None:
    """Before: openpyxl stored '=HYPERLINK(...)' and '@SUM(A1)' as formulas (plan-of-record export, opensop export)."""
    for content in (
        workbook_bytes(frames_workbook({"plan": FRAME})),
        tables_workbook({"plan": FRAME}),
        to_excel(_Report(), tmp_path / "gaps.xlsx").read_bytes(),
    ):
        cells = _cells(content)
        assert [value for value, _ in cells] == DANGEROUS
        assert {kind for _, kind in cells} == {"s"}


def test_csv_texts_are_escaped_and_numbers_are_not(tmp_path: Path) -> None:
    lines = csv_bytes(FRAME).decode().splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://evil"",""x"")",1.5'
    assert lines[2:5] == ["'+33 1 23,-2.0", "'-2+3,3.0", "'@SUM(A1),4.0"]
    assert lines[5] == "''quoted,5.0"
    written = to_csv(_Report(), tmp_path / "out")[0].read_text()
    assert "'-2+3" in written
    assert ",-2.0" in written
