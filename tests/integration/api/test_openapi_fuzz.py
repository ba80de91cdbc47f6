"""schemathesis against the app's OpenAPI schema, in-process, authenticated as admin: no operation answers 500.

Bounded: a few examples per operation, on a seeded SQLite workspace (a cycle, a draft with an override, a
scenario), so generated ids and bodies reach the services rather than stopping at 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from opensop.api import create_app
from opensop.config import Settings
from opensop.cycle.permissions import Role
from opensop.cycle.status import OverrideLevel
from opensop.demand.consensus import OverrideKind, OverrideSource
from opensop.services import auth, cycles, overrides, plans, scenario_definitions
from opensop.services.overrides import OverrideCell
from opensop.services.workspace import Workspace, init_workspace
from tests.integration.api.conftest import SETUP, password_of
from tests.integration.services.conftest import measures

TOKEN: dict[str, str] = {}
EXAMPLES = 10
"""Per operation, whatever the Hypothesis profile: each of the ~50 operations gets its own run, so the profile's
count would multiply the test's time by the number of operations."""


@pytest.fixture(scope="module")
def fuzz_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("fuzz")
    workspace = init_workspace(Settings(workspace=folder, database_url=f"sqlite:///{folder / 'fuzz.db'}"))
    auth.add_user(workspace, actor=SETUP, username="admin", password=password_of(Role.ADMIN), role=Role.ADMIN)
    cycle = cycles.open_cycle(workspace, actor=SETUP, period=date(2024, 12, 1)).cycle
    draft = plans.create_version(workspace, actor=SETUP, cycle_id=cycle.id, measures=measures())
    cell = OverrideCell(draft.id, OverrideLevel.ITEM, "FR", date(2025, 1, 1), item_id="G1")
    overrides.set_override(
        workspace, actor=SETUP, cell=cell, value=1.0, kind=OverrideKind.ABSOLUTE,
        source=OverrideSource.DEMAND_PLANNER, expected_row_version=0,
    )  # fmt: skip
    scenario_definitions.create_scenario(workspace, actor=SETUP, name="base", levers={})
    TOKEN["admin"] = auth.login(workspace, username="admin", password=password_of(Role.ADMIN)).token
    yield workspace
    workspace.dispose()


@pytest.mark.slow
def test_no_operation_answers_500(fuzz_workspace: Workspace) -> None:
    """Each operation gets its own bounded Hypothesis run (schemathesis strategies, positive data)."""
    app = create_app(fuzz_workspace.settings, workspace=fuzz_workspace)
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {TOKEN['admin']}"}
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 45
    calls: dict[int, int] = {}

    for operation in operations:
        if operation.path == "/auth/logout":
            continue  # logging out would revoke the token every other operation uses

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            calls[response.status_code] = calls.get(response.status_code, 0) + 1
            assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])

        call()
    assert sum(calls.values()) >= 3 * len(operations)
    assert calls.get(200, 0) + calls.get(201, 0) > 0, calls
