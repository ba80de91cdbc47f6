"""Planning commands: `forecast` (standalone), `plan` (the monthly job on the workspace data) and `demo`."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from opensop.cli import user_commands
from opensop.cli.console import console, print_counts, print_quality_summary
from opensop.cli.progress import counted, stages
from opensop.cli.state import STATE
from opensop.config import PlanningConfig, PlanningLevel
from opensop.cycle.steps import StepName
from opensop.errors import SourceError
from opensop.pipeline import PipelineStep

if TYPE_CHECKING:
    from opensop.services import plan_runs
    from opensop.services.workspace import Workspace


def demo(
    fresh: Annotated[bool, typer.Option(help="Start from an empty workspace.")] = True,
    serve: Annotated[bool, typer.Option(help="End by serving the web app (--no-serve for scripted use).")] = True,
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8000,
) -> None:
    """Build the demo workspace (generate the demo company, import it, report its quality), open its cycle and
    store the working draft plan, so the web app opens on a plan."""
    from opensop.demo import generate_demo
    from opensop.ingest import write_csv_folder
    from opensop.schema.frames import PlanningData
    from opensop.services import imports
    from opensop.services.demo_users import ensure_demo_users
    from opensop.services.workspace import init_workspace

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
        print_counts(f"Demo company imported as load #{outcome.load_id} ({source})", outcome.row_counts)
        print_quality_summary(outcome.report)
        console.rule("Monthly S&OP job on the demo company")
        store_plan(workspace, label="working draft", close_data_cutoff=True)
        logins = ensure_demo_users(workspace)
    finally:
        workspace.dispose()
    console.rule("Web app")
    for login in logins:
        console.print(f"  {login.role:<15} {login.username} / {login.password}")
    if serve:
        console.print(f"OpenSOP is served at http://127.0.0.1:{port}/app/ with the demo logins above.")
        user_commands.serve(host="127.0.0.1", port=port, worker=True)
    else:
        console.print(f"Demo logins above; serve the app with: opensop --workspace {settings.workspace} serve")


def store_plan(
    workspace: Workspace,
    *,
    label: str,
    until: PipelineStep = PipelineStep.KPI,
    config: PlanningConfig | None = None,
    close_data_cutoff: bool = False,
) -> plan_runs.PlanOutcome:
    """The job on the open cycle (opened for the latest actuals if none is), stored as a draft version through the
    plan service the worker runs; prints what it planned and where it is stored."""
    from opensop.cli.summaries import (
        print_demand_summary,
        print_finance_summary,
        print_health,
        print_rough_cut_capacity,
        print_supply_summary,
    )
    from opensop.services import cycles, plan_runs, runs
    from opensop.services.auth import Principal

    actor = Principal.system(STATE.actor)
    view, opened = cycles.working_cycle(workspace, actor=actor, config=config)
    cycle = view.cycle
    if opened:
        console.print(
            f"Cycle {cycle.period:%Y-%m} opened (horizon {cycle.horizon_start:%Y-%m} to {cycle.horizon_end:%Y-%m})."
        )
    if close_data_cutoff:
        cycles.close_step(
            workspace, actor=actor, cycle_id=cycle.id, step=StepName.DATA_CUTOFF, reason="demo data imported"
        )
    request = plan_runs.PlanRequest(
        cycle_id=cycle.id, label=label, until=until, config=config, reason=f"opensop plan ({label})"
    )
    with counted("Planning") as bar:
        run, outcome = runs.plan_here(
            workspace,
            actor=actor,
            request=request,
            progress=lambda fraction, _message: bar(round(fraction * 100), 100),
        )
    print_demand_summary(outcome.result)
    print_supply_summary(outcome.result)
    print_finance_summary(outcome.result)
    summary = outcome.summary
    if "supply" in summary:
        print_rough_cut_capacity(summary["supply"])
        print_health(summary["supply"]["health"])
    console.print(
        f"Stored as draft plan version {summary['plan_version_id']} ({summary['rows']} rows) in cycle "
        f"{cycle.period:%Y-%m}, horizon {cycle.horizon_start:%Y-%m} to {cycle.horizon_end:%Y-%m}, by run {run.id} "
        "(the plan service the worker and the web use)."
    )
    return outcome


class FileFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


def write_plan_files(workspace: Workspace, version_id: int, output: Path, file_format: FileFormat) -> list[Path]:
    """The stored version as files: every measure row (item x site x region x month) and `summary.json`."""
    from opensop.ingest.writers import write_csv
    from opensop.services import plan_reports
    from opensop.services.auth import Principal

    actor = Principal.system(STATE.actor)
    version, measures = plan_reports.version_measures(workspace, actor=actor, version_id=version_id)
    document = plan_reports.version_document(workspace, actor=actor, version_id=version.id)
    try:
        output.mkdir(parents=True, exist_ok=True)
        measures_path = output / f"plan_measures.{file_format.value}"
        if file_format is FileFormat.PARQUET:
            measures.to_parquet(measures_path, index=False)
        else:
            write_csv(measures, measures_path)  # the one safe writer: no text becomes a formula in Excel
        summary_path = output / "summary.json"
        summary_path.write_text(json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n")
    except OSError as error:
        raise SourceError(
            f"cannot write the plan files to {output}: {error.strerror}", hint="choose another --output"
        ) from error
    return [measures_path, summary_path]


def rerun_version(workspace: Workspace, version_id: int) -> bool:
    """Re-plan a stored version from what it records and say whether its content hash is reproduced."""
    from opensop.services import plan_runs
    from opensop.services.auth import Principal

    actor = Principal.system(STATE.actor)
    with counted(f"Re-running plan version {version_id}") as bar:
        check = plan_runs.rerun(
            workspace,
            actor=actor,
            version_id=version_id,
            progress=lambda fraction, _message: bar(round(fraction * 100), 100),
        )
    if check.reproduced:
        console.print(
            f"Plan version {version_id} reproduced: content hash {check.stored_hash[:16]}... ({check.rows} rows)."
        )
        return True
    console.print(
        f"[red]Plan version {version_id} NOT reproduced[/red]: stored hash {check.stored_hash[:16]}..., "
        f"recomputed {check.recomputed_hash[:16]}... ({check.rows} stored rows, {check.recomputed_rows} recomputed)."
    )
    table = Table("measure", "stored total", "recomputed total", "largest gap on a row")
    for row in check.differences.head(20).itertuples(index=False):
        table.add_row(str(row.measure), f"{row.stored:,.4f}", f"{row.recomputed:,.4f}", f"{row.largest_gap:.6g}")
    console.print(table)
    return False


def forecast(
    input_path: Annotated[Path, typer.Option("--input", help="Tidy CSV or Parquet file: unique_id, ds, y.")],
    output: Annotated[Path, typer.Option(help="CSV or Parquet file to write the forecast to.")],
    horizon: Annotated[int, typer.Option(min=1, help="Periods to forecast.")] = 18,
    freq: Annotated[str, typer.Option(help="Pandas frequency of ds (MS monthly, W weekly, D daily...).")] = "MS",
    levels: Annotated[str, typer.Option(help="Prediction interval levels, e.g. 80,95.")] = "80,95",
    jobs: Annotated[int, typer.Option(help="Processes for the automatic models (-1: all cores).")] = -1,
) -> None:
    """Forecast any tidy file with OpenSOP's automatic model selection (no workspace needed)."""
    from opensop.demand.standalone import forecast_file

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


def plan(
    until: Annotated[PipelineStep, typer.Option(help="Stop after this step.")] = PipelineStep.KPI,
    horizon: Annotated[
        int, typer.Option(min=3, max=24, help="Months planned by a cycle this command opens.")
    ] = DEFAULTS.horizon_months,
    frozen_months: Annotated[
        int, typer.Option(min=0, max=24, help="Frozen horizon: first months receiving only firm (open) orders.")
    ] = DEFAULTS.frozen_months,
    level: Annotated[
        PlanningLevel, typer.Option(help="Supply plan by item, or by family (split back to items).")
    ] = DEFAULTS.supply.planning_level,
    output: Annotated[
        Path | None,
        typer.Option(help="Also write the stored plan to this folder: plan_measures.csv|parquet and summary.json."),
    ] = None,
    file_format: Annotated[FileFormat, typer.Option("--format", help="File format of the measures.")] = FileFormat.CSV,
    rerun: Annotated[
        int | None,
        typer.Option(
            help="Plan nothing new: re-run this stored version from its recorded data, configuration, overrides and "
            "levers, and check its content hash (exit 1 when it is not reproduced).",
            min=1,
        ),
    ] = None,
) -> None:
    """Run the monthly job on the latest data and store it as a draft plan version of the open cycle (the cycle of
    the latest actuals is opened when none is): forecast, reconciliation, consensus, supply plan, finance, KPIs."""
    from opensop.services.workspace import open_workspace

    if rerun is not None:
        workspace = open_workspace(STATE.settings)
        try:
            reproduced = rerun_version(workspace, rerun)
        finally:
            workspace.dispose()
        raise typer.Exit(0 if reproduced else 1)
    if frozen_months >= horizon:
        raise typer.BadParameter(f"the frozen horizon ({frozen_months}) must be shorter than the horizon ({horizon})")
    config = replace(
        DEFAULTS,
        horizon_months=horizon,
        frozen_months=frozen_months,
        supply=replace(DEFAULTS.supply, planning_level=level),
    )
    workspace = open_workspace(STATE.settings)
    try:
        outcome = store_plan(workspace, label="opensop plan", until=until, config=config)
        if output is not None:
            written = write_plan_files(workspace, outcome.summary["plan_version_id"], output, file_format)
            console.print("Written: " + ", ".join(str(path) for path in written))
    finally:
        workspace.dispose()


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(forecast)
    app.command()(plan)
