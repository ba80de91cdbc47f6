"""Service fixtures: an open cycle on a real workspace, and principals per role (no login needed in-process)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from opensop.cycle.permissions import Role
from opensop.services import cycles, plans
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store.cycle_tables import PlanVersion

PLANNER = Principal("planner", Role.DEMAND_PLANNER)
SALES = Principal("seller", Role.SALES)
BOSS = Principal("boss", Role.EXECUTIVE)
VIEWER = Principal("viewer", Role.VIEWER)


def measures(scale: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": ["consensus_demand", "consensus_demand", "production"],
            "item_id": ["G1", "P1", None],
            "family_id": [None, None, "GRILL"],
            "region_id": ["FR", "FR", None],
            "period": [date(2025, 1, 1)] * 3,
            "value": [100.0 * scale, 50.0 * scale, 90.0 * scale],
        }
    )


@pytest.fixture
def cycle_id(workspace: Workspace) -> int:
    return cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 12, 1)).cycle.id


@pytest.fixture
def draft(workspace: Workspace, cycle_id: int) -> PlanVersion:
    return plans.create_version(workspace, actor=PLANNER, cycle_id=cycle_id, measures=measures())
