"""The demand chart follows the window: after a resize it is redrawn to its container's width, keeps the height it
was drawn with (it used to collapse to the holder's 120 px minimum), its legend stays off the axis labels, and
nothing of it (plot, legend) reaches the month header of the consensus grid below it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opensop.services.demo_users import DemoLogin
from tests.integration.web.conftest import Server, csp_violations

pytestmark = pytest.mark.browser
WIDTHS = (1360, 1024, 760, 560, 420, 1200)

# The lowest edge of anything drawn inside the chart holder, and the top of the grid's month header.
EDGES = """() => {
  const holder = document.querySelector('[data-chart="demand-figure"]');
  const bottoms = [holder, ...holder.querySelectorAll('*')].map((e) => e.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.height > 0).map((r) => r.bottom);
  const svg = holder.querySelector('.main-svg');
  const legend = holder.querySelector('.legend').getBoundingClientRect();
  const ticks = [...holder.querySelectorAll('.xtick text')].map((e) => e.getBoundingClientRect());
  const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  return {
    legendOverTicks: ticks.some((tick) => overlaps(tick, legend)),
    chartHeight: svg ? svg.getBoundingClientRect().height : 0,
    chartBottom: Math.max(...bottoms),
    headerTop: document.querySelector('#grid-form thead').getBoundingClientRect().top,
    svgWidth: svg ? svg.getBoundingClientRect().width : 0,
    holderWidth: holder.clientWidth,
  };
}"""
REDRAWN = """() => {
  const holder = document.querySelector('[data-chart="demand-figure"]');
  const svg = holder && holder.querySelector('.main-svg');
  return !!svg && Math.abs(svg.getBoundingClientRect().width - holder.clientWidth) <= 2;
}"""


def test_the_demand_chart_never_covers_the_grid_header(
    browser: Any, server: Server, logins: dict[str, DemoLogin], shots: Path
) -> None:
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    context.add_cookies([{"name": "opensop_lang", "value": "en", "url": server.url}])
    page = context.new_page()
    violations = csp_violations(page)
    page.goto(f"{server.url}/app/login")
    login = logins["demand_planner"]
    page.locator("#username").fill(login.username)
    page.locator("#password").fill(login.password)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"{server.url}/app/")
    page.goto(f"{server.url}/app/demand")
    create = page.get_by_role("button", name="Create the working draft")
    if create.count():
        create.click()
    page.wait_for_selector("#grid-form", timeout=120_000)
    page.wait_for_function(REDRAWN)
    drawn = page.evaluate(EDGES)["chartHeight"]
    assert drawn >= 300
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function(REDRAWN)
        edges = page.evaluate(EDGES)
        page.screenshot(path=str(shots / f"demand_chart_{width}.png"), full_page=True)
        assert edges["chartBottom"] <= edges["headerTop"], (width, edges)
        assert edges["chartHeight"] == pytest.approx(drawn, abs=2), (width, edges)
        assert not edges["legendOverTicks"], (width, edges)
    assert violations == []
    context.close()
