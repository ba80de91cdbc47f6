"""Render the data dictionary as Markdown (`docs/data-dictionary.md`); a test fails when the file is stale.

Run `python -m opensop.schema.docs docs/data-dictionary.md` (or `make docs`) after changing the dictionary.
"""

from __future__ import annotations

import sys
from pathlib import Path

from opensop.schema.dictionary import TABLES, Column, TableKind


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
    return "; ".join(parts)


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
