"""The executive pack's HTML (static SVG charts, escaped text) and the approved-plan workbook."""

from __future__ import annotations

import io
import sys

import openpyxl
import pandas as pd
import pytest

from opensop.errors import FeatureUnavailable
from opensop.reports.pack import PackData, bar_chart, plan_workbook, to_html, to_pdf

MONTHLY = pd.DataFrame(
    {
        "period": pd.to_datetime(["2025-01-01", "2025-02-01"]),
        "revenue": [1000.0, 1200.0],
        "gross_margin": [300.0, -20.0],
    }
)
PACK = PackData(
    title="S&OP <b>pack</b>",
    cycle="2024-10",
    version_id=3,
    scenario="base",
    status="approved",
    kpis={"revenue": 2200.0, "fill_rate": 0.95},
    monthly=MONTHLY,
    decisions=["<script>alert(1)</script>"],
    risks=["capacity: ASSEMBLY at 120%"],
)


def test_html_has_charts_and_escapes_every_text() -> None:
    html = to_html(PACK)
    assert html.count("<svg") == 2
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "S&amp;OP &lt;b&gt;pack&lt;/b&gt;" in html
    assert "95.0 %" in html


def test_bar_chart_draws_negative_bars_below_the_axis() -> None:
    svg = str(bar_chart(["a", "<b>"], [10.0, -5.0], title="t"))
    assert svg.count("<rect") == 2
    assert "#c0392b" in svg
    assert "&lt;b&gt;" in svg


def test_plan_workbook_sheets() -> None:
    measures = pd.DataFrame(
        {
            "measure": ["revenue", "revenue"],
            "family_id": ["GRILL", None],
            "period": pd.to_datetime(["2025-01-01", "2025-01-01"]).date,
            "value": [10.0, 5.0],
        }
    )
    workbook = openpyxl.load_workbook(io.BytesIO(plan_workbook(PACK, measures)))
    assert workbook.sheetnames == ["summary", "monthly", "plan_by_family"]
    assert workbook["plan_by_family"]["C1"].value == "2025-01"


def test_pdf_without_the_pdf_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes `import playwright...` fail as if the extra were not installed
    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    with pytest.raises(FeatureUnavailable, match="Playwright is not installed") as raised:
        to_pdf("<html></html>")
    assert raised.value.http_status == 501
    assert "opensop[pdf]" in (raised.value.hint or "")
