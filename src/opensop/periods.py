"""Monthly buckets: a period is the first day of its month. The month arithmetic every layer uses, written once.

month_start(value)        the first day of the value's month, as a Timestamp
month_starts(values)      the same for a column (anything pandas reads as dates)
first_of_month(day)       the same for a `date`
add_months(period, n)     the first of the month n months later (n may be negative)
months_between(a, b)      whole months from a's month to b's month (b later: positive)
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

import pandas as pd


class _YearMonth(Protocol):
    @property
    def year(self) -> int: ...

    @property
    def month(self) -> int: ...


def month_start(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def month_starts(values: Any) -> pd.Series:
    starts: pd.Series = pd.to_datetime(values).dt.to_period("M").dt.to_timestamp()
    return starts


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: _YearMonth, end: _YearMonth) -> int:
    """Dates and Timestamps alike: months_between(2025-11, 2026-02) == 3."""
    return (end.year - start.year) * 12 + end.month - start.month
