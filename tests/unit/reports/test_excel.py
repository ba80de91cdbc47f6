"""The demand-review grid's Excel round trip on real workbooks edited with openpyxl."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd

from opensop.reports.excel import (
    Grid,
    GridRow,
    grid_workbook,
    read_grid_upload,
    read_table,
    tables_workbook,
)

PERIODS = (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1))
GRID = Grid(
    plan_version_id=7,
    level="family",
    region_id="FR",
    periods=PERIODS,
    rows=(
        GridRow("GRILL", "Barbecues", (100.0, 110.0, 120.0), (0, 3, 0)),
        GridRow('=HYPERLINK("x")', "+evil", (5.0, 5.0, 5.0), (0, 0, 0)),
    ),
)


def _edit(content: bytes, changes: dict[tuple[int, int], object]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook["demand_review"]
    for (row, column), value in changes.items():
        sheet.cell(row=row, column=column).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_download_is_formatted_with_hidden_keys() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(grid_workbook(GRID)))
    sheet = workbook["demand_review"]
    assert [c.value for c in sheet[1]] == ["family", "description", "2025-01", "2025-02", "2025-03"]
    assert sheet.freeze_panes == "C2"
    assert sheet["A1"].font.bold
    assert sheet["C2"].number_format == "#,##0"
    assert workbook["_keys"].sheet_state == "hidden"
    assert [c.value for c in workbook["_keys"][5]] == ["GRILL", 0, 3, 0]


def test_exported_text_that_looks_like_a_formula_is_neutralised() -> None:
    """Text cells, never formulas, and the text exactly as it is (issue 18.4: no added quote to lose)."""
    sheet = openpyxl.load_workbook(io.BytesIO(grid_workbook(GRID)))["demand_review"]
    assert sheet["A3"].value == '=HYPERLINK("x")'
    assert sheet["A3"].data_type == "s"
    assert sheet["B3"].value == "+evil"
    assert sheet["B3"].data_type == "s"
    keys = openpyxl.load_workbook(io.BytesIO(grid_workbook(GRID)))["_keys"]
    assert keys["A6"].value == '=HYPERLINK("x")'
    assert keys["A6"].data_type == "s"


def test_changed_cells_become_a_diff_with_the_row_versions_seen() -> None:
    edited = _edit(grid_workbook(GRID), {(2, 3): 150, (2, 4): 110.2})
    upload = read_grid_upload(edited, GRID)
    assert upload.ok
    assert (upload.plan_version_id, upload.level, upload.region_id) == (7, "family", "FR")
    assert [(c.key, c.period, c.old, c.new, c.row_version) for c in upload.changes] == [
        ("GRILL", date(2025, 1, 1), 100.0, 150.0, 0)
    ]


def test_bad_values_and_formulas_are_refused_with_row_and_column() -> None:
    edited = _edit(grid_workbook(GRID), {(2, 3): "beaucoup", (2, 4): "=B2*2", (2, 5): -4, (4, 1): "NEW"})
    upload = read_grid_upload(edited, GRID)
    assert not upload.ok
    found = {(i.rule, i.row, i.column) for i in upload.issues}
    assert ("not_a_number", 2, "C") in found
    assert ("formula_refused", 2, "D") in found
    assert ("negative_value", 2, "E") in found
    assert ("unknown_key", 4, "A") in found


def test_a_workbook_of_another_version_or_a_changed_header_is_refused() -> None:
    other = Grid(8, "family", "FR", PERIODS, GRID.rows)
    assert read_grid_upload(grid_workbook(GRID), other).issues[0].rule == "other_version"
    renamed = _edit(grid_workbook(GRID), {(1, 3): "janvier"})
    assert read_grid_upload(renamed, GRID).issues[0].rule == "header_changed"
    assert read_grid_upload(b"not a workbook", GRID).issues[0].rule == "not_a_workbook"
    bare = io.BytesIO()
    openpyxl.Workbook().save(bare)
    assert read_grid_upload(bare.getvalue(), GRID).issues[0].rule == "workbook_layout"


def test_any_table_exports_with_styles_and_safe_text() -> None:
    frame = pd.DataFrame(
        {"family_id": ["GRILL", "@cmd"], "revenue": [1200.5, 3.0], "period": pd.to_datetime(["2025-01-01"] * 2)}
    )
    content = tables_workbook({"budget gap": frame}, money=("revenue",))
    sheet = openpyxl.load_workbook(io.BytesIO(content))["budget gap"]
    assert sheet["B2"].number_format == "#,##0.00"
    assert sheet.freeze_panes == "B2"
    assert read_table(content, "budget gap")[1]["family_id"] == "@cmd"
    assert sheet["A3"].data_type == "s"
