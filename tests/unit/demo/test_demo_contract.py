"""The demo company obeys the data dictionary: columns, dtypes, required values, allowed values, bounds,
references and unique keys, for every table."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from opensop.demo import DEMO_SEED, generate_demo
from opensop.schema import DICTIONARY, TABLES, ColumnType, PlanningData, conform

TABLE_NAMES = [table.name for table in TABLES]


def frames_digest(frames: dict[str, pd.DataFrame]) -> str:
    digest = hashlib.sha256()
    for name in sorted(frames):
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(frames[name], index=True).to_numpy().tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_table_is_filled_with_the_dictionary_columns(demo: dict[str, pd.DataFrame], name: str) -> None:
    assert list(demo) == TABLE_NAMES
    frame = demo[name]
    assert len(frame) > 0
    assert tuple(frame.columns) == DICTIONARY[name].column_names


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_frames_are_already_canonical(demo: dict[str, pd.DataFrame], name: str) -> None:
    pd.testing.assert_frame_equal(conform(DICTIONARY[name], demo[name]), demo[name])


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_required_columns_have_values(demo: dict[str, pd.DataFrame], name: str) -> None:
    for column in DICTIONARY[name].columns:
        if column.required:
            assert demo[name][column.name].notna().all(), f"{name}.{column.name} has missing values"


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_values_are_allowed_and_within_bounds(demo: dict[str, pd.DataFrame], name: str) -> None:
    for column in DICTIONARY[name].columns:
        values = demo[name][column.name].dropna()
        if column.allowed is not None:
            assert set(values) <= set(column.allowed), f"{name}.{column.name}"
        if column.minimum is not None:
            assert (values >= column.minimum).all(), f"{name}.{column.name} below {column.minimum}"
        if column.maximum is not None:
            assert (values <= column.maximum).all(), f"{name}.{column.name} above {column.maximum}"
        if column.dtype is ColumnType.PERIOD:
            assert (values.dt.day == 1).all()
            assert (values.dt.normalize() == values).all()


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_reference_resolves(demo: dict[str, pd.DataFrame], name: str) -> None:
    for column in DICTIONARY[name].columns:
        if column.references is None:
            continue
        known = set().union(*(set(demo[table][target]) for table, target in column.references.targets))
        unknown = set(demo[name][column.name].dropna()) - known
        assert not unknown, f"{name}.{column.name} -> {column.references.describe()}: {sorted(unknown)[:5]}"


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_keys_are_unique(demo: dict[str, pd.DataFrame], name: str) -> None:
    key = list(DICTIONARY[name].key)
    assert not demo[name].duplicated(subset=key).any()


def test_planning_data_round_trip(demo: dict[str, pd.DataFrame]) -> None:
    data = PlanningData.from_frames(demo)
    assert data.row_counts() == {name: len(frame) for name, frame in demo.items()}
    assert data.last_history_period == pd.Timestamp("2026-10-01")


def test_same_seed_same_company_other_seed_other_company(demo: dict[str, pd.DataFrame]) -> None:
    assert frames_digest(generate_demo(DEMO_SEED)) == frames_digest(demo)
    assert frames_digest(generate_demo(DEMO_SEED + 1)) != frames_digest(demo)


def test_history_ends_where_asked_and_spans_48_months() -> None:
    frames = generate_demo(3, last_history_period="2025-03")
    periods = frames["sales_history"]["period"]
    assert periods.max() == pd.Timestamp("2025-03-01")
    assert periods.min() == pd.Timestamp("2021-04-01")
    assert periods.nunique() == 48
