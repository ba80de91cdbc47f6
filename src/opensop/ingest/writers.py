"""Write a dataset back out as the files `opensop import` reads: a CSV folder, a workbook, or Parquet files.

Periods are written as `YYYY-MM`, missing values as empty cells, so that export then import gives the same data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from opensop.schema.dictionary import DICTIONARY, ColumnType
from opensop.schema.frames import PlanningData


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
        _export_frame(name, frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
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
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in _tables(data, include_empty).items():
            _export_frame(name, frame).to_excel(writer, sheet_name=name, index=False)
            writer.sheets[name].freeze_panes = "A2"
    return path
