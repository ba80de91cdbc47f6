"""Data consolidation commands: init, check, import, export, status, demo-data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from opensop.cli.console import console, print_counts, print_report
from opensop.cli.progress import stages
from opensop.cli.state import STATE
from opensop.errors import DataValidationError, SourceError

if TYPE_CHECKING:
    from opensop.schema.frames import PlanningData

ENCODING = typer.Option(help="Text encoding of CSV files (utf-8, cp1252, latin-1).")
REPORT = typer.Option(help="Also write the quality report to this .json or .csv file.")


def init() -> None:
    """Create the workspace and its database (or bring an existing one up to date)."""
    from opensop.services.workspace import init_workspace

    workspace = init_workspace(STATE.settings)
    console.print(
        f"Workspace ready: {workspace.settings.workspace.resolve()} ({workspace.engine.url.get_backend_name()})"
    )
    workspace.dispose()


def check(
    path: Annotated[Path, typer.Argument(help="Folder of CSV/Parquet files, or an .xlsx workbook.")],
    encoding: Annotated[str, ENCODING] = "utf-8",
    report: Annotated[Path | None, REPORT] = None,
) -> None:
    """Validate data without loading it. Exit code 2 when it has blocking errors."""
    from opensop.services import imports

    with stages("Checking") as stage:
        stage(str(path))
        result = imports.check_source(path, encoding=encoding)
    print_report(result.report)
    if report:
        result.report.write(report)
    if result.data is not None:
        print_counts("Rows that would be imported", result.data.row_counts())
    if not result.report.ok:
        raise typer.Exit(2)


def import_(
    path: Annotated[Path, typer.Argument(help="Folder of CSV/Parquet files, or an .xlsx workbook.")],
    encoding: Annotated[str, ENCODING] = "utf-8",
    report: Annotated[Path | None, REPORT] = None,
) -> None:
    """Import data into the workspace: all or nothing; importing the same content twice changes nothing."""
    from opensop.services import imports
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        with stages("Importing") as stage:
            outcome = imports.import_dataset(workspace, path, actor=STATE.actor, encoding=encoding, on_stage=stage)
    except DataValidationError as error:
        if report:
            error.report.write(report)
        raise
    finally:
        workspace.dispose()
    if report:
        outcome.report.write(report)
    print_report(outcome.report, limit=30)
    if outcome.status is imports.ImportStatus.UNCHANGED:
        console.print(f"Same content as load #{outcome.load_id}: nothing changed.")
    else:
        print_counts(f"Load #{outcome.load_id} imported", outcome.row_counts)


def export(
    output: Annotated[Path, typer.Argument(help="Folder (CSV or Parquet files) or .xlsx workbook to write.")],
    file_format: Annotated[str, typer.Option("--format", help="csv, parquet or excel.")] = "csv",
    load: Annotated[int | None, typer.Option(help="Load number (default: the latest).")] = None,
) -> None:
    """Write the workspace data back out in the files `opensop import` reads."""
    from opensop.services import imports
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        load_id, data = imports.current_dataset(workspace, load)
    finally:
        workspace.dispose()
    _write(data, output, file_format)
    console.print(f"Load #{load_id} written to {output}")


def _write(data: PlanningData, output: Path, file_format: str) -> None:
    from opensop.ingest import write_csv_folder, write_excel, write_parquet_folder

    if file_format == "csv":
        write_csv_folder(data, output)
    elif file_format == "parquet":
        write_parquet_folder(data, output)
    elif file_format == "excel":
        write_excel(data, output if output.suffix == ".xlsx" else output / "opensop-data.xlsx")
    else:
        raise SourceError(f"unknown format {file_format!r}", hint="use csv, parquet or excel")


def status() -> None:
    """What the workspace holds: the loads, their sizes and their quality, and the latest cycle's plan versions."""
    from opensop.services import cycles, imports, plans
    from opensop.services.auth import Principal
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        loads = imports.list_loads(workspace)
        actor = Principal.system(STATE.actor)
        cycle = next(iter(cycles.list_cycles(workspace, actor=actor)), None)
        versions = plans.list_versions(workspace, actor=actor, cycle_id=cycle.id) if cycle is not None else []
    finally:
        workspace.dispose()
    console.print(f"Workspace: {STATE.settings.workspace.resolve()}")
    if not loads:
        console.print("No data imported yet: run `opensop import PATH` (or `opensop demo-data` for an example).")
        return
    latest = loads[0]
    console.print(
        f"{len(loads)} load(s). Latest: #{latest.id} by {latest.loaded_by} at {latest.loaded_at:%Y-%m-%d %H:%M}, "
        f"{latest.warning_count} warning(s), from {latest.source}"
    )
    print_counts(f"Load #{latest.id}", latest.row_counts)
    if cycle is None:
        console.print("No planning cycle yet: `opensop plan` opens the cycle of the latest actuals and plans it.")
        return
    table = Table(
        title=f"Cycle {cycle.period:%Y-%m} ({cycle.status}, horizon {cycle.horizon_start:%Y-%m} to "
        f"{cycle.horizon_end:%Y-%m}): {len(versions)} plan version(s)"
    )
    for column in ("version", "scenario", "status", "rows", "content hash", "created by", "created at"):
        table.add_column(column)
    for version in versions:
        table.add_row(
            str(version.id),
            version.scenario,
            version.status,
            f"{version.row_count:,}",
            version.content_hash[:16],
            version.created_by,
            f"{version.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


def demo_data(
    output: Annotated[Path, typer.Argument(help="Folder (or .xlsx file) to write the demo company to.")],
    file_format: Annotated[str, typer.Option("--format", help="csv, parquet or excel.")] = "csv",
    seed: Annotated[int, typer.Option(help="Random seed (the same seed gives the same company).")] = 7,
) -> None:
    """Write the embedded demo company, a French mid-size manufacturer-distributor."""
    from opensop.demo import generate_demo
    from opensop.schema.frames import PlanningData

    data = PlanningData.from_frames(generate_demo(seed))
    _write(data, output, file_format)
    print_counts(f"Demo company written to {output}", data.row_counts())


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(check)
    app.command("import")(import_)
    app.command()(export)
    app.command()(status)
    app.command("demo-data")(demo_data)
