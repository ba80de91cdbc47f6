"""A whole monthly cycle through the API, one user per role, on plans computed by the real engine (plan runs
executed by the worker's loop), with a rejected then revised, re-planned and re-submitted plan, then the next
cycle's forecast snapshot; the audit trail is checked event by event at the end.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from opensop.cycle.permissions import Role
from opensop.services import auth
from opensop.services.workspace import Workspace
from opensop.worker import work
from tests.integration.api.conftest import SETUP, TestClient, password_of

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"


def _zip_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in sorted(folder.glob("*.csv")):
            bundle.write(path, f"tiny/{path.name}")
    return buffer.getvalue()


def _plan_run(client: TestClient, workspace: Workspace, cycle_id: int, who: dict[str, str], **body: Any) -> int:
    """Queue a plan run, let the worker's loop execute it, return the version it wrote."""
    queued = client.post(f"/cycles/{cycle_id}/plan-runs", headers=who, json=body)
    assert queued.status_code == 202, queued.text
    assert work(workspace, once=True) == 1
    done = client.get(f"/runs/{queued.json()['id']}", headers=who).json()
    assert done["status"] == "succeeded", done["error"]
    return int(done["result"]["plan_version_id"])


def _measures(client: TestClient, version_id: int, who: dict[str, str]) -> pd.DataFrame:
    exported = client.get(f"/plan-versions/{version_id}/measures", headers=who)
    assert exported.status_code == 200, exported.text
    return pd.DataFrame(exported.json())


def test_a_whole_cycle_with_a_rejection_and_its_audit_trail(workspace: Workspace, client: TestClient) -> None:
    auth.add_user(workspace, actor=SETUP, username="admin", password=password_of(Role.ADMIN), role=Role.ADMIN)

    def login(role: Role) -> dict[str, str]:
        answer = client.post("/auth/login", json={"username": role.value, "password": password_of(role)})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    admin = login(Role.ADMIN)
    for role in Role:
        if role is not Role.ADMIN:
            made = client.post(
                "/users", headers=admin, json={"username": role, "password": password_of(role), "role": role}
            )
            assert made.status_code == 201, made.text
    as_ = {role: login(role) for role in Role if role is not Role.ADMIN} | {Role.ADMIN: admin}
    planner, sales, supply, finance, boss, viewer = (
        as_[Role.DEMAND_PLANNER],
        as_[Role.SALES],
        as_[Role.SUPPLY_PLANNER],
        as_[Role.FINANCE],
        as_[Role.EXECUTIVE],
        as_[Role.VIEWER],
    )
    assert client.post("/auth/login", json={"username": "sales", "password": "wrong-password"}).status_code == 401

    # 1. data cut-off: import the tiny company (zipped CSV folder), open the cycle, freeze the data.
    files = {"file": ("tiny.zip", _zip_of(TINY), "application/zip")}
    assert client.post("/imports", headers=sales, files=files, data={"as_of": "2024-11-15"}).status_code == 403
    imported = client.post("/imports", headers=planner, files=files, data={"as_of": "2024-11-15"})
    assert imported.status_code == 201, imported.text
    load_id = imported.json()["load_id"]
    assert imported.json()["row_counts"]["sales_history"] == 48
    assert client.get(f"/imports/{load_id}", headers=viewer).json()["load"]["id"] == load_id
    refused_month = client.post("/cycles", headers=planner, json={"period": "2024-12-01"})
    assert refused_month.status_code == 400
    assert "2 month(s) of demand unknown" in refused_month.json()["detail"]["message"]
    opened = client.post("/cycles", headers=planner, json={"period": "2024-10-01"})
    assert opened.status_code == 201, opened.text
    cycle = opened.json()
    assert (cycle["horizon_start"], cycle["horizon_end"]) == ("2024-11-01", "2026-04-01")
    assert [s["status"] for s in cycle["steps"]] == ["open"] + ["pending"] * 6
    cid = cycle["id"]

    def close(step: str, who: dict[str, str]) -> Any:
        return client.post(f"/cycles/{cid}/steps/{step}/close", headers=who, json={"reason": f"{step} done"})

    assert close("data_cutoff", sales).status_code == 403
    assert close("data_cutoff", planner).json()["load_id"] == load_id

    # 2. demand review: the working draft, computed by the engine; it cannot close before it exists.
    refused = close("demand_review", planner)
    assert refused.status_code == 409
    assert "missing consensus" in refused.json()["detail"]["message"]
    v1_id = _plan_run(client, workspace, cid, planner, label="working draft")
    v1 = client.get(f"/plan-versions/{v1_id}", headers=planner).json()
    assert (v1["status"], v1["load_id"]) == ("draft", load_id)
    assert (v1["config"]["horizon_months"], v1["config"]["start_period"]) == (18, "2024-11-01")
    first_plan = _measures(client, v1_id, planner)
    months = sorted(first_plan.loc[first_plan["measure"] == "served", "period"].unique())
    assert (months[0], months[-1], len(months)) == ("2024-11-01", "2026-04-01", 18)
    cell = {"level": "item", "item_id": "G1", "region_id": "FR", "period": "2024-11-01", "source": "sales"}
    first = client.put(
        f"/plan-versions/{v1_id}/overrides", headers=sales, json={**cell, "value": 125, "reason": "promo"}
    )
    assert first.status_code == 200, first.text
    assert first.json()["row_version"] == 1
    stale = client.put(f"/plan-versions/{v1_id}/overrides", headers=sales, json={**cell, "value": 140})
    assert stale.status_code == 409
    assert stale.json()["detail"]["current"]["value"] == 125
    assert close("demand_review", planner).status_code == 200

    # 3-5. supply, financial and pre-S&OP reviews, each closed by its owner on the same working draft; the
    # recommendation is the submitted version.
    assert close("supply_review", finance).status_code == 403
    assert close("supply_review", supply).status_code == 200
    assert close("financial_review", finance).status_code == 200
    refused = client.post("/scenarios", headers=supply, json={"name": "overtime", "levers": [{"kind": "overtime"}]})
    assert refused.status_code == 400  # InvalidRequest: refused where it enters, naming the lever
    assert "lever 1: unknown lever kind 'overtime'" in refused.text
    scenario = client.post(
        "/scenarios", headers=supply, json={"name": "overtime", "levers": [{"kind": "capacity_scale", "pct": 20}]}
    )
    assert scenario.status_code == 201, scenario.text
    assert (scenario.json()["role"], scenario.json()["levers"][0]["pct"]) == ("response", 20.0)
    assumption = client.post(
        "/assumptions", headers=sales, json={"title": "No price rise", "owner": "sales", "cycle_id": cid}
    )
    assert assumption.status_code == 201
    assert "missing recommendation" in close("pre_sop", planner).json()["detail"]["message"]
    assert client.post(f"/plan-versions/{v1_id}/submit", headers=planner, json={}).json()["status"] == "submitted"
    assert close("pre_sop", planner).status_code == 200

    # 6. executive S&OP: reject; revise into a new draft (with the override), re-plan it, re-submit, approve.
    assert client.post(f"/plan-versions/{v1_id}/approve", headers=planner, json={}).status_code == 403
    assert client.post(f"/plan-versions/{v1_id}/reject", headers=boss, json={}).status_code == 400
    rejected = client.post(f"/plan-versions/{v1_id}/reject", headers=boss, json={"reason": "grills too low"})
    assert rejected.json()["status"] == "rejected"
    assert close("executive_sop", boss).status_code == 409
    v2 = client.post(f"/plan-versions/{v1_id}/revise", headers=planner, json={"reason": "grills up"})
    assert v2.status_code == 201
    v2_id = v2.json()["id"]
    assert (v2.json()["parent_id"], v2.json()["status"]) == (v1_id, "draft")
    copied = client.get(f"/plan-versions/{v2_id}/overrides", headers=viewer).json()
    assert [(o["item_id"], o["period"], o["value"], o["source"]) for o in copied] == [
        ("G1", "2024-11-01", 125.0, "sales")
    ]
    assert _plan_run(client, workspace, cid, planner, base_version_id=v2_id, in_place=True) == v2_id
    assert client.post(f"/plan-versions/{v2_id}/submit", headers=planner, json={}).status_code == 200
    approved = client.post(f"/plan-versions/{v2_id}/approve", headers=boss, json={"reason": "go"})
    assert approved.json()["status"] == "approved"
    frozen = client.put(f"/plan-versions/{v2_id}/measures", headers=planner, json={"measures": []})
    assert frozen.status_code == 409
    assert frozen.json()["detail"]["error"] == "InvalidTransition"
    assert client.put(f"/plan-versions/{v2_id}/overrides", headers=sales, json={**cell, "value": 1}).status_code == 409
    decision = client.post(
        f"/cycles/{cid}/decisions", headers=boss, json={"decision": "Add a Saturday shift", "owner": "supply_planner"}
    )
    assert decision.status_code == 201
    assert client.post(f"/cycles/{cid}/comments", headers=viewer, json={"body": "ok"}).status_code == 403
    assert client.post(f"/cycles/{cid}/comments", headers=sales, json={"body": "Promo confirmed"}).status_code == 201
    assert close("executive_sop", boss).status_code == 200

    # 7. published: the plan of record, exported for the ERP; the waterfall explains v1 -> v2: the override moved
    # G1's consensus in France in 2024-11 from the statistical forecast to 125, and nothing else.
    assert client.post(f"/plan-versions/{v2_id}/publish", headers=boss, json={}).json()["status"] == "published"
    final = close("published", boss).json()
    assert final["status"] == "closed"
    assert [s["status"] for s in final["steps"]] == ["closed"] * 7
    assert client.get("/plan-of-record", headers=viewer).json()["id"] == v2_id
    assert client.get("/plan-of-record/export", headers=viewer).status_code == 403
    exported = client.get("/plan-of-record/export", params={"format": "csv"}, headers=finance)
    assert exported.status_code == 200
    assert len(pd.read_csv(io.StringIO(exported.text))) == approved.json()["row_count"]
    payload = client.get("/plan-of-record/export", params={"format": "json"}, headers=boss).json()
    assert payload["content_hash"] == approved.json()["content_hash"]
    plan = _measures(client, v2_id, viewer)
    key = ["item_id", "region_id", "period"]
    consensus = plan[plan["measure"] == "consensus_demand"].set_index(key)["value"]
    before = first_plan[first_plan["measure"] == "consensus_demand"].set_index(key)["value"]
    assert consensus[("G1", "FR", "2024-11-01")] == 125.0
    moved = (consensus - before).abs()
    assert list(moved[moved > 1e-9].index) == [("G1", "FR", "2024-11-01")]
    steps = client.get(f"/plan-versions/{v2_id}/waterfall", params={"against": v1_id}, headers=viewer).json()
    deltas = {s["family_id"]: s["delta"] for s in steps if s["measure"] == "consensus_demand"}
    assert deltas["GRILL"] == pytest.approx(125.0 - before[("G1", "FR", "2024-11-01")])
    assert deltas["POT"] == 0.0

    # Next month: the horizon rolls forward and the plan of record's forecasts are frozen for accuracy by lag.
    nxt = client.post("/cycles", headers=planner, json={})
    assert (nxt.json()["period"], nxt.json()["horizon_start"]) == ("2024-11-01", "2024-12-01")
    snapshot = client.get(f"/cycles/{nxt.json()['id']}/forecast-snapshot", headers=viewer).json()
    taken = {(s["item_id"], s["region_id"], s["period"]): s for s in snapshot}
    assert len(taken) == len(consensus)
    g1 = taken[("G1", "FR", "2024-11-01")]
    assert (g1["lag"], g1["consensus"]) == (1, 125.0)
    assert {s["lag"] for s in snapshot} == set(range(1, 19))

    # The audit trail, event by event (who, what, on which entity).
    assert client.get("/audit", headers=sales).status_code == 403
    events = client.get("/audit", params={"limit": 1000}, headers=admin).json()
    others = ["demand_planner", "sales", "supply_planner", "finance", "executive", "viewer"]
    step_ = f"{cid}/"
    expected = [
        ("setup", "user_add", "admin"),
        ("admin", "login", "admin"),
        *[("admin", "user_add", name) for name in others],
        *[(name, "login", name) for name in others],
        ("demand_planner", "import", str(load_id)),
        ("demand_planner", "cycle_opened", str(cid)),
        ("demand_planner", "step_closed", step_ + "data_cutoff"),
        ("demand_planner", "run_queued", "1"),
        ("demand_planner", "plan_created", str(v1_id)),
        ("worker", "run_succeeded", "1"),
        ("sales", "override_set", f"{v1_id}/item/G1/FR/2024-11-01"),
        ("demand_planner", "step_closed", step_ + "demand_review"),
        ("supply_planner", "step_closed", step_ + "supply_review"),
        ("finance", "step_closed", step_ + "financial_review"),
        ("supply_planner", "scenario_created", str(scenario.json()["id"])),
        ("sales", "assumption_added", str(assumption.json()["id"])),
        ("demand_planner", "plan_submitted", str(v1_id)),
        ("demand_planner", "step_closed", step_ + "pre_sop"),
        ("executive", "plan_rejected", str(v1_id)),
        ("demand_planner", "plan_revised", str(v2_id)),
        ("demand_planner", "run_queued", "2"),
        ("demand_planner", "plan_content_replaced", str(v2_id)),
        ("worker", "run_succeeded", "2"),
        ("demand_planner", "plan_submitted", str(v2_id)),
        ("executive", "plan_approved", str(v2_id)),
        ("executive", "decision_added", str(decision.json()["id"])),
        ("sales", "comment_added", "1"),
        ("executive", "step_closed", step_ + "executive_sop"),
        ("executive", "plan_published", str(v2_id)),
        ("executive", "step_closed", step_ + "published"),
        ("demand_planner", "cycle_opened", str(nxt.json()["id"])),
    ]
    assert [(e["actor"], e["action"], e["entity_id"]) for e in events] == expected
    by_action = {(e["action"], e["entity_id"]): e for e in events}
    rejection = by_action[("plan_rejected", str(v1_id))]
    assert (rejection["old_value"], rejection["new_value"]["status"], rejection["reason"]) == (
        {"status": "submitted"},
        "rejected",
        "grills too low",
    )
    override = by_action[("override_set", f"{v1_id}/item/G1/FR/2024-11-01")]
    assert (override["old_value"], override["new_value"]["value"], override["reason"]) == (None, 125.0, "promo")
    published = by_action[("plan_published", str(v2_id))]
    assert published["new_value"]["content_hash"] == approved.json()["content_hash"]
    assert by_action[("cycle_opened", str(nxt.json()["id"]))]["new_value"]["forecast_snapshot_rows"] == len(taken)
