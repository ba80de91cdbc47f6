"""The worker process: executes queued runs outside the web request, one at a time.

    opensop [--workspace DIR] worker [--plugin MODULE ...] [--once] [--poll SECONDS]
    python -m opensop.worker [--workspace DIR] [--database-url URL] [--plugin MODULE ...] [--once]   (the same)

Each run gets a heartbeat thread; the step reports progress through its context and writes its result in one
transaction at its end. Killing the worker leaves the run `running` with a dead pid and a stale heartbeat: the next
poll of the run, or the next worker to start, marks it failed. `--plugin` imports modules that register extra steps
(`opensop.services.steps.register_step`).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from opensop.config import Settings
from opensop.cycle.permissions import Role
from opensop.errors import DatabaseBusy, OpenSOPError
from opensop.services import runs
from opensop.services.auth import Principal
from opensop.services.steps import RUN_STEPS, StepContext
from opensop.services.workspace import Workspace, open_workspace
from opensop.store.cycle_tables import Run

LOG = logging.getLogger("opensop.worker")
FINISH_ATTEMPTS = 10


def _heartbeat(workspace: Workspace, run_id: int, stop: threading.Event) -> None:
    """Beat until stopped. A beat that cannot reach the database (locked by the run's own write, a dropped
    connection) is skipped, never fatal: a dead heartbeat thread would make a live run look abandoned."""
    while not stop.wait(runs.HEARTBEAT_INTERVAL.total_seconds()):
        try:
            runs.beat(workspace, run_id)
        except (SQLAlchemyError, DatabaseBusy) as error:
            LOG.warning("run %s: heartbeat skipped (%s)", run_id, error.__class__.__name__)


def _progress(workspace: Workspace, run_id: int, fraction: float, message: str) -> None:
    """Progress is information: a report the database cannot take now is skipped, the run goes on."""
    try:
        runs.report_progress(workspace, run_id, fraction, message)
    except (SQLAlchemyError, DatabaseBusy) as error:
        LOG.warning("run %s: progress not recorded (%s): %s", run_id, error.__class__.__name__, message)


def _record(workspace: Workspace, run_id: int, **outcome: Any) -> None:
    """Write the run's outcome, retrying while the database is busy: an outcome lost to a lock would leave a
    finished run `running` and its page waiting forever."""
    for attempt in range(FINISH_ATTEMPTS):
        try:
            runs.finish_run(workspace, run_id, **outcome)
            return
        except (OperationalError, DatabaseBusy):
            if attempt == FINISH_ATTEMPTS - 1:
                raise
            LOG.warning("run %s: outcome not written yet (database busy), retrying", run_id)
            time.sleep(min(2.0 * (attempt + 1), 10.0))


def execute(workspace: Workspace, run: Run) -> None:
    """Run one claimed run to its end. A step's failure is recorded on the run (with the traceback for bugs)."""
    stop = threading.Event()
    beating = threading.Thread(target=_heartbeat, args=(workspace, run.id, stop), daemon=True)
    beating.start()
    context = StepContext(
        workspace=workspace,
        run_id=run.id,
        params=dict(run.params),
        actor=Principal(run.requested_by, Role(run.requested_role)),
        progress=lambda fraction, message: _progress(workspace, run.id, fraction, message),
    )
    try:
        result = RUN_STEPS[run.step].function(context)
    except OpenSOPError as error:
        LOG.warning("run %s (%s) refused: %s", run.id, run.step, error)
        _record(workspace, run.id, error=str(error))
    except Exception:
        LOG.exception("run %s (%s) crashed", run.id, run.step)
        _record(workspace, run.id, error=traceback.format_exc(limit=20))
    except BaseException:
        # stopped (SIGTERM from `opensop serve` shutting down, Ctrl-C): the run fails cleanly, by name, and its
        # single final write never happened, so nothing half-written remains; queue it again to plan it
        LOG.warning("run %s (%s) stopped with the worker", run.id, run.step)
        _record(workspace, run.id, error="the worker was stopped during the run (server shut down); queue it again")
        raise
    else:
        _record(workspace, run.id, result=result)
    finally:
        stop.set()
        beating.join()


def work(workspace: Workspace, *, once: bool = False, poll_seconds: float = 0.5, parent_pid: int | None = None) -> int:
    """Reap dead runs, then execute queued runs until stopped (or until the queue is empty with `once`).
    `parent_pid`: the server that started this worker; when it is gone (even killed without a word), the worker
    stops too rather than living on as an orphan."""
    pid, host = os.getpid(), socket.gethostname()
    reaped = runs.reap_dead_runs(workspace)
    if reaped:
        LOG.warning("marked runs %s failed: their worker had died", reaped)
    done = 0
    idle = threading.Event()
    while True:
        if parent_pid is not None and not runs.process_alive(parent_pid):
            LOG.warning("the server (pid %s) is gone: the worker stops", parent_pid)
            return done
        run = runs.claim_next(workspace, pid=pid, host=host)
        if run is None:
            if once:
                return done
            idle.wait(poll_seconds)
            continue
        if run.step not in RUN_STEPS:
            runs.finish_run(workspace, run.id, error=f"this worker does not know the step {run.step!r}")
        else:
            execute(workspace, run)
        done += 1


def _stop_on_sigterm() -> None:
    """SIGTERM ends the worker like Ctrl-C: Python's default would kill it without recording its run."""

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def serve_queue(
    settings: Settings,
    *,
    plugins: Sequence[str] = (),
    once: bool = False,
    poll_seconds: float = 0.5,
    parent_pid: int | None = None,
) -> int:
    """Import the plugins, open the workspace and work its queue (`opensop worker` and `python -m opensop.worker`)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    _stop_on_sigterm()
    for module in plugins:
        importlib.import_module(module)
    workspace = open_workspace(settings)
    try:
        return work(workspace, once=once, poll_seconds=poll_seconds, parent_pid=parent_pid)
    finally:
        workspace.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="opensop-worker", description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--plugin", action="append", default=[], help="module registering extra steps")
    parser.add_argument("--once", action="store_true", help="stop when the queue is empty")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between polls of an empty queue")
    args = parser.parse_args(argv)
    settings = Settings.from_environment(args.workspace)
    if args.database_url:
        settings = Settings(workspace=settings.workspace, database_url=args.database_url)
    serve_queue(settings, plugins=args.plugin, once=args.once, poll_seconds=args.poll)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
