"""Shared test fixtures: repository paths and the shared public data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared public data not found at {SHARED_DATA} (present in CI, absent from a user's clone)")
    return SHARED_DATA
