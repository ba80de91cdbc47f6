"""A plan step that progresses slowly, then writes its whole version in one transaction: the shape of the real
forecast/plan steps, slow enough to kill the worker in the middle. Imported by the test and by the worker
(`--plugin tests.integration.services.slow_step`).
"""

from __future__ import annotations

import time
from typing import Any

from opensop.services import plans
from opensop.services.steps import RunStep, StepContext, register_step
from tests.integration.services.conftest import measures


def slow_plan(context: StepContext) -> dict[str, Any]:
    ticks, delay = int(context.params["ticks"]), float(context.params["delay"])
    for tick in range(ticks):
        time.sleep(delay)
        context.progress((tick + 1) / (ticks + 1), f"tick {tick + 1}/{ticks}")
    version = plans.create_version(
        context.workspace,
        actor=context.actor,
        cycle_id=int(context.params["cycle_id"]),
        measures=measures(),
        run_id=context.run_id,
        label="from the slow step",
    )
    return {"plan_version_id": version.id}


register_step("slow_plan", RunStep(slow_plan, "test step: progress slowly, then write a plan version"))
