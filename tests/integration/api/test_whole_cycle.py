"""A whole monthly cycle through the API, one user per role, with a rejected then revised and re-submitted plan,
then the next cycle's forecast snapshot; the audit trail is checked event by event at the end.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from opensop.cycle.permissions import Role
from opensop.services import auth
from opensop.services.workspace import Workspace
from tests.integration.api.conftest import SETUP, TestClient, password_of

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"


def _zip_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in sorted(folder.glob("*.csv")):
            bundle.write(path, f"tiny/{path.name}")
    return buffer.getvalue()


def _row(measure: str, period: str, value: float, **keys: str) -> dict[str, Any]:
    return {"measure": measure, "period": period, "value": value, **keys}


def _plan(g1_january: float, grill_revenue: float) -> list[dict[str, Any]]:
    """Two items in France over two months, family-level production and revenue."""
    rows = []
    for item, stat, consensus in (("G1", (100, 110), (g1_january, 110)), ("P1", (50, 60), (50, 60))):
        for period, s, c in zip(("2025-01-01", "2025-02-01"), stat, consensus, strict=True):
            rows.append(_row("statistical_demand", period, s, item_id=item, region_id="FR"))
            rows.append(_row("consensus_demand", period, c, item_id=item, region_id="FR"))
    rows.append(_row("production", "2025-01-01", 230, family_id="GRILL", site_id="LYON"))
    rows.append(_row("production", "2025-01-01", 110, family_id="POT", site_id="LYON"))
    rows.append(_row("revenue", "2025-01-01", grill_revenue, family_id="GRILL", region_id="FR"))
    return rows


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
    opened = client.post("/cycles", headers=planner, json={"period": "2024-12-01"})
    assert opened.status_code == 201, opened.text
    cycle = opened.json()
    assert (cycle["horizon_start"], cycle["horizon_end"]) == ("2025-01-01", "2026-06-01")
    assert [s["status"] for s in cycle["steps"]] == ["open"] + ["pending"] * 6
    cid = cycle["id"]

    def close(step: str, who: dict[str, str]) -> Any:
        return client.post(f"/cycles/{cid}/steps/{step}/close", headers=who, json={"reason": f"{step} done"})

    assert close("data_cutoff", sales).status_code == 403
    assert close("data_cutoff", planner).json()["load_id"] == load_id

    # 2. demand review: a draft with overrides; it cannot close until a consensus is submitted.
    v1 = client.post(
        "/plan-versions", headers=planner, json={"cycle_id": cid, "label": "base", "measures": _plan(120, 1000)}
    )
    assert v1.status_code == 201, v1.text
    v1_id = v1.json()["id"]
    assert (v1.json()["status"], v1.json()["load_id"], v1.json()["row_count"]) == ("draft", load_id, 11)
    assert v1.json()["config"]["horizon_months"] == 18
    refused = close("demand_review", planner)
    assert refused.status_code == 409
    assert "submitted_consensus" in refused.json()["detail"]["message"]
    cell = {"level": "item", "item_id": "G1", "region_id": "FR", "period": "2025-01-01", "source": "sales"}
    first = client.put(
        f"/plan-versions/{v1_id}/overrides", headers=sales, json={**cell, "value": 125, "reason": "promo"}
    )
    assert first.status_code == 200, first.text
    assert first.json()["row_version"] == 1
    stale = client.put(f"/plan-versions/{v1_id}/overrides", headers=sales, json={**cell, "value": 140})
    assert stale.status_code == 409
    assert stale.json()["detail"]["current"]["value"] == 125
    assert client.post(f"/plan-versions/{v1_id}/submit", headers=planner, json={}).json()["status"] == "submitted"
    assert close("demand_review", planner).status_code == 200

    # 3-5. supply, financial and pre-S&OP reviews, each closed by its owner.
    assert close("supply_review", finance).status_code == 403
    assert close("supply_review", supply).status_code == 200
    assert close("financial_review", finance).status_code == 200
    scenario = client.post("/scenarios", headers=supply, json={"name": "overtime", "levers": {"overtime": 1.2}})
    assert scenario.status_code == 201, scenario.text
    assumption = client.post(
        "/assumptions", headers=sales, json={"title": "No price rise", "owner": "sales", "cycle_id": cid}
    )
    assert assumption.status_code == 201
    assert close("pre_sop", planner).status_code == 200

    # 6. executive S&OP: reject, revise into a new draft, re-submit, approve; approved content is frozen.
    assert client.post(f"/plan-versions/{v1_id}/approve", headers=planner, json={}).status_code == 403
    assert client.post(f"/plan-versions/{v1_id}/reject", headers=boss, json={}).status_code == 400
    rejected = client.post(f"/plan-versions/{v1_id}/reject", headers=boss, json={"reason": "grills too low"})
    assert rejected.json()["status"] == "rejected"
    assert close("executive_sop", boss).status_code == 409
    v2 = client.post(f"/plan-versions/{v1_id}/revise", headers=planner, json={"reason": "grills up"})
    assert v2.status_code == 201
    v2_id = v2.json()["id"]
    assert (v2.json()["parent_id"], v2.json()["status"]) == (v1_id, "draft")
    replaced = client.put(f"/plan-versions/{v2_id}/measures", headers=planner, json={"measures": _plan(130, 1200)})
    assert replaced.status_code == 200
    assert client.post(f"/plan-versions/{v2_id}/submit", headers=planner, json={}).status_code == 200
    approved = client.post(f"/plan-versions/{v2_id}/approve", headers=boss, json={"reason": "go"})
    assert approved.json()["status"] == "approved"
    frozen = client.put(f"/plan-versions/{v2_id}/measures", headers=planner, json={"measures": _plan(1, 1)})
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

    # 7. published: the plan of record, exported for the ERP; the waterfall explains v1 -> v2.
    assert client.post(f"/plan-versions/{v2_id}/publish", headers=boss, json={}).json()["status"] == "published"
    final = close("published", boss).json()
    assert final["status"] == "closed"
    assert client.get("/plan-of-record", headers=viewer).json()["id"] == v2_id
    assert client.get("/plan-of-record/export", headers=viewer).status_code == 403
    exported = client.get("/plan-of-record/export", params={"format": "csv"}, headers=finance)
    assert exported.status_code == 200
    frame = pd.read_csv(io.StringIO(exported.text))
    assert len(frame) == 11
    assert frame.loc[frame["measure"] == "revenue", "value"].tolist() == [1200.0]
    payload = client.get("/plan-of-record/export", params={"format": "json"}, headers=boss).json()
    assert payload["content_hash"] == approved.json()["content_hash"]
    workbook = client.get("/plan-of-record/export", params={"format": "xlsx"}, headers=boss)
    assert pd.read_excel(io.BytesIO(workbook.content)).shape == (11, 9)
    steps = client.get(f"/plan-versions/{v2_id}/waterfall", params={"against": v1_id}, headers=viewer).json()
    deltas = {(s["measure"], s["family_id"]): s["delta"] for s in steps}
    assert deltas == {
        ("consensus_demand", "GRILL"): 10.0,
        ("consensus_demand", "POT"): 0.0,
        ("production", "GRILL"): 0.0,
        ("production", "POT"): 0.0,
        ("revenue", "GRILL"): 200.0,
        ("statistical_demand", "GRILL"): 0.0,
        ("statistical_demand", "POT"): 0.0,
    }
    kpis = client.get(f"/plan-versions/{v2_id}/kpis", headers=viewer).json()
    assert {(k["measure"], k["period"]): k["value"] for k in kpis}[("consensus_demand", "2025-01-01")] == 180.0

    # Next month: the horizon rolls forward and the plan of record's forecasts are frozen for accuracy by lag.
    nxt = client.post("/cycles", headers=planner, json={})
    assert (nxt.json()["period"], nxt.json()["horizon_start"]) == ("2025-01-01", "2025-02-01")
    snapshot = client.get(f"/cycles/{nxt.json()['id']}/forecast-snapshot", headers=viewer).json()
    assert [(s["item_id"], s["period"], s["lag"], s["statistical"], s["consensus"]) for s in snapshot] == [
        ("G1", "2025-01-01", 1, 100.0, 130.0),
        ("G1", "2025-02-01", 2, 110.0, 110.0),
        ("P1", "2025-01-01", 1, 50.0, 50.0),
        ("P1", "2025-02-01", 2, 60.0, 60.0),
    ]

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
        ("demand_planner", "plan_created", str(v1_id)),
        ("sales", "override_set", f"{v1_id}/item/G1/FR/2025-01-01"),
        ("demand_planner", "plan_submitted", str(v1_id)),
        ("demand_planner", "step_closed", step_ + "demand_review"),
        ("supply_planner", "step_closed", step_ + "supply_review"),
        ("finance", "step_closed", step_ + "financial_review"),
        ("supply_planner", "scenario_created", str(scenario.json()["id"])),
        ("sales", "assumption_added", str(assumption.json()["id"])),
        ("demand_planner", "step_closed", step_ + "pre_sop"),
        ("executive", "plan_rejected", str(v1_id)),
        ("demand_planner", "plan_revised", str(v2_id)),
        ("demand_planner", "plan_content_replaced", str(v2_id)),
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
    override = by_action[("override_set", f"{v1_id}/item/G1/FR/2025-01-01")]
    assert (override["old_value"], override["new_value"]["value"], override["reason"]) == (None, 125.0, "promo")
    published = by_action[("plan_published", str(v2_id))]
    assert published["new_value"]["content_hash"] == approved.json()["content_hash"]
    assert by_action[("cycle_opened", str(nxt.json()["id"]))]["new_value"]["forecast_snapshot_rows"] == 4
