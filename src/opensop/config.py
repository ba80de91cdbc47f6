"""Runtime settings and the planning configuration.

`Settings` says where things live (database, workspace) and comes from the environment once, at the edge.
`PlanningConfig` says how to plan; it is frozen, serialisable and stored with every plan version so that any plan
can be re-run and explained. Engines receive it as an argument: no engine reads the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any


class Objective(StrEnum):
    MIN_COST = "min_cost"
    MAX_MARGIN = "max_margin"


class PlanningLevel(StrEnum):
    """Granularity of the supply LP; results are disaggregated to items pro rata to consensus demand."""

    ITEM = "item"
    FAMILY = "family"


class ReconciliationMethod(StrEnum):
    MIN_TRACE = "min_trace"
    BOTTOM_UP = "bottom_up"
    TOP_DOWN = "top_down"


class SelectionMetric(StrEnum):
    MASE = "mase"
    WAPE = "wape"


class ForecastEngine(StrEnum):
    """Where statsforecast runs: in this process (n_jobs cores) or on a Dask cluster through fugue."""

    LOCAL = "local"
    DASK = "dask"


@dataclass(frozen=True)
class ForecastConfig:
    season_length: int = 12
    backtest_windows: int = 3
    selection_metric: SelectionMetric = SelectionMetric.MASE
    interval_levels: tuple[int, ...] = (80, 95)
    ensemble: bool = True
    outlier_threshold: float = 4.0
    new_item_months: int = 12
    jobs: int = -1
    ensemble_size: int = 2
    backtest_horizon: int | None = None
    backtest_step: int = 3
    use_auto_arima: bool = False
    engine: ForecastEngine = ForecastEngine.LOCAL


class SafetyStockMethod(StrEnum):
    """Cycle service level (SS = z * sigma * sqrt(L)) or fill rate (normal loss function)."""

    CYCLE_SERVICE = "cycle_service"
    FILL_RATE = "fill_rate"


class EndInventory(StrEnum):
    """What the plan leaves in stock in the horizon's last month, for the months after it.

    VALUED (the default): each unit below the safety stock in the last month costs its unit price (line
    `end_stock`: the sale it protects after the horizon), so the plan ends with its safety stock whenever making
    and moving it costs less than it sells for — and never becomes infeasible for it. Without it a cost-minimising
    plan sells its stock off in the last months (stock is worth nothing to it after the horizon), and the closing
    inventory value shown to finance is 0.
    NONE: no target. SAFETY_STOCK and OPENING: hard lower bounds (the safety stock, the opening stock).
    """

    VALUED = "valued"
    NONE = "none"
    SAFETY_STOCK = "safety_stock"
    OPENING = "opening"


@dataclass(frozen=True)
class SupplyConfig:
    """How the supply LP plans; rates are documented in `opensop.supply.inputs`.

    `priority_step` raises the backlog and lost-sales penalties of a region by that share per priority rank
    above the lowest one; `decompose` solves independent site groups (no lane between them) separately;
    `solver_method` is HiGHS' `solver` option ("choose", "simplex", "ipm"), `crossover` its `run_crossover`.
    """

    objective: Objective = Objective.MIN_COST
    planning_level: PlanningLevel = PlanningLevel.ITEM
    allow_backlog: bool = True
    clear_backlog_at_end: bool = True
    safety_stock_penalty_rate: float = 0.02
    time_limit_seconds: float = 300.0
    solver_method: str = "choose"
    safety_stock_method: SafetyStockMethod = SafetyStockMethod.CYCLE_SERVICE
    end_inventory: EndInventory = EndInventory.VALUED
    priority_step: float = 0.1
    decompose: bool = True
    crossover: bool = True


@dataclass(frozen=True)
class PlanningConfig:
    """How a plan is made. `start_period` None means the month after the last month of history.

    `frozen_months` (the frozen horizon, time fence): the first months the supply plan may no longer change. In
    them only firm orders arrive (the ERP's released production, purchase and transfer orders, imported as
    `open_supply`); the plan makes, buys and subcontracts nothing new. 0 by default, because a frozen month
    without its firm orders imported would plan nothing at all: set it once the open orders come from the ERP.
    """

    horizon_months: int = 18
    frozen_months: int = 0
    start_period: date | None = None
    reconciliation: ReconciliationMethod = ReconciliationMethod.MIN_TRACE
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    supply: SupplyConfig = field(default_factory=SupplyConfig)

    def to_dict(self) -> dict[str, Any]:
        raw: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PlanningConfig:
        config: PlanningConfig = _build(cls, raw)
        return config

    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def forecast_hash(self) -> str:
        """The hash of what the statistical forecast depends on (forecast settings, reconciliation, horizon): a
        kept forecast is reused across plans that differ only in their supply settings (a scenario's objective)."""
        raw = self.to_dict()
        keys = ("forecast", "reconciliation", "start_period", "horizon_months")
        return hashlib.sha256(json.dumps({k: raw[k] for k in keys}, sort_keys=True).encode()).hexdigest()


def _build(cls: type[Any], raw: dict[str, Any]) -> Any:
    """Rebuild nested frozen dataclasses (and their enums, tuples, dates) from a JSON-shaped dict."""
    values: dict[str, Any] = {}
    hints = {f.name: f for f in fields(cls)}
    defaults = cls()
    for name, value in raw.items():
        if name not in hints:
            raise ValueError(f"unknown planning setting: {name}")
        current = getattr(defaults, name)
        if is_dataclass(current):
            values[name] = _build(type(current), value)
        elif isinstance(current, StrEnum):
            values[name] = type(current)(value)
        elif isinstance(current, tuple):
            values[name] = tuple(value)
        elif name == "start_period" and value is not None:
            values[name] = date.fromisoformat(str(value))
        else:
            values[name] = value
    return cls(**values)


DEFAULT_WORKSPACE = Path("workspace")
SERVER_THREADS = 40
"""Requests the server handles at once: the worker threads anyio (under FastAPI) gives `def` routes by default, 40
(a test holds the two equal). The database pool may open that many connections plus a margin for the worker's
heartbeat, so no request waits for a connection the pool was too small to give (it once held 15 for 40)."""
DB_POOL_SIZE = 10
DB_POOL_OVERFLOW = SERVER_THREADS + 5 - DB_POOL_SIZE
DEFAULT_UPLOAD_LIMIT = 100 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Where OpenSOP keeps its data. Built once by the adapter (CLI, API) from the environment."""

    workspace: Path = DEFAULT_WORKSPACE
    database_url: str = ""
    upload_limit_bytes: int = DEFAULT_UPLOAD_LIMIT  # largest file accepted over HTTP, refused before it is read

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.workspace / 'opensop.db').resolve()}"

    @classmethod
    def from_environment(cls, workspace: Path | None = None) -> Settings:
        root = workspace or Path(os.environ.get("OPENSOP_WORKSPACE", str(DEFAULT_WORKSPACE)))
        limit = os.environ.get("OPENSOP_UPLOAD_LIMIT_MB")
        return cls(
            workspace=root,
            database_url=os.environ.get("OPENSOP_DATABASE_URL", ""),
            upload_limit_bytes=int(float(limit) * 1024 * 1024) if limit else DEFAULT_UPLOAD_LIMIT,
        )
