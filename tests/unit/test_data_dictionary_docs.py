"""docs/data-dictionary.md is generated from the dictionary; a stale file fails here."""

from __future__ import annotations

from pathlib import Path

from opensop.schema.dictionary import TABLES
from opensop.schema.docs import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_data_dictionary_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `make docs` and commit docs/data-dictionary.md"


def test_every_table_of_the_architecture_is_declared() -> None:
    expected = {
        "items", "families", "regions", "sites", "sourcing", "resources", "resource_calendar", "routings",
        "components", "suppliers", "workforce", "lanes", "sales_history", "inventory", "open_supply", "backorders",
        "events", "prices", "costs", "budget", "policies",
    }  # fmt: skip
    assert {t.name for t in TABLES} == expected
    for table in TABLES:
        assert set(table.key) <= set(table.column_names), table.name
