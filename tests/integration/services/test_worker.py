"""Runs executed by a real worker process: a finished run, a failing step, and a worker killed with SIGKILL in the
middle of a plan run (no half-written version; the run is marked failed when polled, or when a worker starts).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from opensop.config import Settings
from opensop.services import runs
from opensop.services.imports import import_dataset
from opensop.services.workspace import Workspace, init_workspace
from opensop.store.cycle_tables import PlanMeasure, PlanVersion, Run
from opensop.store.database import transaction
from opensop.store.tables import AuditEvent
from opensop.worker import _heartbeat, work
from tests.integration.services.conftest import PLANNER, VIEWER

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "tests" / "data" / "tiny"


def start_worker(workspace: Workspace, *extra: str) -> subprocess.Popen[bytes]:
    """`opensop worker` on the workspace's database (`python -m opensop.worker` takes the same options)."""
    command = [
        sys.executable, "-m", "opensop.cli.main", "--workspace", str(workspace.settings.workspace),
        "worker", "--plugin", "tests.integration.services.slow_step", "--poll", "0.1", *extra,
    ]  # fmt: skip
    environment = {
        **os.environ, "PYTHONPATH": str(ROOT), "OPENSOP_DATABASE_URL": workspace.settings.resolved_database_url
    }  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def plan_rows(workspace: Workspace) -> tuple[int, int]:
    with transaction(workspace.sessions) as session:
        versions = session.scalar(select(func.count()).select_from(PlanVersion)) or 0
        rows = session.scalar(select(func.count()).select_from(PlanMeasure)) or 0
    return versions, rows


def test_runs_succeed_or_fail_in_the_worker_and_write_their_result(workspace: Workspace, cycle_id: int) -> None:
    import tests.integration.services.slow_step  # noqa: F401  (registers the step in this process too)

    slow = runs.submit_run(
        workspace, actor=PLANNER, step="slow_plan", params={"cycle_id": cycle_id, "ticks": 3, "delay": 0.05}
    )
    missing = runs.submit_run(workspace, actor=PLANNER, step="validate_dataset", params={"load_id": 999})
    load = import_dataset(workspace, TINY, actor="steward", as_of=date(2024, 11, 15))
    check = runs.submit_run(workspace, actor=PLANNER, step="validate_dataset", params={"as_of": "2024-11-15"})
    worker = start_worker(workspace, "--once")
    output, _ = worker.communicate(timeout=90)
    assert worker.returncode == 0, output.decode()
    done = runs.get_run(workspace, actor=VIEWER, run_id=slow.id)
    assert (done.status, done.progress, done.error) == ("succeeded", 1.0, "")
    assert done.log.count("tick") == 3
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.result is not None
    with transaction(workspace.sessions) as session:
        version = session.get(PlanVersion, done.result["plan_version_id"])
        assert version is not None
        assert (version.run_id, version.row_count, version.created_by) == (slow.id, 3, "planner")
    refused = runs.get_run(workspace, actor=VIEWER, run_id=missing.id)
    assert refused.status == "failed"
    assert "no dataset load" in refused.error
    validated = runs.get_run(workspace, actor=VIEWER, run_id=check.id)
    assert validated.status == "succeeded", validated.error
    assert validated.result == {
        "load_id": load.load_id, "ok": True, "errors": 0, "warnings": len(load.report.warnings), "content_intact": True,
    }  # fmt: skip


def test_killing_the_worker_mid_run_leaves_no_half_written_version(workspace: Workspace, cycle_id: int) -> None:
    import tests.integration.services.slow_step  # noqa: F401

    run = runs.submit_run(
        workspace, actor=PLANNER, step="slow_plan", params={"cycle_id": cycle_id, "ticks": 50, "delay": 0.1}
    )
    worker = start_worker(workspace)
    deadline = time.monotonic() + 60
    while runs.get_run(workspace, actor=VIEWER, run_id=run.id).progress < 0.1:
        assert time.monotonic() < deadline, "the worker never progressed"
        assert worker.poll() is None, worker.communicate()[0].decode()
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=10)
    assert plan_rows(workspace) == (0, 0)
    polled = runs.get_run(workspace, actor=VIEWER, run_id=run.id)
    assert polled.status == "failed"
    assert f"pid {worker.pid}" in polled.error
    assert 0.1 <= polled.progress < 1.0
    assert plan_rows(workspace) == (0, 0)
    with transaction(workspace.sessions) as session:
        actions = list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "run").order_by(AuditEvent.id))
        )
    assert actions == ["run_queued", "run_failed"]


def test_a_starting_worker_fails_the_runs_of_a_dead_worker(workspace: Workspace) -> None:
    """The run row of a worker that died (its pid is gone): the next worker to start marks it failed first."""
    finished = subprocess.Popen([sys.executable, "-S", "-c", "pass"])
    finished.wait()
    dead_pid = finished.pid  # a process that existed on this host and is gone
    run = runs.submit_run(workspace, actor=PLANNER, step="validate_dataset", params={})
    claimed = runs.claim_next(workspace, pid=dead_pid, host=socket.gethostname())
    assert claimed is not None
    assert claimed.id == run.id
    assert work(workspace, once=True) == 0
    with transaction(workspace.sessions) as session:
        stored = session.get(Run, run.id)
        assert stored is not None
        assert (stored.status, stored.worker_pid) == ("failed", dead_pid)


def test_a_live_worker_with_a_late_heartbeat_is_not_declared_dead(workspace: Workspace) -> None:
    """A worker writing a large version can miss heartbeats while the database is busy: on its own host its live
    process decides, so a poll does not fail a run that is still working (it used to after 30 s of silence)."""
    run = runs.submit_run(workspace, actor=PLANNER, step="validate_dataset", params={})
    runs.claim_next(workspace, pid=os.getpid(), host=socket.gethostname())
    with transaction(workspace.sessions) as session:
        session.execute(
            update(Run).where(Run.id == run.id).values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=10))
        )
    assert runs.get_run(workspace, actor=VIEWER, run_id=run.id).status == "running"
    assert runs.reap_dead_runs(workspace) == []
    other_host = runs.worker_dead(
        runs.get_run(workspace, actor=VIEWER, run_id=run.id), now=datetime.now(UTC), host="another-host"
    )
    assert other_host, "seen from another host, only the heartbeat tells"


def test_the_outcome_the_worker_records_corrects_an_early_failure_verdict(workspace: Workspace) -> None:
    """A run failed by a poller on another host (late heartbeat) whose worker then finishes: the stored status is
    what really happened, so a version that was written is not shown as a failed run."""
    run = runs.submit_run(workspace, actor=PLANNER, step="validate_dataset", params={})
    runs.claim_next(workspace, pid=os.getpid(), host="another-host")
    with transaction(workspace.sessions) as session:
        session.execute(update(Run).where(Run.id == run.id).values(status="failed", error="the worker stopped"))
    runs.finish_run(workspace, run.id, result={"plan_version_id": 7})
    stored = runs.get_run(workspace, actor=VIEWER, run_id=run.id)
    assert (stored.status, stored.error, stored.result) == ("succeeded", "", {"plan_version_id": 7})


def test_the_heartbeat_survives_a_database_it_cannot_reach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A beat that fails (here: the database file is gone from under a second workspace) is skipped; the thread
    keeps beating instead of dying and leaving a live run looking abandoned."""
    broken = init_workspace(Settings(workspace=tmp_path / "gone", database_url=f"sqlite:///{tmp_path / 'gone.db'}"))
    with transaction(broken.sessions) as session:
        session.execute(text("DROP TABLE run"))
    monkeypatch.setattr(runs, "HEARTBEAT_INTERVAL", timedelta(milliseconds=10))
    stop = threading.Event()
    beating = threading.Thread(target=_heartbeat, args=(broken, 1, stop), daemon=True)
    beating.start()
    time.sleep(0.3)
    assert beating.is_alive()
    stop.set()
    beating.join(timeout=10)
    assert not beating.is_alive()
    broken.dispose()
