"""The pages queue plan runs and follow them; they never compute a plan. Here the supply plan has no solution (the
tiny data with at least 20 workers required where at most 14 are allowed): the draft of the demand review is still
made, "Run the plan" fails, nothing is written, and the pages say why without a traceback. The worker's own loop
executes the queue between requests (`work(..., once=True)`), so each state is seen in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI

from opensop.config import Settings
from opensop.services import cycles, imports, plan_runs, plans, runs
from opensop.services.auth import Principal
from opensop.services.demo_users import demo_logins, ensure_demo_users
from opensop.services.workspace import Workspace, init_workspace
from opensop.store.cycle_tables import Run
from opensop.web import mount
from opensop.web.i18n import LANGUAGE_COOKIE
from opensop.worker import work
from tests.integration.api.conftest import TestClient
from tests.integration.services.test_plan_runs import _infeasible_copy

LOGINS = {login.role: login for login in demo_logins()}


@pytest.fixture
def infeasible(tmp_path: Path) -> Iterator[Workspace]:
    workspace = init_workspace(Settings(workspace=tmp_path / "ws"))
    imports.import_dataset(workspace, _infeasible_copy(tmp_path), actor="setup")
    ensure_demo_users(workspace)
    cycles.open_cycle(workspace, actor=Principal.system("setup"), period=date(2024, 10, 1))
    yield workspace
    workspace.dispose()


def _client(workspace: Workspace, role: str) -> TestClient:
    app = FastAPI()
    mount(app, workspace.settings, workspace=workspace)
    client = TestClient(app, cookies={LANGUAGE_COOKIE: "en"})
    login = LOGINS[role]
    response = client.post("/app/login", data={"username": login.username, "password": login.password})
    assert response.status_code == 200, response.text
    return client


def _latest_run(workspace: Workspace) -> Run:
    found = runs.recent_runs(workspace, actor=Principal.system("test"), step=plan_runs.PLAN_STEP, match={"cycle_id": 1})
    return found[0]


def test_a_failed_plan_run_is_shown_with_its_reason_and_writes_nothing(infeasible: Workspace) -> None:
    planner = _client(infeasible, "demand_planner")
    assert planner.post("/app/demand/draft").status_code == 200
    waiting = planner.get("/app/demand").text
    assert 'id="run-panel"' in waiting
    assert "is waiting for the worker" in waiting
    assert "Create the working draft" not in waiting
    assert work(infeasible, once=True) == 1
    assert 'id="grid-form"' in planner.get("/app/demand").text

    supply = _client(infeasible, "supply_planner")
    assert 'id="not-run"' in supply.get("/app/supply").text
    assert supply.post("/app/supply/run", data={"version": "1"}).status_code == 200
    run = _latest_run(infeasible)
    polled = supply.get(f"/app/runs/{run.id}?reload=1", headers={"HX-Request": "true"})
    assert polled.status_code == 200
    assert "HX-Refresh" not in polled.headers
    assert f'hx-get="/app/runs/{run.id}?reload=1"' in polled.text

    assert work(infeasible, once=True) == 1
    ended = supply.get(f"/app/runs/{run.id}?reload=1", headers={"HX-Request": "true"})
    assert ended.headers["HX-Refresh"] == "true"
    page = supply.get("/app/supply")
    assert page.status_code == 200
    for text in (ended.text, page.text):
        assert 'id="run-error"' in text
        assert "failed, nothing was written" in text
        assert "the supply plan has no solution with this data (conflicting: " in text
        assert "storage[site=LYON, t=0]" in text
        assert "Traceback" not in text
    assert 'id="not-run"' in page.text
    assert [v.id for v in plans.list_versions(infeasible, actor=Principal.system("test"))] == [1]


def test_a_crashed_run_shows_only_the_last_line_of_its_traceback() -> None:
    crashed = Run(id=7, error='Traceback (most recent call last):\n  File "x.py", line 1\nValueError: boom\n')
    assert runs.failure_message(crashed) == (
        "the run stopped on an unexpected error (ValueError: boom); the details are in run 7"
    )
