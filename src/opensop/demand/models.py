"""The forecast model catalogue: thin, named configuration around statsforecast's models.

Each `ModelName` maps to one statsforecast model with a deterministic alias (the alias is the forecast column
statsforecast returns). Models are grouped by cost, because cost decides how they are run:

* *auto* models (AutoETS, AutoTheta, AutoARIMA) optimise parameters per series: they run on every core
  (`n_jobs`) and are backtested with `refit=False` (fitted once on the first backtest window, then moved forward
  over the later windows with the same parameters): measured here, refitting tripled AutoETS's backtest time.
* *trivial* models (SeasonalNaive, CrostonSBA, TSB, ADIDA, IMAPA, HistoricAverage, Naive) run in one process,
  where process start-up would cost more than the fits, and are refitted at every backtest window.

Models without native prediction intervals (the intermittent-demand family) get residual-based (conformal)
intervals from their own backtest errors; see `opensop.demand.engine`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoARIMA,
    AutoETS,
    AutoTheta,
    CrostonSBA,
    HistoricAverage,
    Naive,
    SeasonalNaive,
)


class ModelName(StrEnum):
    SEASONAL_NAIVE = "seasonal_naive"
    AUTO_ETS = "auto_ets"
    AUTO_THETA = "auto_theta"
    AUTO_ARIMA = "auto_arima"
    CROSTON_SBA = "croston_sba"
    TSB = "tsb"
    ADIDA = "adida"
    IMAPA = "imapa"
    HISTORIC_AVERAGE = "historic_average"
    NAIVE = "naive"
    ZERO = "zero"
    ENSEMBLE = "ensemble"
    LIKE_ITEM = "like_item"
    FAMILY_PROFILE = "family_profile"


class CandidateGroup(StrEnum):
    """Which candidate set a series is offered, decided by its demand class."""

    CONTINUOUS = "continuous"
    INTERMITTENT = "intermittent"


# Smoothing weights of TSB (demand size, demand probability): the values Teunter, Syntetos & Babai (2011)
# found robust for monthly spare-parts data.
TSB_ALPHA_DEMAND = 0.1
TSB_ALPHA_PROBABILITY = 0.1


@dataclass(frozen=True)
class ModelSpec:
    name: ModelName
    auto: bool
    native_intervals: bool

    def build(self, season_length: int) -> Any:
        """A fresh statsforecast model whose alias is this spec's name."""
        alias = str(self.name)
        match self.name:
            case ModelName.SEASONAL_NAIVE:
                return SeasonalNaive(season_length=season_length, alias=alias)
            case ModelName.AUTO_ETS:
                return AutoETS(season_length=season_length, alias=alias)
            case ModelName.AUTO_THETA:
                return AutoTheta(season_length=season_length, alias=alias)
            case ModelName.AUTO_ARIMA:
                return AutoARIMA(season_length=season_length, alias=alias)
            case ModelName.CROSTON_SBA:
                return CrostonSBA(alias=alias)
            case ModelName.TSB:
                return TSB(alpha_d=TSB_ALPHA_DEMAND, alpha_p=TSB_ALPHA_PROBABILITY, alias=alias)
            case ModelName.ADIDA:
                return ADIDA(alias=alias)
            case ModelName.IMAPA:
                return IMAPA(alias=alias)
            case ModelName.HISTORIC_AVERAGE:
                return HistoricAverage(alias=alias)
            case ModelName.NAIVE:
                return Naive(alias=alias)
        raise ValueError(f"{self.name} is not a statsforecast model")


CATALOGUE: dict[ModelName, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(ModelName.SEASONAL_NAIVE, auto=False, native_intervals=True),
        ModelSpec(ModelName.AUTO_ETS, auto=True, native_intervals=True),
        ModelSpec(ModelName.AUTO_THETA, auto=True, native_intervals=True),
        ModelSpec(ModelName.AUTO_ARIMA, auto=True, native_intervals=True),
        ModelSpec(ModelName.CROSTON_SBA, auto=False, native_intervals=False),
        ModelSpec(ModelName.TSB, auto=False, native_intervals=False),
        ModelSpec(ModelName.ADIDA, auto=False, native_intervals=False),
        ModelSpec(ModelName.IMAPA, auto=False, native_intervals=False),
        ModelSpec(ModelName.HISTORIC_AVERAGE, auto=False, native_intervals=True),
        ModelSpec(ModelName.NAIVE, auto=False, native_intervals=True),
    )
}

STATISTICAL_MODELS: tuple[ModelName, ...] = tuple(CATALOGUE)


def candidates(group: CandidateGroup, *, use_auto_arima: bool = False) -> tuple[ModelName, ...]:
    """The models backtested for a candidate group.

    Continuous demand (smooth, erratic) gets the exponential-smoothing / Theta family and the seasonal naive
    benchmark; intermittent demand (intermittent, lumpy) gets the Croston family, whose forecasts are demand
    rates rather than expected period quantities of a continuous process. AutoARIMA is ~8x slower than AutoETS
    here and rarely wins on monthly business data, so it is offered only on request.
    """
    if group is CandidateGroup.INTERMITTENT:
        return (ModelName.CROSTON_SBA, ModelName.TSB, ModelName.ADIDA, ModelName.IMAPA)
    base = (ModelName.SEASONAL_NAIVE, ModelName.AUTO_ETS, ModelName.AUTO_THETA)
    return (*base, ModelName.AUTO_ARIMA) if use_auto_arima else base


def default_model(group: CandidateGroup, n_observations: int, season_length: int) -> ModelName:
    """The model used without a backtest (history too short to hold one out): simple and hard to break."""
    if group is CandidateGroup.INTERMITTENT:
        return ModelName.CROSTON_SBA
    if n_observations >= 2 * season_length:
        return ModelName.AUTO_ETS
    return ModelName.HISTORIC_AVERAGE if n_observations >= 3 else ModelName.NAIVE
