"""The registry of steps a Run can execute in the worker process.

A step is a function of a `StepContext` (the workspace, the run parameters, who asked, a progress callback)
returning a small JSON-able summary. A step that produces a plan writes it with ONE service call at its end (one
transaction), so a worker killed mid-run leaves nothing half-written. Plugging in an engine is one line in RUN_STEPS:

    "forecast": RunStep(run_forecast, "statistical forecast and consensus draft"),

A step may also `check` its parameters when the run is queued (a bad request is refused at once, not minutes later
in the worker) and ask for `coalesce`: queueing a run identical to one still waiting returns the waiting one, which
will read the latest data anyway when it starts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from opensop.cycle.permissions import Action
from opensop.errors import NotFoundError
from opensop.ingest import content_hash, validate_source, write_csv_folder
from opensop.services import plan_runs
from opensop.services.auth import Principal
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.database import transaction
from opensop.store.tables import DatasetLoad


@dataclass(frozen=True)
class StepContext:
    workspace: Workspace
    run_id: int
    params: dict[str, Any]
    actor: Principal
    progress: Callable[[float, str], None]


StepFunction = Callable[[StepContext], dict[str, Any]]
ParamsCheck = Callable[[Workspace, Principal, dict[str, Any]], dict[str, Any]]
"""check(workspace, actor, params) -> the params to store, or raises the OpenSOPError the requester must see."""


@dataclass(frozen=True)
class RunStep:
    function: StepFunction
    description: str
    action: Action = Action.RUN_STEP
    check: ParamsCheck | None = None
    coalesce: bool = False


def validate_dataset(context: StepContext) -> dict[str, Any]:
    """Re-run the whole check catalogue on a stored load (default: the latest), as of the day it was loaded.

    The dataset is written back to CSV and read through the same path as an import, so the report is the one an
    import of that content would give today's rules; the content hash tells whether the stored rows are intact.
    """
    requested = context.params.get("load_id")
    with transaction(context.workspace.sessions) as session:
        load = session.get(DatasetLoad, int(requested)) if requested else repositories.latest_load(session)
        if load is None:
            raise NotFoundError("no dataset load to validate", hint="import data first")
        load_id, loaded_on, stored_hash = load.id, load.loaded_at.date(), load.content_hash
        data = repositories.read_dataset(session, load_id)
    context.progress(0.3, f"load {load_id} read")
    as_of = date.fromisoformat(str(context.params["as_of"])) if context.params.get("as_of") else loaded_on
    with tempfile.TemporaryDirectory(prefix="opensop-validate-") as folder:
        write_csv_folder(data, Path(folder))
        context.progress(0.5, "checks running")
        result = validate_source(Path(folder), as_of=as_of)
    report = result.report
    context.progress(1.0, f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    return {
        "load_id": load_id,
        "ok": report.ok,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "content_intact": content_hash(data) == stored_hash,
    }


def plan(context: StepContext) -> dict[str, Any]:
    """The monthly job on a cycle's data, written as a draft plan version (see `opensop.services.plan_runs`)."""
    return plan_runs.run_plan(
        context.workspace,
        actor=context.actor,
        request=plan_runs.PlanRequest.from_params(context.params),
        run_id=context.run_id,
        progress=context.progress,
    )


RUN_STEPS: dict[str, RunStep] = {
    "validate_dataset": RunStep(validate_dataset, "re-validate a stored dataset load"),
    plan_runs.PLAN_STEP: RunStep(
        plan,
        "forecast, consensus, supply plan, finance and KPIs, stored as a draft plan version",
        action=Action.EDIT_PLAN,
        check=plan_runs.check_params,
        coalesce=True,
    ),
}


def register_step(name: str, spec: RunStep) -> None:
    """Add a step at run time (tests, extensions); the worker must import the same module to run it."""
    RUN_STEPS[name] = spec
