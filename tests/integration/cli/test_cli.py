"""The `opensop` command as a user runs it: exit codes, messages, never a traceback for a user mistake."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
OPENSOP = [sys.executable, "-m", "opensop.cli.main"]


def opensop(*args: str, workspace: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENSOP_WORKSPACE": str(workspace), "OPENSOP_USER": "steward", "COLUMNS": "200"}
    env.pop("OPENSOP_DATABASE_URL", None)
    return subprocess.run([*OPENSOP, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False)


def test_init_import_status(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert opensop("status", workspace=workspace).returncode == 3  # no workspace yet: a clear error
    init = opensop("init", workspace=workspace)
    assert init.returncode == 0, init.stderr
    imported = opensop("import", str(TINY), workspace=workspace)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "Load #1 imported" in imported.stdout
    again = opensop("import", str(TINY), workspace=workspace)
    assert "nothing changed" in again.stdout
    status = opensop("status", workspace=workspace)
    assert "1 load(s)" in status.stdout
    assert "steward" in status.stdout


def test_broken_import_exits_2_with_the_rule_and_no_traceback(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    opensop("init", workspace=workspace)
    broken = tmp_path / "broken"
    shutil.copytree(TINY, broken)
    (broken / "inventory.csv").write_text("item_id,site_id,on_hand\nG1,LYON,-3\n")
    report = tmp_path / "report.json"
    result = opensop("import", str(broken), "--report", str(report), workspace=workspace)
    assert result.returncode == 2
    assert "negative_value" in result.stdout
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert '"rule": "negative_value"' in report.read_text()
    assert "No data imported yet" in opensop("status", workspace=workspace).stdout


def test_check_and_missing_path(tmp_path: Path) -> None:
    assert opensop("check", str(TINY), workspace=tmp_path).returncode == 0
    broken = tmp_path / "broken"
    shutil.copytree(TINY, broken)
    (broken / "inventory.csv").write_text("item_id,site_id,on_hand\nG1,LYON,-3\n")
    blocked = opensop("check", str(broken), workspace=tmp_path)
    assert blocked.returncode == 2, blocked.stdout  # as its help promises: blocking errors exit 2
    assert "negative_value" in blocked.stdout
    missing = opensop("check", str(tmp_path / "nowhere"), workspace=tmp_path)
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_demo_data_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert opensop("demo-data", str(out), workspace=tmp_path).returncode == 0
    checked = opensop("check", str(out), workspace=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert "0 error(s)" in checked.stdout


@pytest.mark.slow
def test_scenario_create_and_compare_writes_csv_and_excel(tmp_path: Path) -> None:
    """Scenarios are planned on the working draft through the plan service: each is stored as a draft version, a
    bad one fails alone by name, and the recommendation is a response, never an assumption."""
    workspace = tmp_path / "ws"
    opensop("init", workspace=workspace)
    assert opensop("import", str(TINY), workspace=workspace).returncode == 0
    for name, body in (
        ("export.json", '{"name": "Export +50 %", "description": "big export tender", '
         '"levers": [{"kind": "demand_change", "pct": 50.0, "region_ids": ["EXPORT"]}]}'),
        ("shift.json", '{"name": "Extra shift", "base": "Export +50 %", '
         '"levers": [{"kind": "capacity_scale", "pct": 30.0}]}'),
        ("ghost.json", '{"name": "Ghost line", "levers": [{"kind": "capacity_change", "resource_id": "NOPE", '
         '"period_from": "2024-11"}]}'),
    ):  # fmt: skip
        (tmp_path / name).write_text(body)
        created = opensop("scenario", "create", str(tmp_path / name), workspace=workspace)
        assert created.returncode == 0, created.stdout + created.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "Bad", "levers": [{"kind": "demand_change", "pct": "lots"}]}')
    refused = opensop("scenario", "create", str(bad), workspace=workspace)
    assert refused.returncode != 0
    assert "lever 1 (demand_change): pct" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    listed = opensop("scenario", "list", workspace=workspace)
    assert "assumption" in listed.stdout
    assert "response" in listed.stdout
    no_plan = opensop("scenario", "compare", workspace=workspace)
    assert no_plan.returncode == 3
    assert "no open cycle" in no_plan.stderr
    assert opensop("plan", "--horizon", "6", workspace=workspace).returncode == 0
    unknown = opensop("scenario", "compare", "Nope", workspace=workspace)
    assert unknown.returncode == 3
    assert "no scenario named Nope" in unknown.stderr
    out = tmp_path / "comparison"
    compared = opensop(
        "scenario", "compare", "--csv", str(out), "--excel", str(tmp_path / "c.xlsx"), workspace=workspace
    )
    assert compared.returncode == 0, compared.stdout + compared.stderr
    assert "Export +50 %" in compared.stdout
    ranking = pd.read_csv(out / "ranking.csv").set_index("scenario")
    assert ranking.loc["Export +50 %", "role"] == "assumption"
    assert ranking.loc["Extra shift", "reference"] == "Export +50 %"
    assert ranking.loc["Ghost line", "role"] == "failed"
    assert (
        "resource(s) NOPE do not exist" in ranking.loc["Ghost line", "reasons"]
        or "NOPE" in ranking.loc["Ghost line", "reasons"]
    )
    assert not ranking.loc["Export +50 %", "recommended"]
    assert "Recommendation: Under 'Export +50 %'" in compared.stdout
    assert (tmp_path / "c.xlsx").stat().st_size > 0
    # each planned scenario is a stored draft version (the failed one wrote nothing)
    status = opensop("status", workspace=workspace)
    assert "3 plan version(s)" in status.stdout
    deleted = opensop("scenario", "delete", "Ghost line", workspace=workspace)
    assert deleted.returncode == 0, deleted.stderr
    assert "Ghost line" not in opensop("scenario", "list", workspace=workspace).stdout


def test_usage_mistakes_exit_2_with_a_message_and_no_traceback(tmp_path: Path) -> None:
    for args, message in (
        (("plan", "--bogus"), "No such option: --bogus"),
        (("plan", "--horizon", "2"), "greater than or equal to 3"),
    ):
        done = opensop(*args, workspace=tmp_path / "ws")
        assert done.returncode == 2, args
        assert message in done.stderr
        assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.slow
def test_plan_with_a_frozen_month_makes_nothing_new_in_it(tmp_path: Path) -> None:
    """`opensop plan --frozen-months 1`: tiny's firm orders do not cover its first month, and the summary says why."""
    workspace = tmp_path / "ws"
    assert opensop("init", workspace=workspace).returncode == 0
    assert opensop("import", str(TINY), workspace=workspace).returncode == 0
    refused = opensop("plan", "--horizon", "3", "--frozen-months", "3", workspace=workspace)
    assert refused.returncode == 2
    assert "frozen horizon (3) must be shorter" in refused.stdout + refused.stderr
    done = opensop("plan", "--horizon", "6", "--frozen-months", "1", "--until", "supply", workspace=workspace)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "frozen horizon: only firm orders arrive until 2024-11" in done.stdout


def test_plan_stores_writes_files_lists_and_reruns_to_the_same_hash(tmp_path: Path) -> None:
    """`opensop plan --output DIR` stores a draft through the plan service, writes its measures and summary.json;
    `status` lists it; `plan --rerun` re-plans it from what it records and finds the same content hash."""
    workspace, output = tmp_path / "ws", tmp_path / "out"
    assert opensop("init", workspace=workspace).returncode == 0
    assert opensop("import", str(TINY), workspace=workspace).returncode == 0
    done = opensop("plan", "--horizon", "6", "--output", str(output), workspace=workspace)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Stored as draft plan version 1 (" in done.stdout
    assert "by run 1 (the plan service the worker and the web use)" in done.stdout
    summary = json.loads((output / "summary.json").read_text())
    version = summary["plan_version"]
    measures = pd.read_csv(output / "plan_measures.csv")
    assert (version["id"], version["status"], version["rows"]) == (1, "draft", len(measures))
    assert {"measure", "item_id", "site_id", "region_id", "period", "value"} <= set(measures.columns)
    supply = summary["run"]["supply"]
    assert supply["status"] == "optimal"
    # min-cost objective = every cost line (revenue is not a cost), recomputed from the plan's quantities
    costs = supply["costs"]
    assert supply["objective"] == pytest.approx(sum(v for k, v in costs.items() if k != "revenue"), rel=1e-6)
    assert summary["run"]["kpis"]["fill_rate"] <= 1.0
    listed = opensop("status", workspace=workspace)
    assert "1 plan version(s)" in listed.stdout
    assert version["content_hash"][:16] in listed.stdout
    rerun = opensop("plan", "--rerun", "1", workspace=workspace)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"Plan version 1 reproduced: content hash {version['content_hash'][:16]}" in rerun.stdout
    missing = opensop("plan", "--rerun", "9", workspace=workspace)
    assert missing.returncode != 0
    assert "plan version 9 does not exist" in missing.stdout + missing.stderr
    assert "Traceback" not in missing.stdout + missing.stderr


@pytest.mark.slow
@pytest.mark.slow
def test_demo_without_serving_does_not_claim_a_server(tmp_path: Path) -> None:
    """`opensop demo --no-serve` (scripted use) prints the logins and how to serve, not an address nobody serves."""
    result = opensop("demo", "--no-serve", workspace=tmp_path / "demo", timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "is served at" not in result.stdout
    assert f"opensop --workspace {tmp_path / 'demo'} serve" in result.stdout
    assert "demand.planner / demand_planner-demo-2024" in result.stdout
    # the app opens on a plan: the demo's cycle (the month of its latest actuals) holds the draft it computed
    assert "Cycle 2026-10 opened (horizon 2026-11 to 2028-04)." in result.stdout
    assert "Stored as draft plan version 1 (" in result.stdout
    # the demo plan raises nothing a planner would call absurd: no premium while idle, no stock sold off at the end
    assert "Plan health check: no finding." in result.stdout
