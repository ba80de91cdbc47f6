"""Render the data dictionary as Markdown (`docs/data-dictionary.md`); a test fails when the file is stale.

Run `python -m opensop.schema.docs docs/data-dictionary.md` (or `make docs`) after changing the dictionary.
"""

from __future__ import annotations

import sys
from pathlib import Path

from opensop.schema.dictionary import PLAUSIBLE_MAGNITUDE, TABLES, TEXT_MAX_LENGTH, Column, ColumnType, TableKind


def _rule(column: Column) -> str:
    parts = []
    if column.allowed:
        parts.append("one of " + ", ".join(f"`{v}`" for v in column.allowed))
    if column.minimum is not None:
        parts.append(f">= {column.minimum:g}")
    if column.maximum is not None:
        parts.append(f"<= {column.maximum:g}")
    if column.references:
        parts.append(f"in {column.references.describe()}")
    if column.dtype in (ColumnType.FLOAT, ColumnType.INTEGER) and column.plausible != PLAUSIBLE_MAGNITUDE:
        parts.append(f"\\|x\\| <= {column.plausible:g}")
    return "; ".join(parts)


READING_RULES = f"""\
## How cells are read

* **Numbers.** Every number is finite and at most {PLAUSIBLE_MAGNITUDE:g} in magnitude unless its rule says less
  (`implausible_value`, which also refuses `1e400`); `NaN` and `inf` are not numbers (`wrong_type`).
* **Decimal mark (locale rule).** A `;`-separated CSV file is read as Excel writes it on a French (or German...)
  computer: the decimal mark is the comma and thousands are grouped by spaces or dots, so `1 234,5`, `1.234,5` and
  `1234,5` all mean 1234.5 and `0,125` means 0.125; a plain `150.5` is still 150.5. The report says so once per
  file (`decimal_comma`, a warning). Every other file (`,`, tab or `|` separated CSV, Excel, Parquet) uses the
  decimal point, with optional `,` or space thousands: `1,234.5` and `1 234` are read, `12,5` is refused
  (`number_locale`). A number that reads two ways — `1,234` in a decimal-point file, `1.234` in a decimal-comma
  file (1234, or 1.234?) — is refused (`ambiguous_number`): write `1234` or `1.234` without the grouping mark.
  This applies to number columns only: codes and texts are kept exactly as written (`4006,1` stays `4006,1`).
* **Dates.** `2025-03`, `2025-03-15`, `15/03/2025` (day first) and `03/2025`; a US date such as `03/15/2025` is
  refused (`us_date`) rather than guessed.
* **Texts.** At most {TEXT_MAX_LENGTH} characters (`text_too_long`) and no control characters such as NUL
  (`control_character`), the same on SQLite and PostgreSQL; surrounding spaces are trimmed. Codes that differ
  only by case (`POE-001`, `poe-001`) are refused as one code given twice (`case_duplicate`).
* **Spreadsheet safety.** OpenSOP's exports never write a live formula: in a workbook, text is a text cell; in a
  CSV file a text starting with `=`, `+`, `-`, `@`, tab, carriage return or `'` is written with one leading `'`,
  which the import removes again, so export then import gives back every text exactly. A formula cell in an
  imported workbook is read from the value Excel computed; one without a computed value is refused
  (`formula_cell`).
* **Size.** A workbook or a zip is checked before it is read: at most 256 MB per file once unpacked, 512 MB in all,
  and a compression ratio of 200 (`archive_too_large`, `compression_ratio`); a sheet has at most 256 columns and a
  workbook 10 million cells, whatever dimension it declares (`sheet_too_wide`, `workbook_too_large`). Uploads
  over HTTP are refused above the server's upload limit (100 MB by default) before they are read
  (`upload_too_large`).
* **Impossible data.** An item that consumes itself, directly or through other items (`bom_cycle`), a launch after
  the end period (`launch_after_end`) and a minimum headcount above the maximum (`headcount_bounds`) are refused.
  Open orders due before the current month are shown (`past_due_open_supply`, a warning: the plan leaves them
  out), and so is an item costed or sourced at a plant whose resources are modelled but without a routing there
  (`no_routing`, a warning: the plan cannot make it there, it never invents capacity).
"""


def render() -> str:
    lines = [
        "# Data dictionary",
        "",
        "Generated from `src/opensop/schema/dictionary.py` by `make docs`; do not edit by hand.",
        "Each table is a CSV file, an Excel sheet or a Parquet file named after the table. Months (`period`) are",
        "written `2025-03` or `2025-03-01`; sales history may instead give a daily or weekly `date`, summed into",
        "months on import. Required tables: "
        + ", ".join(f"`{t.name}`" for t in TABLES if t.required)
        + "; the others are optional.",
        "",
        READING_RULES,
    ]
    for kind in TableKind:
        lines += [f"## {kind.value.capitalize()}", ""]
        for table in (t for t in TABLES if t.kind is kind):
            required = " (required)" if table.required else ""
            lines += [
                f"### `{table.name}`{required}",
                "",
                table.description + f" Key: ({', '.join(table.key)}).",
                "",
                "| column | type | unit | required | default | rule | description |",
                "|---|---|---|---|---|---|---|",
            ]
            lines += [
                f"| `{c.name}` | {c.dtype.value} | {c.unit} | {'yes' if c.required else 'no'} | "
                f"{'' if c.default is None else c.default} | {_rule(c)} | {c.description} |"
                for c in table.columns
            ]
            lines.append("")
            if table.notes:
                lines += [table.notes.rstrip(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(render(), encoding="utf-8")
