"""The stored rows the services hand to the adapters, named here so that the API, the web and the CLI never
import `opensop.store` (an import-linter contract says so): they receive these objects from a service call and
read their attributes; writing them is the services' job.
"""

from __future__ import annotations

from opensop.store.cycle_tables import PlanningCycle, PlanOverride, PlanVersion, Run, ScenarioDefinition

__all__ = ["PlanOverride", "PlanVersion", "PlanningCycle", "Run", "ScenarioDefinition"]
