"""The solver must not write to standard output: the CLI's tables and anything piped from it stay clean."""

from __future__ import annotations

import subprocess
import sys

SOLVE_A_TINY_LP = """
import numpy as np
import pandas as pd
from opensop.supply.lp import LinearProgram, solve
program = LinearProgram()
x = program.add_variables("x", pd.DataFrame({"t": [0]}), cost=1.0)
terms = [(np.array([0]), x["var"].to_numpy(), np.array([1.0]))]
program.add_constraints("floor", pd.DataFrame({"t": [0]}), terms, lower=2.0)
print(solve(program, time_limit=10.0).result.objective)
"""


def test_solving_writes_only_the_callers_output() -> None:
    done = subprocess.run([sys.executable, "-c", SOLVE_A_TINY_LP], capture_output=True, text=True, check=True)
    assert done.stdout == "2.0\n"
