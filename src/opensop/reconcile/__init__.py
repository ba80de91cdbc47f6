"""Hierarchy and reconciliation: coherent forecasts at every level (item -> family -> category -> total x region)."""

from opensop.reconcile.hierarchy import LEVELS, Level, ReconciledForecast, reconcile

__all__ = ["LEVELS", "Level", "ReconciledForecast", "reconcile"]
