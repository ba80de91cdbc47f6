"""Canonical frames: one pandas DataFrame per input table, with the dictionary's columns and dtypes.

Every engine receives a `PlanningData`, never raw files: strings are pandas `string` dtype, quantities `float64`,
integers nullable `Int64`, periods `datetime64[ns]` on the first day of the month. Optional columns that a source
did not give are present, filled with their default (or missing).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from opensop.periods import month_starts
from opensop.schema.dictionary import DICTIONARY, ColumnType, Table

CELL = ["item_id", "region_id", "period"]
"""The key of a demand cell, one item in one region in one month: the grain of forecasts, overrides and consensus."""

PANDAS_DTYPES: dict[ColumnType, str] = {
    ColumnType.STRING: "string",
    ColumnType.INTEGER: "Int64",
    ColumnType.FLOAT: "float64",
    ColumnType.PERIOD: "datetime64[ns]",
    ColumnType.DATE: "datetime64[ns]",
}


FLOAT_DECIMALS = 9
"""Quantities and money are rounded to 1e-9 so that a value means the same after a trip through CSV, Excel
(which keeps 15 significant digits) or a database: 13.639999999999999 and 13.64 are one number to a planner."""


def empty_frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=PANDAS_DTYPES[c.dtype]) for c in table.columns})


def conform(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with exactly the table's columns, in order, defaults filled, canonical dtypes.

    The frame must already have passed validation (types parse); this only normalises.
    """
    out: dict[str, pd.Series] = {}
    for column in table.columns:
        dtype = PANDAS_DTYPES[column.dtype]
        if column.name in frame.columns:
            series = frame[column.name]
        else:
            series = pd.Series([column.default] * len(frame), index=frame.index, dtype="object")
        if column.dtype in (ColumnType.PERIOD, ColumnType.DATE):
            series = pd.Series(pd.to_datetime(series, errors="coerce"), index=frame.index)
            if column.dtype is ColumnType.PERIOD:
                series = month_starts(series)
            out[column.name] = series.astype("datetime64[ns]")
        elif column.dtype is ColumnType.STRING:
            series = series.astype("string").str.strip()
            if column.default is not None:
                series = series.fillna(str(column.default))
            out[column.name] = series.replace("", pd.NA) if column.default is None else series
        else:
            numeric = pd.to_numeric(series, errors="coerce")
            if column.dtype is ColumnType.FLOAT:
                numeric = numeric.round(FLOAT_DECIMALS)
            if column.default is not None:
                numeric = numeric.fillna(column.default)
            out[column.name] = numeric.astype(dtype)  # type: ignore[call-overload]
    return pd.DataFrame(out).reset_index(drop=True)


@dataclass(frozen=True)
class PlanningData:
    """The validated dataset: one canonical frame per input table (empty when the source had none)."""

    families: pd.DataFrame
    items: pd.DataFrame
    regions: pd.DataFrame
    sites: pd.DataFrame
    sourcing: pd.DataFrame
    resources: pd.DataFrame
    resource_calendar: pd.DataFrame
    routings: pd.DataFrame
    components: pd.DataFrame
    suppliers: pd.DataFrame
    workforce: pd.DataFrame
    lanes: pd.DataFrame
    sales_history: pd.DataFrame
    inventory: pd.DataFrame
    open_supply: pd.DataFrame
    backorders: pd.DataFrame
    events: pd.DataFrame
    prices: pd.DataFrame
    costs: pd.DataFrame
    budget: pd.DataFrame
    policies: pd.DataFrame

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> PlanningData:
        """Build from any subset of tables; absent tables become empty canonical frames."""
        unknown = set(frames) - set(DICTIONARY)
        if unknown:
            raise KeyError(f"unknown tables: {sorted(unknown)}")
        return cls(
            **{
                name: conform(table, frames[name]) if name in frames else empty_frame(table)
                for name, table in DICTIONARY.items()
            }
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def row_counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables().items()}

    @property
    def last_history_period(self) -> pd.Timestamp:
        return pd.Timestamp(self.sales_history["period"].max())

    def item_hierarchy(self) -> pd.DataFrame:
        """item_id, family_id, category_id: the product hierarchy the demand review navigates."""
        return self.items[["item_id", "family_id"]].merge(
            self.families[["family_id", "category_id"]], on="family_id", how="left"
        )
