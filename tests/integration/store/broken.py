"""Deliberately broken sources, one per validation rule, each with the exact issue it must produce.

Every case starts from the valid tiny company (tests/data/tiny) and breaks one thing; `row` is the line number
as the user sees it in the file (1 = header), `column` the column the report must name.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Broken:
    name: str
    rule: str
    table: str
    row: int | None
    column: str
    mutate: Callable[[Path], Path]


def _edit(file: str, old: str, new: str) -> Callable[[Path], Path]:
    def mutate(folder: Path) -> Path:
        path = folder / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return folder

    return mutate


def _remove(file: str) -> Callable[[Path], Path]:
    def mutate(folder: Path) -> Path:
        (folder / file).unlink()
        return folder

    return mutate


def _write_bytes(file: str, content: bytes) -> Callable[[Path], Path]:
    def mutate(folder: Path) -> Path:
        (folder / file).write_bytes(content)
        return folder

    return mutate


def _truncate_history(folder: Path) -> Path:
    path = folder / "sales_history.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex(",", 0, len(text) - 1) - 3], encoding="utf-8")
    return folder


def _drop_month(folder: Path) -> Path:
    path = folder / "sales_history.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("2024-03")) + "\n", encoding="utf-8")
    return folder


def _cp1252_items(folder: Path) -> Path:
    path = folder / "items.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("Cocotte", "Cocotte émaillée").encode("cp1252"))
    return folder


def _workbook(drop: str | None = None, edit: tuple[str, str, object] | None = None) -> Callable[[Path], Path]:
    """An Excel workbook made from the tiny CSVs (text cells, as a user's export), optionally broken."""

    def mutate(folder: Path) -> Path:
        workbook = folder.parent / "tiny.xlsx"
        with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
            for csv in sorted(folder.glob("*.csv")):
                if csv.stem == drop:
                    continue
                frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
                if edit and csv.stem == edit[0]:
                    frame.loc[0, edit[1]] = edit[2]
                frame.to_excel(writer, sheet_name=csv.stem, index=False)
        return workbook

    return mutate


BROKEN_SOURCES: tuple[Broken, ...] = (
    Broken("missing required table", "missing_table", "items", None, "", _remove("items.csv")),
    Broken(
        "missing required column",
        "missing_column",
        "sales_history",
        1,
        "quantity",
        _edit("sales_history.csv", "period,item_id,region_id,quantity,revenue", "period,item_id,region_id,qty,revenue"),
    ),
    Broken(
        "text in a number",
        "wrong_type",
        "items",
        2,
        "unit_price",
        _edit("items.csv", "GRILL,unit,active,,,120", "GRILL,unit,active,,,cent vingt"),
    ),
    Broken(
        "unreadable month",
        "wrong_type",
        "sales_history",
        2,
        "period",
        _edit("sales_history.csv", "2023-11,G1,FR", "Nov 23,G1,FR"),
    ),
    Broken(
        "empty required cell",
        "missing_value",
        "items",
        4,
        "family_id",
        _edit("items.csv", "P1,Cocotte fonte 24cm,POT", "P1,Cocotte fonte 24cm,"),
    ),
    Broken("value not allowed", "not_allowed", "sites", 3, "kind", _edit("sites.csv", "ORLY,warehouse", "ORLY,depot")),
    Broken(
        "negative stock",
        "negative_value",
        "inventory",
        2,
        "on_hand",
        _edit("inventory.csv", "G1,LYON,150", "G1,LYON,-150"),
    ),
    Broken(
        "share above one",
        "out_of_range",
        "sourcing",
        4,
        "share",
        _edit("sourcing.csv", "G1,EXPORT,LYON,1", "G1,EXPORT,LYON,1.5"),
    ),
    Broken("duplicate key", "duplicate_key", "items", 5, "item_id", _edit("items.csv", "P2,Faitout", "P1,Faitout")),
    Broken(
        "history of an unknown item",
        "unknown_reference",
        "sales_history",
        5,
        "item_id",
        _edit("sales_history.csv", "2023-11,P2,FR", "2023-11,P9,FR"),
    ),
    Broken(
        "routing on an unknown resource",
        "unknown_reference",
        "routings",
        3,
        "resource_id",
        _edit("routings.csv", "G2,LYON,ASSEMBLY", "G2,LYON,PAINT"),
    ),
    Broken(
        "history in the future",
        "period_outside_calendar",
        "sales_history",
        46,
        "period",
        _edit("sales_history.csv", "2024-10,G1,FR", "2031-10,G1,FR"),
    ),
    Broken("a whole month missing", "period_gap", "sales_history", None, "period", _drop_month),
    Broken(
        "sourcing shares do not add up",
        "share_sum",
        "sourcing",
        2,
        "share",
        _edit("sourcing.csv", "G1,FR,ORLY,0.4", "G1,FR,ORLY,0.3"),
    ),
    Broken(
        "material below the components it includes (the cost convention read the other way)",
        "costs_below_modelled",
        "costs",
        2,
        "material",
        _edit("costs.csv", "G1,LYON,35,35", "G1,LYON,5,35"),  # G1 takes one GRID50, bought at 8.5
    ),
    Broken(
        "event on item and family",
        "event_target",
        "events",
        2,
        "item_id",
        _edit("events.csv", ",GRILL,FR", "G1,GRILL,FR"),
    ),
    Broken(
        "history without rows",
        "empty_table",
        "sales_history",
        None,
        "",
        _write_bytes("sales_history.csv", b"period,item_id,region_id,quantity\n"),
    ),
    Broken("zero-byte file", "empty_file", "regions", None, "", _write_bytes("regions.csv", b"")),
    Broken("wrong encoding", "encoding", "items", 4, "", _cp1252_items),
    Broken("truncated csv", "truncated_file", "sales_history", 49, "", _truncate_history),
    Broken(
        "no separator",
        "delimiter",
        "families",
        1,
        "",
        _write_bytes("families.csv", b"family_id:category_id\nGRILL:GARDEN\n"),
    ),
    Broken(
        "row with extra fields",
        "ragged_row",
        "regions",
        3,
        "",
        _edit("regions.csv", "EXPORT,export,Export,2", "EXPORT,export,Export,2,extra"),
    ),
    Broken("workbook without the items sheet", "missing_table", "items", None, "", _workbook(drop="items")),
    Broken(
        "workbook with text in a number",
        "wrong_type",
        "inventory",
        2,
        "on_hand",
        _workbook(edit=("inventory", "on_hand", "beaucoup")),
    ),
)


def write_broken(case: Broken, valid: Path, folder: Path) -> Path:
    shutil.copytree(valid, folder)
    return case.mutate(folder)
