"""The CLI's summaries print the figures of the KPI catalogue, not their own."""

from __future__ import annotations

import pandas as pd

from opensop.cli.summaries import service_summary
from opensop.pipeline import OVERRIDE_COLUMNS, CycleResult
from opensop.supply import plan
from tests.unit.finance.conftest import NO_SAFETY, tiny_config, tiny_data, tiny_demand


def test_units_shipped_late_are_not_served_on_time() -> None:
    """Tiny case (machine M: 100 h + 20 h overtime, 1 h a unit) with demand 150 in January, 50 in February: 120 are
    made and shipped in January, 30 wait a month (backlog 30 unit-months) and ship in February with its 50. All 200
    are served, but on time only 120 + 50 = 170: the fill rate 85 %, as the KPI table says (it printed 100 %)."""
    data, demand, config = tiny_data(), tiny_demand(150.0, 50.0), tiny_config()
    supply = plan(data, demand, config, safety_stock=NO_SAFETY)
    result = CycleResult(data, config, pd.DataFrame(columns=OVERRIDE_COLUMNS), supply=supply)
    assert service_summary(result) == (
        "Service: 85.0% of 200 units served on time (fill rate); backlog 30 unit-months, lost 0 units."
    )
