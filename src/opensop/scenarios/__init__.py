"""Scenarios: a base + levers + config overrides, run one by one or in parallel, compared along `scenario`.

Scenario(name, levers, config_overrides) -> to_dict / from_dict / content_hash
run(base_data, base_demand, scenario, config) -> ScenarioResult;  run_many(..., workers=AUTO) -> list[ScenarioResult]
compare(results, base=...) -> Comparison;  gap_analysis(data, demand, result) -> GapAnalysis
to_csv(report, directory), to_excel(report, path);  seed_scenarios() -> the demo's four scenarios
"""

from opensop.scenarios.compare import GOODWILL_RATE, Comparison, compare
from opensop.scenarios.export import to_csv, to_excel
from opensop.scenarios.gaps import GapAnalysis, gap_analysis
from opensop.scenarios.levers import (
    LEVERS,
    CapacityChange,
    CapacityInvestment,
    CapacityScale,
    CostChange,
    DemandChange,
    DemandRisk,
    EndOfLife,
    LaunchProduct,
    LeadTimeChange,
    Lever,
    PriceChange,
    ResourceOutage,
    ScenarioInputs,
    ServiceLevelTarget,
    SetObjective,
    SupplierLoss,
    lever_from_dict,
)
from opensop.scenarios.run import (
    AUTO,
    MAX_WORKERS,
    ScenarioResult,
    Workers,
    choose_workers,
    run,
    run_many,
    stack,
    usable_cores,
)
from opensop.scenarios.scenario import Scenario
from opensop.scenarios.seeds import BASE, seed_scenarios

__all__ = [
    "AUTO",
    "BASE",
    "GOODWILL_RATE",
    "LEVERS",
    "MAX_WORKERS",
    "CapacityChange",
    "CapacityInvestment",
    "CapacityScale",
    "Comparison",
    "CostChange",
    "DemandChange",
    "DemandRisk",
    "EndOfLife",
    "GapAnalysis",
    "LaunchProduct",
    "LeadTimeChange",
    "Lever",
    "PriceChange",
    "ResourceOutage",
    "Scenario",
    "ScenarioInputs",
    "ScenarioResult",
    "ServiceLevelTarget",
    "SetObjective",
    "SupplierLoss",
    "Workers",
    "choose_workers",
    "compare",
    "gap_analysis",
    "lever_from_dict",
    "run",
    "run_many",
    "seed_scenarios",
    "stack",
    "to_csv",
    "to_excel",
    "usable_cores",
]
