"""The KPI catalogue with documented formulas: compute(KpiInputs) -> kpi, label, value, unit, better."""

from opensop.kpi.catalogue import (
    CATALOGUE,
    KPI_BY_NAME,
    Better,
    Kpi,
    KpiInputs,
    catalogue_frame,
    compute,
    not_available,
)

__all__ = ["CATALOGUE", "KPI_BY_NAME", "Better", "Kpi", "KpiInputs", "catalogue_frame", "compute", "not_available"]
