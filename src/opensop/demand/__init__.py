"""Demand review core: classification, statistical forecast, consensus overrides, accuracy and FVA."""

from opensop.demand.classify import DemandClass, classify
from opensop.demand.forecast import DemandForecast, forecast_demand
from opensop.demand.models import ModelName

__all__ = ["DemandClass", "DemandForecast", "ModelName", "classify", "forecast_demand"]
