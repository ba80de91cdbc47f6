"""The hostile-input catalogue (issues 15 and 18): input sets a careless export, a French Excel, a US colleague or an
attacker produce, each with its expected outcome — refused by a named rule, or accepted with the documented
interpretation (docs/data-dictionary.md, "How cells are read") checked on what the database holds afterwards.

Every case starts from the valid tiny company (tests/data/tiny) and changes one thing. `category` groups them as
the acceptance asks: locale, encoding, type, reference, structure, size, plus the impossible-data rules.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from opensop.schema.frames import PlanningData
from tests.integration.store.broken import _edit

Mutate = Callable[[Path], Path]
Check = Callable[[PlanningData], None]


@dataclass(frozen=True)
class Hostile:
    name: str
    category: str
    mutate: Mutate
    rule: str = ""  # the error rule that refuses it ("" = accepted)
    table: str = ""
    row: int | None = None
    column: str = ""
    warning: str = ""  # a warning rule the accepted load must carry
    check: Check | None = None  # the documented interpretation, checked on the stored data
    only_error: bool = False  # the report must hold this one error and nothing else (no follow-on flood)


def edit(file: str, old: str, new: str) -> Mutate:
    """Replace `old` by `new` once in `file` of the copied dataset (the broken-source catalogue's own edit)."""
    return _edit(file, old, new)


def write(file: str, content: str | bytes) -> Mutate:
    def mutate(folder: Path) -> Path:
        path = folder / file
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return folder

    return mutate


def remove(file: str) -> Mutate:
    def mutate(folder: Path) -> Path:
        (folder / file).unlink()
        return folder

    return mutate


def append(file: str, line: str) -> Mutate:
    def mutate(folder: Path) -> Path:
        path = folder / file
        path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
        return folder

    return mutate


def both(*steps: Mutate) -> Mutate:
    def mutate(folder: Path) -> Path:
        for step in steps:
            folder = step(folder)
        return folder

    return mutate


def workbook(edit_cell: tuple[str, int, str, object] | None = None, *, formula: str = "") -> Mutate:
    """The tiny company as one workbook written cell by cell with openpyxl (text cells as Excel types them);
    `edit_cell` = (sheet, data row index, column, value); `formula` puts a formula without cached value there."""

    def mutate(folder: Path) -> Path:
        book = Workbook()
        book.remove(book.active)
        for csv in sorted(folder.glob("*.csv")):
            frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
            sheet = book.create_sheet(csv.stem)
            sheet.append(list(frame.columns))
            for index, row in enumerate(frame.itertuples(index=False, name=None)):
                values: list[object] = list(row)
                if edit_cell and edit_cell[0] == csv.stem and edit_cell[1] == index:
                    values[list(frame.columns).index(edit_cell[2])] = formula or edit_cell[3]
                sheet.append(values)
                if edit_cell and edit_cell[0] == csv.stem and edit_cell[1] == index and not formula:
                    for cell in sheet[sheet.max_row]:
                        if isinstance(cell.value, str):
                            cell.data_type = "s"
        path = folder.parent / "tiny.xlsx"
        book.save(path)
        return path

    return mutate


def patch_workbook(rewrite: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> Mutate:
    """The tiny workbook with its sheet XML rewritten (and extra archive members): hand-made hostile files."""

    def mutate(folder: Path) -> Path:
        path = workbook()(folder)
        source = io.BytesIO(path.read_bytes())
        with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for member in original.infolist():
                out.writestr(member, rewrite(member.filename, original.read(member)))
            for name, content in (extra or {}).items():
                out.writestr(name, content)
        return path

    return mutate


def claim_huge_dimension(name: str, content: bytes) -> bytes:
    """Every sheet declares XFD1048576 (17 billion cells) while holding a few dozen: the 4.9 KB file that froze
    the server for two minutes."""
    if not name.startswith("xl/worksheets/sheet"):
        return content
    text = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', content)
    if b"<dimension" not in text:
        text = text.replace(b"<sheetData", b'<dimension ref="A1:XFD1048576"/><sheetData', 1)
    return text


def cell_far_right(name: str, content: bytes) -> bytes:
    """A real value in column KZ (312) of one sheet's first row: a table is never that wide."""
    if not name.endswith("sheet8.xml"):
        return content
    return content.replace(b"</row>", b'<c r="KZ1" t="inlineStr"><is><t>x</t></is></c></row>', 1)


def unchanged(folder: Path) -> Path:
    return folder


# ---- the documented interpretations, checked on the data read back from the database --------------------------


def value_of(table: str, key: dict[str, str], column: str) -> Callable[[PlanningData], object]:
    def read(data: PlanningData) -> object:
        frame = data.tables()[table]
        for name, value in key.items():
            frame = frame[frame[name] == value]
        assert len(frame) == 1, f"{key} not found once in {table}"
        return frame[column].iloc[0]

    return read


def equals(table: str, key: dict[str, str], column: str, expected: object) -> Check:
    def check(data: PlanningData) -> None:
        value = value_of(table, key, column)(data)
        if isinstance(expected, pd.Timestamp):
            assert pd.Timestamp(value) == expected, (table, key, column, value)
        else:
            assert value == expected, (table, key, column, value)

    return check


def all_of(*checks: Check) -> Check:
    def check(data: PlanningData) -> None:
        for one in checks:
            one(data)

    return check


def routings_without(item: str) -> Check:
    def check(data: PlanningData) -> None:
        assert item not in set(data.routings["item_id"])

    return check


ON_HAND = {"item_id": "G1", "site_id": "LYON"}
INVENTORY_FR = "item_id;site_id;on_hand\nG1;LYON;{}\nG1;ORLY;60\nP1;LYON;220\nGRID50;LYON;400\n"
INVENTORY_EN = 'item_id,site_id,on_hand\nG1,LYON,"{}"\nG1,ORLY,60\nP1,LYON,220\nGRID50,LYON,400\n'

CATALOGUE: tuple[Hostile, ...] = (
    # ---- locale: French Excel, US habits ------------------------------------------------------------------------
    Hostile(
        "french excel: ';' and '1 234,5'",
        "locale",
        write("inventory.csv", INVENTORY_FR.format("1 234,5")),
        warning="decimal_comma",
        check=equals("inventory", ON_HAND, "on_hand", 1234.5),
    ),
    Hostile(
        "french excel: no-break space thousands '1\u00a0234,5'",
        "locale",
        write("inventory.csv", INVENTORY_FR.format("1\u00a0234,5")),
        check=equals("inventory", ON_HAND, "on_hand", 1234.5),
    ),
    Hostile(
        "german excel: '1.234,5'",
        "locale",
        write("inventory.csv", INVENTORY_FR.format("1.234,5")),
        check=equals("inventory", ON_HAND, "on_hand", 1234.5),
    ),
    Hostile(
        "french excel: '1,234' is 1.234 by the locale rule",
        "locale",
        write("inventory.csv", INVENTORY_FR.format("1,234")),
        check=equals("inventory", ON_HAND, "on_hand", 1.234),
    ),
    Hostile(
        "';' file: '1.234' reads two ways",
        "locale",
        write("inventory.csv", INVENTORY_FR.format("1.234")),
        rule="ambiguous_number",
        table="inventory",
        row=2,
        column="on_hand",
    ),
    Hostile(
        "',' file: '1,234' reads two ways (was stored as 1.234)",
        "locale",
        write("inventory.csv", INVENTORY_EN.format("1,234")),
        rule="ambiguous_number",
        table="inventory",
        row=2,
        column="on_hand",
    ),
    Hostile(
        "',' file: decimal comma '12,5'",
        "locale",
        write("inventory.csv", INVENTORY_EN.format("12,5")),
        rule="number_locale",
        table="inventory",
        row=2,
        column="on_hand",
    ),
    Hostile(
        "',' file: grouped thousands '1,234.5'",
        "locale",
        write("inventory.csv", INVENTORY_EN.format("1,234.5")),
        check=equals("inventory", ON_HAND, "on_hand", 1234.5),
    ),
    Hostile(
        "';' file: codes and texts with commas stay as written (were rewritten 4006,1 -> 4006.1)",
        "locale",
        write(
            "families.csv",
            "family_id;category_id;description\nGRILL;4006,1;Barbecues 4,5 kg\nPOT;KITCHEN;Casseroles\n",
        ),
        check=all_of(
            equals("families", {"family_id": "GRILL"}, "category_id", "4006,1"),
            equals("families", {"family_id": "GRILL"}, "description", "Barbecues 4,5 kg"),
        ),
    ),
    Hostile(
        "US date 03/15/2025",
        "locale",
        edit("budget.csv", "GRILL,FR,2025-01", "GRILL,FR,03/15/2025"),
        rule="us_date",
        table="budget",
        row=2,
        column="period",
    ),
    Hostile(
        "French date 15/12/2024 is the 15th of December",
        "locale",
        edit("open_supply.csv", "BURNER,LYON,2024-12", "BURNER,LYON,15/12/2024"),
        check=equals("open_supply", {"part_id": "BURNER", "site_id": "LYON"}, "period", pd.Timestamp("2024-12-01")),
    ),
    # ---- encodings ------------------------------------------------------------------------------------------------
    Hostile(
        "cp1252 file read as UTF-8",
        "encoding",
        lambda folder: write(
            "items.csv",
            (folder / "items.csv").read_text(encoding="utf-8").replace("Cocotte", "Cocotte émaillée").encode("cp1252"),
        )(folder),
        rule="encoding",
        table="items",
        row=4,
    ),
    Hostile(
        "UTF-16 file",
        "encoding",
        lambda folder: write("regions.csv", (folder / "regions.csv").read_text(encoding="utf-8").encode("utf-16"))(
            folder
        ),
        rule="encoding",
        table="regions",
    ),
    Hostile(
        "UTF-8 with BOM and accents",
        "encoding",
        write(
            "families.csv",
            b"\xef\xbb\xbf"
            + "family_id,category_id,description\nGRILL,GARDEN,Crème brûlée\nPOT,KITCHEN,Œufs\n".encode(),
        ),
        check=equals("families", {"family_id": "GRILL"}, "description", "Crème brûlée"),
    ),
    Hostile(
        "NUL byte in a text (crashed PostgreSQL, accepted by SQLite)",
        "encoding",
        edit("families.csv", "Barbecues", "Barbe\x00cues"),
        rule="control_character",
        table="families",
        row=2,
        column="description",
    ),
    # ---- types and ranges -----------------------------------------------------------------------------------------
    Hostile(
        "1e308: finite but not a stock",
        "type",
        edit("inventory.csv", "G1,LYON,150", "G1,LYON,1e308"),
        rule="implausible_value",
        table="inventory",
        row=2,
        column="on_hand",
    ),
    Hostile(
        "1e400 overflows to infinity",
        "type",
        edit("inventory.csv", "G1,LYON,150", "G1,LYON,1e400"),
        rule="implausible_value",
        table="inventory",
        row=2,
        column="on_hand",
    ),
    Hostile(
        "NaN",
        "type",
        edit("inventory.csv", "G1,LYON,150", "G1,LYON,NaN"),
        rule="wrong_type",
        table="inventory",
        row=2,
        column="on_hand",
    ),
    Hostile(
        "Infinity",
        "type",
        edit("items.csv", "GRILL,unit,active,,,120", "GRILL,unit,active,,,Infinity"),
        rule="wrong_type",
        table="items",
        row=2,
        column="unit_price",
    ),
    Hostile(
        "a fraction in a whole-number column",
        "type",
        edit("suppliers.csv", "S1,GRID50,1,", "S1,GRID50,1.5,"),
        rule="wrong_type",
        table="suppliers",
        row=2,
        column="lead_time_months",
    ),
    Hostile(
        "text over 200 characters (crashed PostgreSQL, accepted by SQLite)",
        "type",
        edit("families.csv", "Barbecues", "B" * 201),
        rule="text_too_long",
        table="families",
        row=2,
        column="description",
    ),
    Hostile(
        "plausibility bound of a rate",
        "type",
        edit("policies.csv", "A,0.98,0.25", "A,0.98,250"),
        rule="implausible_value",
        table="policies",
        row=2,
        column="holding_cost_rate",
    ),
    Hostile(
        "exported text that starts with = comes back exactly (CSV escape)",
        "type",
        edit("families.csv", "Barbecues", '\'=HYPERLINK("http://x")'),
        check=equals("families", {"family_id": "GRILL"}, "description", '=HYPERLINK("http://x")'),
    ),
    # ---- workbooks ----------------------------------------------------------------------------------------------
    Hostile(
        "workbook text cell starting with = stays text",
        "type",
        workbook(("families", 0, "description", "=1+1")),
        check=equals("families", {"family_id": "GRILL"}, "description", "=1+1"),
    ),
    Hostile(
        "workbook formula without a computed value (was reported as empty)",
        "type",
        workbook(("inventory", 0, "on_hand", None), formula="=100+50"),
        rule="formula_cell",
        table="inventory",
        row=2,
        column="on_hand",
    ),
    Hostile(
        "workbook declaring XFD1048576 is read by its content",
        "size",
        patch_workbook(claim_huge_dimension),
        check=equals("inventory", ON_HAND, "on_hand", 150.0),
    ),
    Hostile(
        "workbook with a value in column 312",
        "size",
        patch_workbook(cell_far_right),
        rule="sheet_too_wide",
        table="",
    ),
    Hostile(
        "workbook hiding a compression bomb",
        "size",
        patch_workbook(lambda _name, content: content, {"xl/media/bomb.bin": bytes(8 * 1024 * 1024)}),
        rule="compression_ratio",
        table="",
    ),
    # ---- references and keys ----------------------------------------------------------------------------------------
    Hostile(
        "history of an unknown item",
        "reference",
        edit("sales_history.csv", "2023-11,P2,FR", "2023-11,P9,FR"),
        rule="unknown_reference",
        table="sales_history",
        row=5,
        column="item_id",
    ),
    Hostile(
        "POE-001 and poe-001: one code twice",
        "reference",
        append("families.csv", "grill,GARDEN,Barbecues encore"),
        rule="case_duplicate",
        table="families",
        row=4,
        column="family_id",
    ),
    Hostile(
        "missing sites file: one error, not 125",
        "reference",
        remove("sites.csv"),
        rule="missing_table",
        table="sites",
        only_error=True,
    ),
    Hostile(
        "duplicate key",
        "reference",
        edit("items.csv", "P2,Faitout", "P1,Faitout"),
        rule="duplicate_key",
        table="items",
        row=5,
        column="item_id",
    ),
    Hostile(
        "item consuming itself",
        "impossible",
        append("components.csv", "G1,G1,1"),
        rule="bom_cycle",
        table="components",
        row=4,
        column="component_id",
    ),
    Hostile(
        "BOM cycle through two items",
        "impossible",
        both(append("components.csv", "G1,P1,1"), append("components.csv", "P1,G1,2")),
        rule="bom_cycle",
        table="components",
        column="component_id",
    ),
    Hostile(
        "launch after end",
        "impossible",
        edit(
            "items.csv",
            "P2,Faitout inox 28cm,POT,unit,phase_out,,2025-06",
            "P2,Faitout inox 28cm,POT,unit,phase_out,2025-09,2025-06",
        ),
        rule="launch_after_end",
        table="items",
        row=5,
        column="launch_period",
    ),
    Hostile(
        "min headcount above max",
        "impossible",
        edit("workforce.csv", "2500,6000,6,14", "2500,6000,16,14"),
        rule="headcount_bounds",
        table="workforce",
        row=2,
        column="min_headcount",
    ),
    Hostile(
        "open order years past due is shown, not dropped in silence",
        "impossible",
        edit("open_supply.csv", "G1,LYON,2024-11", "G1,LYON,2021-11"),
        warning="past_due_open_supply",
        check=equals("open_supply", {"part_id": "G1"}, "period", pd.Timestamp("2021-11-01")),
    ),
    Hostile(
        "item costed at a plant without a routing there",
        "impossible",
        edit("routings.csv", "P1,LYON,ASSEMBLY,0.3\n", ""),
        warning="no_routing",
        check=routings_without("P1"),
    ),
    Hostile(
        "negative stock",
        "type",
        edit("inventory.csv", "G1,LYON,150", "G1,LYON,-150"),
        rule="negative_value",
        table="inventory",
        row=2,
        column="on_hand",
    ),
    # ---- structure ------------------------------------------------------------------------------------------------
    Hostile(
        "missing required column",
        "structure",
        edit("sales_history.csv", "period,item_id,region_id,quantity,revenue", "period,item_id,region_id,qty,revenue"),
        rule="missing_column",
        table="sales_history",
        row=1,
        column="quantity",
    ),
    Hostile(
        "row with extra fields",
        "structure",
        edit("regions.csv", "EXPORT,export,Export,2", "EXPORT,export,Export,2,extra"),
        rule="ragged_row",
        table="regions",
        row=3,
    ),
    Hostile(
        "zero-byte file",
        "structure",
        write("regions.csv", b""),
        rule="empty_file",
        table="regions",
    ),
    Hostile(
        "no column separator",
        "structure",
        write("families.csv", b"family_id:category_id\nGRILL:GARDEN\n"),
        rule="delimiter",
        table="families",
        row=1,
    ),
    Hostile(
        "the same table twice",
        "structure",
        lambda folder: write("items.txt", (folder / "items.csv").read_text(encoding="utf-8"))(folder),
        rule="duplicate_table",
        table="items",
    ),
    Hostile(
        "unknown column is ignored",
        "structure",
        write(
            "regions.csv",
            "region_id,channel,description,priority,colour\nFR,retail,France,1,blue\nEXPORT,export,Export,2,red\n",
        ),
        warning="unknown_column",
        check=equals("regions", {"region_id": "FR"}, "channel", "retail"),
    ),
    Hostile(
        "truncated last line",
        "structure",
        lambda folder: write(
            "sales_history.csv", (folder / "sales_history.csv").read_text(encoding="utf-8").rstrip("\n")[:-12]
        )(folder),
        rule="truncated_file",
        table="sales_history",
    ),
)


def build(case: Hostile, valid: Path, folder: Path) -> Path:
    shutil.copytree(valid, folder)
    return case.mutate(folder)
