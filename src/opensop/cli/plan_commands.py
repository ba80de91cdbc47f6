"""Planning commands: `forecast` (standalone), `plan` (the monthly job on the workspace data) and `demo`."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from opensop.cli import user_commands
from opensop.cli.console import console, print_counts, print_quality_summary
from opensop.cli.progress import counted, stages
from opensop.cli.state import STATE
from opensop.cli.summaries import print_demand_summary, print_finance_summary, print_supply_summary
from opensop.config import PlanningConfig, PlanningLevel
from opensop.demand.standalone import forecast_file
from opensop.demo import generate_demo
from opensop.errors import SourceError
from opensop.ingest import write_csv_folder
from opensop.pipeline import CycleResult, StepName, run_pipeline
from opensop.schema.frames import PlanningData
from opensop.services import imports
from opensop.services.demo_users import ensure_demo_users
from opensop.services.workspace import init_workspace, open_workspace


def demo(
    fresh: Annotated[bool, typer.Option(help="Start from an empty workspace.")] = True,
    serve: Annotated[bool, typer.Option(help="End by serving the web app (--no-serve for scripted use).")] = True,
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8000,
) -> None:
    """Build the demo workspace (generate the demo company, import it, report its quality) and run the job."""
    settings = STATE.settings
    if fresh and not settings.database_url and settings.workspace.exists():
        shutil.rmtree(settings.workspace)
    workspace = init_workspace(settings)
    source = settings.workspace / "demo-data"
    try:
        with stages("Demo company") as stage:
            stage("generating")
            write_csv_folder(PlanningData.from_frames(generate_demo()), source)
            outcome = imports.import_dataset(workspace, source, actor=STATE.actor, on_stage=stage)
    finally:
        workspace.dispose()
    print_counts(f"Demo company imported as load #{outcome.load_id} ({source})", outcome.row_counts)
    print_quality_summary(outcome.report)
    console.rule("Monthly S&OP job on the demo company")
    result = run_job()
    print_demand_summary(result)
    print_supply_summary(result)
    print_finance_summary(result)
    workspace = open_workspace(settings)
    try:
        logins = ensure_demo_users(workspace)
    finally:
        workspace.dispose()
    console.rule("Web app")
    console.print(f"OpenSOP is served at http://127.0.0.1:{port}/app/ with one demo login per role:")
    for login in logins:
        console.print(f"  {login.role:<15} {login.username} / {login.password}")
    if serve:
        user_commands.serve(host="127.0.0.1", port=port, worker=True)


def forecast(
    input_path: Annotated[Path, typer.Option("--input", help="Tidy CSV or Parquet file: unique_id, ds, y.")],
    output: Annotated[Path, typer.Option(help="CSV or Parquet file to write the forecast to.")],
    horizon: Annotated[int, typer.Option(min=1, help="Periods to forecast.")] = 18,
    freq: Annotated[str, typer.Option(help="Pandas frequency of ds (MS monthly, W weekly, D daily...).")] = "MS",
    levels: Annotated[str, typer.Option(help="Prediction interval levels, e.g. 80,95.")] = "80,95",
    jobs: Annotated[int, typer.Option(help="Processes for the automatic models (-1: all cores).")] = -1,
) -> None:
    """Forecast any tidy file with OpenSOP's automatic model selection (no workspace needed)."""
    try:
        interval_levels = tuple(int(level) for level in levels.split(",") if level.strip())
    except ValueError as error:
        raise SourceError(f"--levels {levels!r} is not a list of numbers", hint="write e.g. --levels 80,95") from error
    with counted("Forecasting series") as progress:
        result = forecast_file(
            input_path, horizon=horizon, freq=freq, levels=interval_levels, jobs=jobs, progress=progress
        )
    if output.suffix.lower() in (".parquet", ".pq"):
        result.to_parquet(output, index=False)
    else:
        result.to_csv(output, index=False)
    console.print(f"{result['unique_id'].nunique()} series forecast, {len(result)} rows written to {output}.")
    warnings = result.attrs.get("warnings")
    if warnings is not None and len(warnings):
        console.print(f"{len(warnings)} series warning(s), e.g.: {warnings.iloc[0]['message']}")


DEFAULTS = PlanningConfig()


def run_job(until: StepName = StepName.KPI, config: PlanningConfig | None = None) -> CycleResult:
    """The monthly job on the workspace's latest load, with progress per step."""
    workspace = open_workspace(STATE.settings)
    try:
        _, data = imports.current_dataset(workspace)
    finally:
        workspace.dispose()
    with counted("Planning") as progress:
        return run_pipeline(
            data, config or PlanningConfig(), until=until, progress=lambda step, done, total: progress(done, total)
        )


def plan(
    until: Annotated[StepName, typer.Option(help="Stop after this step.")] = StepName.KPI,
    horizon: Annotated[int, typer.Option(min=3, max=24, help="Months planned.")] = DEFAULTS.horizon_months,
    frozen_months: Annotated[
        int, typer.Option(min=0, max=24, help="Frozen horizon: first months receiving only firm (open) orders.")
    ] = DEFAULTS.frozen_months,
    level: Annotated[
        PlanningLevel, typer.Option(help="Supply plan by item, or by family (split back to items).")
    ] = DEFAULTS.supply.planning_level,
) -> None:
    """Run the monthly job on the latest data: forecast, reconciliation, consensus, supply plan, finance, KPIs."""
    if frozen_months >= horizon:
        raise typer.BadParameter(f"the frozen horizon ({frozen_months}) must be shorter than the horizon ({horizon})")
    config = replace(
        DEFAULTS,
        horizon_months=horizon,
        frozen_months=frozen_months,
        supply=replace(DEFAULTS.supply, planning_level=level),
    )
    result = run_job(until, config)
    print_demand_summary(result)
    print_supply_summary(result)
    print_finance_summary(result)


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(forecast)
    app.command()(plan)
