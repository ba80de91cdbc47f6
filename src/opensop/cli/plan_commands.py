"""Cycle commands: `demo` runs the whole monthly job on the embedded demo company."""

from __future__ import annotations

import shutil
from typing import Annotated

import typer

from opensop.cli.console import print_counts, print_quality_summary
from opensop.cli.progress import stages
from opensop.cli.state import STATE
from opensop.demo import generate_demo
from opensop.ingest import write_csv_folder
from opensop.schema.frames import PlanningData
from opensop.services import imports
from opensop.services.workspace import init_workspace


def demo(
    fresh: Annotated[bool, typer.Option(help="Start from an empty workspace.")] = True,
) -> None:
    """Build the demo workspace: generate the demo company, import it, and report its data quality."""
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


def register(app: typer.Typer) -> None:
    app.command()(demo)
