"""Runs: long computations queued by users and executed by a worker process (see `opensop.worker`).

A run is queued -> running -> succeeded | failed. The worker claims a queued run by compare-and-swap, beats a
heartbeat while the step works, and records the outcome. A run whose worker died (its pid is gone from this host,
or its heartbeat is older than STALE_AFTER) is marked failed when it is polled or when a worker starts.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from opensop.cycle.permissions import Action, require
from opensop.cycle.status import RunStatus
from opensop.errors import NotFoundError
from opensop.services import plan_runs
from opensop.services.auth import Principal
from opensop.services.steps import RUN_STEPS
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.cycle_tables import Run
from opensop.store.database import transaction

HEARTBEAT_INTERVAL = timedelta(seconds=2)
STALE_AFTER = timedelta(seconds=30)
WORKER = "worker"


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def process_alive(pid: int) -> bool:
    """True while `pid` runs on this host; a zombie (killed, not yet reaped by its parent) counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        state = stat.read_text().rsplit(")", 1)[-1].split()[0]
        return state not in {"Z", "X"}
    return True


def worker_dead(run: Run, *, now: datetime, host: str) -> bool:
    """On the worker's own host its process decides: a heartbeat can be late while the worker waits for the
    database (writing a large version on SQLite), and that worker is alive. Elsewhere only the heartbeat tells."""
    if run.status != RunStatus.RUNNING:
        return False
    if run.worker_host == host and run.worker_pid is not None:
        return not process_alive(run.worker_pid)
    beat = run.heartbeat_at or run.started_at
    return beat is not None and now - _utc(beat) > STALE_AFTER


def _mark_dead(session: Session, run: Run, *, now: datetime) -> None:
    done = session.execute(
        update(Run)
        .where(Run.id == run.id, Run.status == RunStatus.RUNNING.value)
        .values(
            status=RunStatus.FAILED.value,
            finished_at=now,
            error=f"the worker (pid {run.worker_pid} on {run.worker_host}) stopped during the run",
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1:  # type: ignore[attr-defined]
        repositories.record_audit(
            session,
            actor=WORKER,
            action="run_failed",
            entity="run",
            entity_id=str(run.id),
            old_value={"status": "running"},
            new_value={"status": "failed", "reason": "worker died"},
        )
    session.refresh(run)


def submit_run(
    workspace: Workspace,
    *,
    actor: Principal,
    step: str,
    params: dict[str, Any],
    here: tuple[int, str] | None = None,
) -> Run:
    """Queue a run (audited). The step's `check` refuses bad parameters now; with `coalesce`, an identical run still
    waiting in the queue is returned instead of queueing the same work twice. `here` (pid, host) writes the run as
    already running in that process (`start_here`)."""
    if step not in RUN_STEPS:
        raise NotFoundError(f"there is no step named {step!r}", hint=f"known steps: {', '.join(sorted(RUN_STEPS))}")
    spec = RUN_STEPS[step]
    require(actor.role, spec.action)
    if spec.check is not None:
        params = spec.check(workspace, actor, params)
    with transaction(workspace.sessions) as session:
        if spec.coalesce and here is None:
            waiting = session.scalars(
                select(Run).where(Run.step == step, Run.status == RunStatus.QUEUED.value).order_by(Run.id)
            ).all()
            same = [run for run in waiting if run.params == params and run.requested_by == actor.username]
            if same:
                return same[0]
        run = Run(
            step=step,
            params=params,
            status=RunStatus.QUEUED.value,
            progress=0.0,
            log="",
            error="",
            requested_by=actor.username,
            requested_role=actor.role.value,
        )
        if here is not None:
            now = datetime.now(UTC)
            run.status, run.started_at, run.heartbeat_at = RunStatus.RUNNING.value, now, now
            run.worker_pid, run.worker_host = here
            run.log = f"started by process {here[0]} on {here[1]}\n"
        session.add(run)
        session.flush()
        repositories.record_audit(
            session,
            actor=actor.username,
            action="run_queued" if here is None else "run_started",
            entity="run",
            entity_id=str(run.id),
            new_value={"step": step, "params": params},
        )
        return run


def get_run(workspace: Workspace, *, actor: Principal, run_id: int) -> Run:
    """The run as stored, after failing it if its worker died (so a poller never waits forever)."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        run = session.get(Run, run_id)
        if run is None:
            raise NotFoundError(f"run {run_id} does not exist")
        now = datetime.now(UTC)
        if worker_dead(run, now=now, host=socket.gethostname()):
            _mark_dead(session, run, now=now)
        return run


def list_runs(workspace: Workspace, *, actor: Principal, limit: int = 100) -> list[Run]:
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        return list(session.scalars(select(Run).order_by(Run.id.desc()).limit(max(1, min(limit, 1000)))))


def recent_runs(
    workspace: Workspace, *, actor: Principal, step: str, match: dict[str, Any], limit: int = 200
) -> list[Run]:
    """The latest runs of `step` (newest first, among its last `limit`) whose parameters include `match`.

    Parameters are JSON, which SQLite and PostgreSQL query differently; a step's recent runs are few, so they are
    filtered here. A run whose worker died is failed first, as in `get_run`.
    """
    require(actor.role, Action.VIEW)
    now, host = datetime.now(UTC), socket.gethostname()
    with transaction(workspace.sessions) as session:
        found = session.scalars(select(Run).where(Run.step == step).order_by(Run.id.desc()).limit(limit)).all()
        chosen = [run for run in found if all(run.params.get(key) == value for key, value in match.items())]
        for run in chosen:
            if worker_dead(run, now=now, host=host):
                _mark_dead(session, run, now=now)
        return chosen


def failure_message(run: Run) -> str:
    """What a page shows of a failed run: the message of a refused run as written, only the last line of a bug's
    traceback (the whole traceback stays on the run for the administrator)."""
    lines = [line for line in run.error.strip().splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("Traceback"):
        return f"the run stopped on an unexpected error ({lines[-1].strip()}); the details are in run {run.id}"
    return run.error.strip()


# ---- the worker's side: infrastructure, acting as the requester recorded on the run ----


def reap_dead_runs(workspace: Workspace) -> list[int]:
    """Fail every running run whose worker is gone; a starting worker calls this first."""
    now, host = datetime.now(UTC), socket.gethostname()
    with transaction(workspace.sessions) as session:
        running = session.scalars(select(Run).where(Run.status == RunStatus.RUNNING.value)).all()
        dead = [run for run in running if worker_dead(run, now=now, host=host)]
        for run in dead:
            _mark_dead(session, run, now=now)
        return [run.id for run in dead]


def _claim(session: Session, run_id: int, *, pid: int, host: str) -> Run | None:
    """Queued -> running for this process, as a compare-and-swap on the status (None when another took it)."""
    now = datetime.now(UTC)
    done = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == RunStatus.QUEUED.value)
        .values(
            status=RunStatus.RUNNING.value,
            started_at=now,
            heartbeat_at=now,
            worker_pid=pid,
            worker_host=host,
            log=f"started by worker {pid} on {host}\n",
        )
        .execution_options(synchronize_session=False)
    )
    return session.get(Run, run_id) if done.rowcount == 1 else None  # type: ignore[attr-defined]


def claim_next(workspace: Workspace, *, pid: int, host: str) -> Run | None:
    """Take the oldest queued run; the status compare-and-swap lets several workers poll the same table."""
    with transaction(workspace.sessions) as session:
        candidates = session.scalars(
            select(Run.id).where(Run.status == RunStatus.QUEUED.value).order_by(Run.id).limit(5)
        ).all()
        for run_id in candidates:
            run = _claim(session, run_id, pid=pid, host=host)
            if run is not None:
                return run
        return None


def start_here(workspace: Workspace, *, actor: Principal, step: str, params: dict[str, Any]) -> Run:
    """A run executed by the calling process (the CLI) rather than a worker: checked and audited as any run, but
    written as already running under this process's pid, so no worker can take it, and its outcome, summary and
    liveness are recorded exactly as a worker's are."""
    return submit_run(workspace, actor=actor, step=step, params=params, here=(os.getpid(), socket.gethostname()))


def plan_here(
    workspace: Workspace,
    *,
    actor: Principal,
    request: plan_runs.PlanRequest,
    progress: plan_runs.RunProgress | None = None,
) -> tuple[Run, plan_runs.PlanOutcome]:
    """A plan run executed by this process (`opensop plan`, `opensop scenario compare`), recorded as the worker's
    runs are: its summary (kept forecast, levers, explanations, health) is what the pages and re-runs read."""
    run = start_here(workspace, actor=actor, step=plan_runs.PLAN_STEP, params=request.to_params())
    try:
        outcome = plan_runs.plan_and_store(workspace, actor=actor, request=request, run_id=run.id, progress=progress)
    except BaseException as error:
        finish_run(workspace, run.id, error=str(error) or f"interrupted ({type(error).__name__})")
        raise
    finish_run(workspace, run.id, result=outcome.summary)
    return run, outcome


def beat(workspace: Workspace, run_id: int) -> None:
    with transaction(workspace.sessions) as session:
        session.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.RUNNING.value)
            .values(heartbeat_at=datetime.now(UTC))
        )


def report_progress(workspace: Workspace, run_id: int, fraction: float, message: str) -> None:
    """Progress and a log line in their own short transaction, so pollers see them while the step works."""
    line = f"{datetime.now(UTC):%H:%M:%S} {message}\n"
    with transaction(workspace.sessions) as session:
        session.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.RUNNING.value)
            .values(progress=max(0.0, min(1.0, fraction)), log=Run.log + line, heartbeat_at=datetime.now(UTC))
        )


def finish_run(
    workspace: Workspace, run_id: int, *, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    """Record the outcome the step really had. A run another host failed for a late heartbeat is corrected: the
    worker that finishes it knows best (its version may have been written)."""
    status = RunStatus.FAILED if error is not None else RunStatus.SUCCEEDED
    with transaction(workspace.sessions) as session:
        session.execute(
            update(Run)
            .where(Run.id == run_id, Run.status.in_([RunStatus.RUNNING.value, RunStatus.FAILED.value]))
            .values(
                status=status.value,
                finished_at=datetime.now(UTC),
                result=result,
                error=error or "",
                progress=1.0 if error is None else Run.progress,
            )
        )
        repositories.record_audit(
            session,
            actor=WORKER,
            action=f"run_{status.value}",
            entity="run",
            entity_id=str(run_id),
            old_value={"status": "running"},
            new_value={"status": status.value, "result": result, "error": error},
        )
