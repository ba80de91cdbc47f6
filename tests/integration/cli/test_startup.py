"""`opensop --help` and `opensop status` start at once: they do not import the planning engines.

Each command runs in a fresh interpreter, which then reports what it imported. The engines (forecasting,
reconciliation, the LP solver, scipy, polars, plotting) are imported by the commands that use them, never by the
command line itself; the module counts leave room for library upgrades, not for a new engine at start-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENGINES = {
    "statsforecast",
    "hierarchicalforecast",
    "highspy",
    "scipy",
    "polars",
    "plotly",
    "numba",
    "openpyxl",
    "uvicorn",
    "fastapi",
    "jinja2",
}
REPORT = """
import json, sys
from opensop.cli.main import run
sys.argv = ["opensop", *sys.argv[1:]]
try:
    run()
except SystemExit as done:
    code = done.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def started(*args: str, workspace: Path) -> tuple[int, set[str]]:
    env = {**os.environ, "OPENSOP_WORKSPACE": str(workspace), "OPENSOP_USER": "steward"}
    env.pop("OPENSOP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", REPORT, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def engines_in(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules} & ENGINES


def test_help_imports_no_engine_and_no_database(tmp_path: Path) -> None:
    code, modules = started("--help", workspace=tmp_path / "ws")
    assert code == 0
    assert not engines_in(modules)
    assert not {"sqlalchemy", "alembic"} & modules
    assert len(modules) < 1100


@pytest.mark.parametrize("initialised", [False, True], ids=["missing workspace", "empty workspace"])
def test_status_imports_no_engine(tmp_path: Path, initialised: bool) -> None:
    workspace = tmp_path / "ws"
    if initialised:
        assert started("init", workspace=workspace)[0] == 0
    code, modules = started("status", workspace=workspace)
    assert code == (0 if initialised else 3)
    assert not engines_in(modules)
    assert len(modules) < 1500
