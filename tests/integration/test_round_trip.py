"""The demo company exported to CSV, Excel and Parquet and imported back gives identical tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from opensop.demo import generate_demo
from opensop.ingest import content_hash, validate_source, write_csv_folder, write_excel, write_parquet_folder
from opensop.schema.frames import PlanningData


@pytest.fixture(scope="module")
def demo() -> PlanningData:
    return PlanningData.from_frames(generate_demo())


def _assert_same(left: PlanningData, right: PlanningData) -> None:
    for name, frame in left.tables().items():
        pd.testing.assert_frame_equal(right.tables()[name], frame, obj=name, check_exact=True)
    assert content_hash(left) == content_hash(right)


@pytest.mark.parametrize("writer", ["csv", "excel", "parquet"])
def test_demo_round_trip(demo: PlanningData, tmp_path: Path, writer: str) -> None:
    first = tmp_path / "first"
    write_csv_folder(demo, first)
    imported = validate_source(first)
    assert imported.data is not None, imported.report.to_frame().to_string()
    _assert_same(demo, imported.data)
    if writer == "csv":
        target = tmp_path / "again"
        write_csv_folder(imported.data, target)
    elif writer == "excel":
        target = write_excel(imported.data, tmp_path / "again.xlsx")
    else:
        target = tmp_path / "again"
        write_parquet_folder(imported.data, target)
    again = validate_source(target)
    assert again.data is not None, again.report.to_frame().to_string()
    _assert_same(imported.data, again.data)
