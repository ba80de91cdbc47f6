"""Import speed: daily sales history (1M and 10M rows) read, validated, bucketed to months and stored.

Prints, per size: rows/second of `validate_source` (read + every check + monthly bucketing), of the full
`import_dataset` into a fresh SQLite workspace, and the same bucketing done the plain way (pandas.read_csv +
to_datetime + groupby, no validation) for comparison, all on the same file in one run.
Usage: python benchmarks/ingest.py [--smoke] [--sizes 1000000,10000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from opensop.config import Settings
from opensop.ingest import validate_source
from opensop.services.imports import import_dataset
from opensop.services.workspace import init_workspace

REGIONS = ("FR-NORD", "FR-SUD", "EXPORT", "ECOM", "BENELUX")


def write_source(folder: Path, rows: int) -> int:
    """A company with `rows` daily history rows: items x 5 regions x days ending 2026-10-31."""
    folder.mkdir(parents=True, exist_ok=True)
    days = 1000
    items = max(1, rows // (len(REGIONS) * days))
    item_ids = np.array([f"IT{i:05d}" for i in range(items)])
    pl.DataFrame({"family_id": ["F1", "F2"], "category_id": ["C1", "C1"]}).write_csv(folder / "families.csv")
    pl.DataFrame(
        {"item_id": item_ids, "family_id": np.where(np.arange(items) % 2, "F1", "F2"), "unit_price": 10.0,
         "unit_cost": 6.0}
    ).write_csv(folder / "items.csv")  # fmt: skip
    pl.DataFrame({"region_id": list(REGIONS)}).write_csv(folder / "regions.csv")
    pl.DataFrame({"site_id": ["P1"], "kind": ["plant"]}).write_csv(folder / "sites.csv")
    dates = pd.date_range(end="2026-10-31", periods=days, freq="D").strftime("%Y-%m-%d").to_numpy()
    n = items * len(REGIONS) * days
    rng = np.random.default_rng(1)
    pl.DataFrame(
        {
            "date": np.tile(dates, items * len(REGIONS)),
            "item_id": np.repeat(item_ids, len(REGIONS) * days),
            "region_id": np.tile(np.repeat(np.array(REGIONS), days), items),
            "quantity": rng.poisson(3.0, n).astype(np.float64),
        }
    ).write_csv(folder / "sales_history.csv")
    return n


def plain_pandas(path: Path) -> int:
    frame = pd.read_csv(path, dtype={"item_id": str, "region_id": str})
    frame["period"] = pd.to_datetime(frame["date"]).dt.to_period("M").dt.to_timestamp()
    return len(frame.groupby(["period", "item_id", "region_id"], as_index=False)["quantity"].sum())


def run(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        n = write_source(source, rows)
        as_of = date(2026, 11, 24)
        start = time.perf_counter()
        result = validate_source(source, as_of=as_of)
        validate_seconds = time.perf_counter() - start
        assert result.data is not None, result.report.to_frame()
        months = len(result.data.sales_history)
        start = time.perf_counter()
        plain_months = plain_pandas(source / "sales_history.csv")
        plain_seconds = time.perf_counter() - start
        assert plain_months == months
        workspace = init_workspace(Settings(workspace=Path(tmp) / "ws"))
        start = time.perf_counter()
        import_dataset(workspace, source, actor="benchmark", as_of=as_of)
        import_seconds = time.perf_counter() - start
        workspace.dispose()
    print(
        f"{n:>11,} daily rows -> {months:>9,} monthly rows | validate+bucket {validate_seconds:6.2f} s "
        f"({n / validate_seconds:>12,.0f} rows/s) | full import into SQLite {import_seconds:6.2f} s "
        f"({n / import_seconds:>12,.0f} rows/s) | plain pandas read+bucket, no checks {plain_seconds:6.2f} s "
        f"| ours / plain = {validate_seconds / plain_seconds:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny size, for CI")
    parser.add_argument("--sizes", default="1000000,10000000")
    args = parser.parse_args()
    sizes = [20_000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    for rows in sizes:
        run(rows)


if __name__ == "__main__":
    main()
