"""Demand review core: classification, statistical forecast, consensus overrides, accuracy and FVA."""

from opensop.demand.accuracy import accuracy, forecast_value_added
from opensop.demand.classify import DemandClass, classify
from opensop.demand.consensus import ConsensusDemand, OverrideKind, OverrideSource, apply_overrides
from opensop.demand.forecast import DemandForecast, forecast_demand
from opensop.demand.models import ModelName

__all__ = [
    "ConsensusDemand",
    "DemandClass",
    "DemandForecast",
    "ModelName",
    "OverrideKind",
    "OverrideSource",
    "accuracy",
    "apply_overrides",
    "classify",
    "forecast_demand",
    "forecast_value_added",
]
