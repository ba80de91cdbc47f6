"""One demo company per test session: generation is deterministic, so every test can share it."""

from __future__ import annotations

import pandas as pd
import pytest

from opensop.demo import DEMO_SEED, generate_demo


@pytest.fixture(scope="session")
def demo() -> dict[str, pd.DataFrame]:
    return generate_demo(DEMO_SEED)
