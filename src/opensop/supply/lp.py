"""A small vectorised LP builder on top of HiGHS (highspy) and scipy sparse matrices.

Why not a modelling layer: the supply model is sparse (an item is made at one or two of the sites, uses two or
three of the resources), and building it from key frames with pandas merges keeps memory proportional to the
non-zeros, gives direct access to HiGHS' duals and statuses, and costs a fraction of the solve.

A variable block is a key frame (integer-coded dimensions such as product, site, t) plus a `var` column holding
the column index; a constraint block is a key frame plus a `row` column. Terms are (row, var, coefficient)
triplets produced by merging a row block with a variable block on shared keys, so no Python loop ever runs over
items x periods. Every row is  lower <= a.x <= upper.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from enum import StrEnum

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

INF = highspy.kHighsInf
IIS_FROM_LP = 2  # HiGHS `iis_strategy`: compute the IIS from the LP (the default only checks bounds and rows)


def _construct_once_silently() -> None:
    """HiGHS prints its licence banner on standard output when the first solver object of a process is built,
    before any option can be set, mixing it into the CLI's output and anything piped from it. Build that first
    object here, at import (single-threaded), with file descriptor 1 pointed at /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_construct_once_silently()


class SolveStatus(StrEnum):
    """What the solver concluded; only OPTIMAL yields a plan."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"
    EMPTY = "empty"


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one HiGHS run: `termination` is HiGHS' own model status string, kept for the log."""

    status: SolveStatus
    termination: str
    objective: float
    runtime_seconds: float
    conflicts: tuple[str, ...] = ()

    @property
    def is_ok(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.EMPTY)


@dataclass
class LinearProgram:
    """Accumulates variable and constraint blocks; `solve` hands one column-wise matrix to HiGHS."""

    n_vars: int = 0
    n_rows: int = 0
    _lower: list[np.ndarray] = field(default_factory=list)
    _upper: list[np.ndarray] = field(default_factory=list)
    _cost: list[np.ndarray] = field(default_factory=list)
    _row_lower: list[np.ndarray] = field(default_factory=list)
    _row_upper: list[np.ndarray] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _vals: list[np.ndarray] = field(default_factory=list)
    variables: dict[str, pd.DataFrame] = field(default_factory=dict)
    constraints: dict[str, pd.DataFrame] = field(default_factory=dict)

    def add_variables(
        self,
        name: str,
        keys: pd.DataFrame,
        *,
        lower: float | np.ndarray = 0.0,
        upper: float | np.ndarray = INF,
        cost: float | np.ndarray = 0.0,
    ) -> pd.DataFrame:
        """Add one column per key row; returns the keys with a `var` column (also kept in `variables[name]`)."""
        n = len(keys)
        block = keys.reset_index(drop=True).copy()
        block["var"] = np.arange(self.n_vars, self.n_vars + n, dtype=np.int64)
        self._lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy())
        upper_arr = np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy()
        upper_arr[~np.isfinite(upper_arr)] = INF
        self._upper.append(upper_arr)
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        self.n_vars += n
        self.variables[name] = block
        return block

    def add_constraints(
        self,
        name: str,
        keys: pd.DataFrame,
        terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        *,
        lower: float | np.ndarray = -INF,
        upper: float | np.ndarray = INF,
    ) -> pd.DataFrame:
        """Add one row per key row. `terms` hold (local row position, var, coefficient) triplets."""
        n = len(keys)
        block = keys.reset_index(drop=True).copy()
        block["row"] = np.arange(self.n_rows, self.n_rows + n, dtype=np.int64)
        for rows, cols, vals in terms:
            self._rows.append(np.asarray(rows, dtype=np.int64) + self.n_rows)
            self._cols.append(np.asarray(cols, dtype=np.int64))
            self._vals.append(np.asarray(vals, dtype=float))
        lo = np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy()
        hi = np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy()
        lo[~np.isfinite(lo)] = -INF
        hi[~np.isfinite(hi)] = INF
        self._row_lower.append(lo)
        self._row_upper.append(hi)
        self.n_rows += n
        self.constraints[name] = block
        return block

    def cost_vector(self) -> np.ndarray:
        return np.concatenate(self._cost) if self._cost else np.zeros(0)

    def matrix(self) -> sp.csc_matrix:
        if not self._rows:
            return sp.csc_matrix((self.n_rows, self.n_vars))
        coo = sp.coo_matrix(
            (np.concatenate(self._vals), (np.concatenate(self._rows), np.concatenate(self._cols))),
            shape=(self.n_rows, self.n_vars),
        )
        return coo.tocsc()

    def row_name(self, row: int) -> str:
        """`family[key=value, ...]` for one row: used to name conflicting data in an infeasible model."""
        for name, block in self.constraints.items():
            if len(block) and int(block["row"].iloc[0]) <= row <= int(block["row"].iloc[-1]):
                keys = block.iloc[row - int(block["row"].iloc[0])].drop("row")
                return f"{name}[{', '.join(f'{k}={v}' for k, v in keys.items())}]"
        return f"row {row}"

    def col_name(self, col: int) -> str:
        for name, block in self.variables.items():
            if len(block) and int(block["var"].iloc[0]) <= col <= int(block["var"].iloc[-1]):
                keys = block.iloc[col - int(block["var"].iloc[0])].drop("var")
                return f"{name}[{', '.join(f'{k}={v}' for k, v in keys.items())}]"
        return f"column {col}"


@dataclass(frozen=True)
class Solution:
    result: SolveResult
    values: np.ndarray
    duals: np.ndarray
    build_matrix_seconds: float


_STATUS = {
    highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kTimeLimit: SolveStatus.TIME_LIMIT,
    highspy.HighsModelStatus.kIterationLimit: SolveStatus.TIME_LIMIT,
    highspy.HighsModelStatus.kModelEmpty: SolveStatus.EMPTY,
}


def solve(
    program: LinearProgram,
    *,
    time_limit: float,
    method: str = "choose",
    crossover: bool = True,
    threads: int = 0,
    warm_costs: np.ndarray | None = None,
) -> Solution:
    """Solve min c.x s.t. row bounds and column bounds; the real HiGHS model status decides the result.

    An infeasible model is re-examined with HiGHS' irreducible infeasible subset (IIS) so the result can name
    the constraint rows and bounds that conflict.

    `warm_costs`: another cost vector over the same variables and rows, solved first; its optimal basis is feasible
    for this program (same constraints) and the simplex goes on from it with the real costs. The max-margin plan
    starts from the min-cost one this way: 0.9 s on the demo instead of 70 s from scratch (HiGHS's simplex stalls
    on the margin objective's many tied, degenerate shipments; `benchmarks/supply.py` prints both).
    """
    started = time.perf_counter()
    matrix = program.matrix()
    model = highspy.HighsLp()
    model.num_col_ = program.n_vars
    model.num_row_ = program.n_rows
    model.col_cost_ = program.cost_vector()
    model.col_lower_ = np.concatenate(program._lower) if program._lower else np.zeros(0)
    model.col_upper_ = np.concatenate(program._upper) if program._upper else np.zeros(0)
    model.row_lower_ = np.concatenate(program._row_lower) if program._row_lower else np.zeros(0)
    model.row_upper_ = np.concatenate(program._row_upper) if program._row_upper else np.zeros(0)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    model.a_matrix_.index_ = matrix.indices.astype(np.int32)
    model.a_matrix_.value_ = matrix.data
    build_seconds = time.perf_counter() - started

    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("solver", method)
    highs.setOptionValue("run_crossover", "on" if crossover else "off")
    if threads:
        highs.setOptionValue("threads", threads)
    started = time.perf_counter()
    if warm_costs is not None and len(warm_costs) == program.n_vars and program.n_vars:
        model.col_cost_ = np.asarray(warm_costs, dtype=float)
        highs.passModel(model)
        highs.run()
        costs = np.asarray(program.cost_vector(), dtype=float)
        highs.changeColsCost(program.n_vars, np.arange(program.n_vars, dtype=np.int32), costs)
        model.col_cost_ = costs
    else:
        highs.passModel(model)
    highs.run()
    runtime = time.perf_counter() - started
    model_status = highs.getModelStatus()
    status = _STATUS.get(model_status, SolveStatus.ERROR)
    termination = highs.modelStatusToString(model_status)
    if program.n_vars == 0:
        status = SolveStatus.EMPTY
    conflicts: tuple[str, ...] = ()
    if status is SolveStatus.INFEASIBLE:
        conflicts = _conflicts(highs, program)
    objective = float(highs.getInfo().objective_function_value) if status is SolveStatus.OPTIMAL else float("nan")
    if status is SolveStatus.OPTIMAL:
        solution = highs.getSolution()
        # HiGHS honours bounds up to its feasibility tolerance (1e-7): a stock of -6e-8 is solver noise, and a
        # plan must not show negative stock, so values are put back inside their bounds
        values = np.clip(np.asarray(solution.col_value, dtype=float), model.col_lower_, model.col_upper_)
        duals = np.asarray(solution.row_dual, dtype=float)
    else:
        values = np.zeros(program.n_vars)
        duals = np.zeros(program.n_rows)
    result = SolveResult(status, termination, objective, runtime, conflicts)
    return Solution(result, values, duals, build_seconds)


def _conflicts(highs: highspy.Highs, program: LinearProgram, limit: int = 20) -> tuple[str, ...]:
    """Names of the rows and columns in HiGHS' IIS (at most `limit`), or nothing if HiGHS cannot compute one."""
    highs.setOptionValue("iis_strategy", IIS_FROM_LP)
    status, iis = highs.getIis()
    if status == highspy.HighsStatus.kError:
        return ()
    rows = [program.row_name(int(r)) for r in list(iis.row_index_)[:limit]]
    cols = [program.col_name(int(c)) for c in list(iis.col_index_)[:limit]]
    return tuple(rows + cols)
