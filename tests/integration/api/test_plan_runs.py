"""A plan run through the API: queued at once (202), executed by the worker's loop, polled until it names its
draft version; bad requests are refused when queued (on SQLite; the service tests cover PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from opensop.api import create_app
from opensop.cycle.permissions import Role
from opensop.services import cycles, imports
from opensop.services.workspace import Workspace
from opensop.worker import work
from tests.integration.api.conftest import SETUP, TestClient, add_users, login_all

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"


def test_queue_a_plan_run_and_poll_it(sqlite_workspace: Workspace) -> None:
    add_users(sqlite_workspace)
    imports.import_dataset(sqlite_workspace, TINY, actor="steward")
    cycle_id = cycles.open_cycle(sqlite_workspace, actor=SETUP, period=date(2024, 10, 1)).cycle.id
    with TestClient(create_app(sqlite_workspace.settings, workspace=sqlite_workspace)) as client:
        headers = login_all(client)
        planner = headers[Role.SUPPLY_PLANNER]
        url = f"/cycles/{cycle_id}/plan-runs"
        queued = client.post(url, headers=planner, json={"until": "consensus", "label": "working draft"})
        assert queued.status_code == 202, queued.text
        run = queued.json()
        assert (run["step"], run["status"], run["params"]["until"]) == ("plan", "queued", "consensus")
        assert client.post(url, headers=headers[Role.SALES], json={}).status_code == 403
        assert client.post(url, headers=planner, json={"demand_pct": 500}).status_code == 422
        refused = client.post(url, headers=planner, json={"base_version_id": 99, "in_place": True})
        assert refused.status_code == 404
        assert "version 99" in refused.json()["detail"]["message"]

        assert work(sqlite_workspace, once=True) == 1
        done = client.get(f"/runs/{run['id']}", headers=headers[Role.VIEWER]).json()
        assert (done["status"], done["error"]) == ("succeeded", "")
        version = client.get(f"/plan-versions/{done['result']['plan_version_id']}", headers=planner).json()
        assert (version["status"], version["label"], version["cycle_id"]) == ("draft", "working draft", cycle_id)
        listed = client.get(url, headers=headers[Role.VIEWER]).json()
        assert [r["id"] for r in listed] == [run["id"]]
