"""Month arithmetic on hand-checked dates: year boundaries, negative steps, dates and Timestamps alike."""

from __future__ import annotations

from datetime import date

import pandas as pd

from opensop.periods import add_months, first_of_month, month_start, month_starts, months_between


def test_add_months_crosses_years_both_ways() -> None:
    assert add_months(date(2025, 11, 1), 3) == date(2026, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert add_months(date(2026, 1, 1), 0) == date(2026, 1, 1)


def test_months_between_dates_and_timestamps() -> None:
    assert months_between(date(2025, 11, 1), date(2026, 2, 1)) == 3
    assert months_between(pd.Timestamp("2026-02-01"), pd.Timestamp("2025-11-01")) == -3
    assert months_between(date(2026, 2, 1), pd.Timestamp("2026-02-28")) == 0


def test_month_starts() -> None:
    assert first_of_month(date(2026, 2, 17)) == date(2026, 2, 1)
    assert month_start("2026-02-17 13:00") == pd.Timestamp("2026-02-01")
    starts = month_starts(pd.Series(["2026-02-17", "2025-12-31", None]))
    assert starts.iloc[:2].tolist() == [pd.Timestamp("2026-02-01"), pd.Timestamp("2025-12-01")]
    assert pd.isna(starts.iloc[2])
