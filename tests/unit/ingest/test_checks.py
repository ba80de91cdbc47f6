"""Hand-checked behaviour of the readers and checks on tiny sources written in each test."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from opensop.ingest import Severity, validate_source

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
AS_OF = date(2024, 11, 15)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(TINY, folder)
    return folder


def test_daily_history_is_summed_into_months(source: Path) -> None:
    # Three daily rows of G1/FR in March 2024 (5 + 7 + 11 = 23) and one on 2 April (4), dates in two formats.
    (source / "sales_history.csv").write_text(
        "date,item_id,region_id,quantity\n"
        "2024-03-01,G1,FR,5\n2024-03-15,G1,FR,7\n31/03/2024,G1,FR,11\n2024-04-02,G1,FR,4\n2024-04-02,P1,FR,2\n"
    )
    result = validate_source(source, as_of=AS_OF)
    assert result.data is not None, result.report.to_frame()
    history = result.data.sales_history.set_index(["item_id", "period"])["quantity"]
    assert history[("G1", pd.Timestamp("2024-03-01"))] == 23
    assert history[("G1", pd.Timestamp("2024-04-01"))] == 4
    assert len(history) == 3


def test_semicolon_csv_with_french_decimal_commas(source: Path) -> None:
    (source / "inventory.csv").write_text("item_id;site_id;on_hand\nG1;LYON;150,5\nP1;LYON;220\n")
    result = validate_source(source, as_of=AS_OF)
    assert result.data is not None
    assert result.data.inventory["on_hand"].tolist() == [150.5, 220.0]


def test_utf8_bom_and_cp1252_on_request(source: Path) -> None:
    items = (source / "items.csv").read_text().replace("Cocotte", "Cocotte émaillée")
    (source / "items.csv").write_bytes(items.encode("cp1252"))
    refused = validate_source(source, as_of=AS_OF)
    assert refused.report.rules(Severity.ERROR) == {"encoding"}
    accepted = validate_source(source, encoding="cp1252", as_of=AS_OF)
    assert accepted.data is not None
    assert "Cocotte émaillée fonte 24cm" in accepted.data.items["description"].tolist()
    (source / "items.csv").write_bytes(b"\xef\xbb\xbf" + items.encode("utf-8"))
    assert validate_source(source, as_of=AS_OF).report.ok


def test_unknown_tables_and_columns_are_warnings(source: Path) -> None:
    (source / "notes.csv").write_text("a,b\n1,2\n")
    (source / "regions.csv").write_text("region_id,colour\nFR,blue\nEXPORT,red\n")
    result = validate_source(source, as_of=AS_OF)
    assert result.report.ok
    assert {(i.rule, i.table, i.column) for i in result.report.warnings} == {
        ("unknown_table", "notes", ""),
        ("unknown_column", "regions", "colour"),
    }


def test_optional_columns_get_their_defaults(source: Path) -> None:
    (source / "regions.csv").write_text("region_id\nFR\nEXPORT\n")
    result = validate_source(source, as_of=AS_OF)
    assert result.data is not None
    assert result.data.regions["priority"].tolist() == [1, 1]
    assert result.data.regions["channel"].tolist() == ["", ""]


def _seasonal_history(spike: float | None) -> str:
    """36 months of one series: 100 in winter, 300 in June-August, plus one spike in 2023-02 if given."""
    rows = ["period,item_id,region_id,quantity"]
    for year in (2022, 2023, 2024):
        for month in range(1, 13):
            quantity = 300 if month in (6, 7, 8) else 100
            if spike is not None and (year, month) == (2023, 2):
                quantity = spike
            rows.append(f"{year}-{month:02d},G1,FR,{quantity}")
    return "\n".join(rows) + "\n"


def test_outliers_flag_spikes_not_seasonal_peaks(source: Path) -> None:
    (source / "open_supply.csv").unlink()  # its 2024 orders are past due on 2025-06-01 (a warning of their own)
    (source / "sales_history.csv").write_text(_seasonal_history(None))
    assert validate_source(source, as_of=date(2025, 6, 1)).report.issues == []
    (source / "sales_history.csv").write_text(_seasonal_history(900))
    warnings = validate_source(source, as_of=date(2025, 6, 1)).report.warnings
    assert [(w.rule, w.row, w.value) for w in warnings] == [("outlier", 15, "900.0")]


def test_outlier_explained_by_an_event_is_not_flagged(source: Path) -> None:
    (source / "open_supply.csv").unlink()  # its 2024 orders are past due on 2025-06-01 (a warning of their own)
    (source / "sales_history.csv").write_text(_seasonal_history(900))
    (source / "events.csv").write_text(
        "item_id,family_id,region_id,period,uplift_pct,uplift_qty,label\nG1,,,2023-02,200,,Salon de l'agriculture\n"
    )
    assert validate_source(source, as_of=date(2025, 6, 1)).report.issues == []


def test_a_rule_firing_on_many_rows_lists_twenty_and_counts_the_rest(source: Path) -> None:
    lines = (source / "sales_history.csv").read_text().splitlines()
    broken = [lines[0]] + [line.replace(",G1,", ",ZZ,") for line in lines[1:]]
    (source / "sales_history.csv").write_text("\n".join(broken) + "\n")
    issues = [i for i in validate_source(source, as_of=AS_OF).report.errors if i.rule == "unknown_reference"]
    assert len(issues) == 21
    assert issues[-1].message == "4 more rows break this rule"  # 24 rows of G1 (12 months x 2 regions)


def test_a_garbage_workbook_is_reported_not_raised(tmp_path: Path) -> None:
    workbook = tmp_path / "data.xlsx"
    workbook.write_bytes(b"this is not a zip archive")
    report = validate_source(workbook, as_of=AS_OF).report
    assert [(i.rule, i.file) for i in report.errors] == [("unreadable_file", "data.xlsx")]


def test_costs_below_the_modelled_parts_break_the_cost_convention(source: Path) -> None:
    """G1 (tiny data) takes one GRID50 (cheapest supplier 8.5) and 1.5 h of the LABOUR pool, whose workers cost
    3,200 for 140 h: 1.5 x 3200 / 140 = 34.29 of wages. Its costs row (material 35, conversion 35) covers both."""
    costs = source / "costs.csv"
    assert validate_source(source, as_of=AS_OF).report.issues == []
    costs.write_text(costs.read_text().replace("G1,LYON,35,35", "G1,LYON,35,30"))
    accepted = validate_source(source, as_of=AS_OF)
    assert accepted.data is not None  # a standard labour rate below the wages is only a warning
    assert [(i.rule, i.row, i.column, i.value) for i in accepted.report.warnings] == [
        ("costs_below_modelled", 2, "conversion", "30.0")
    ]
    assert "34.29" in accepted.report.warnings[0].message
    costs.write_text(costs.read_text().replace("G1,LYON,35,30", "G1,LYON,8,35"))
    refused = validate_source(source, as_of=AS_OF)
    assert refused.data is None  # a material below its own components is the other reading: refused
    assert [(i.rule, i.row, i.column, i.value) for i in refused.report.errors] == [
        ("costs_below_modelled", 2, "material", "8.0")
    ]
