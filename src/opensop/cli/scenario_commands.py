"""`opensop scenario create/seed/list/compare`: the pre-S&OP from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from opensop.cli.console import console
from opensop.cli.progress import stages
from opensop.cli.state import STATE
from opensop.config import AUTO, MAX_WORKERS, Workers
from opensop.errors import SourceError

if TYPE_CHECKING:
    from opensop.services.auth import Principal

scenario = typer.Typer(help="Pre-S&OP scenarios: create, list, run and compare.", no_args_is_help=True)


def _actor() -> Principal:
    from opensop.services.auth import Principal

    return Principal.system(STATE.actor)


def _workers(value: str) -> Workers:
    """`auto` or a number of processes from 1 to MAX_WORKERS."""
    if value == AUTO:
        return AUTO
    if value.isdigit() and 1 <= int(value) <= MAX_WORKERS:
        return int(value)
    raise typer.BadParameter(f"give auto or a number from 1 to {MAX_WORKERS}, not {value!r}", param_hint="--workers")


@scenario.command("create")
def create(
    file: Annotated[Path, typer.Argument(help="Scenario JSON: name, description, levers, config_overrides.")],
) -> None:
    """Store a scenario defined in a JSON file."""
    from opensop.scenarios import Scenario
    from opensop.services import scenario_runs
    from opensop.services.workspace import open_workspace

    try:
        definition = Scenario.from_dict(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as error:
        raise SourceError(f"cannot read the scenario file {file}: {error}", hint="give a JSON object") from error
    workspace = open_workspace(STATE.settings)
    try:
        row = scenario_runs.store_scenario(workspace, actor=_actor(), scenario=definition)
    finally:
        workspace.dispose()
    console.print(f"Scenario #{row.id} {row.name!r} stored.")


@scenario.command("seed")
def seed() -> None:
    """Store the demo company's four scenarios (export +20 %, line down, margin target, supplier lost)."""
    from opensop.scenarios import seed_scenarios
    from opensop.services import scenario_runs
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        for definition in seed_scenarios():
            scenario_runs.store_scenario(workspace, actor=_actor(), scenario=definition)
            console.print(f"Stored {definition.name!r}.")
    finally:
        workspace.dispose()


@scenario.command("list")
def list_() -> None:
    """The stored scenarios and their levers."""
    from opensop.services import scenario_runs
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        stored = scenario_runs.stored_scenarios(workspace, actor=_actor())
    finally:
        workspace.dispose()
    table = Table(title="Scenarios")
    for column in ("name", "levers", "description"):
        table.add_column(column)
    for item in stored:
        table.add_row(item.name, ", ".join(type(lever).__name__ for lever in item.levers), item.description)
    console.print(table)


@scenario.command("compare")
def compare(
    names: Annotated[list[str] | None, typer.Argument(help="Scenarios to compare (default: all stored).")] = None,
    csv: Annotated[Path | None, typer.Option(help="Folder to write the comparison as CSV files.")] = None,
    excel: Annotated[Path | None, typer.Option(help="Excel workbook to write the comparison to.")] = None,
    workers: Annotated[
        str,
        typer.Option(
            help="Scenarios solved at once: auto (parallel processes only when the batch repays starting them) or N."
        ),
    ] = AUTO,
) -> None:
    """Run the base and the scenarios on the latest data and compare KPIs, money and what breaks."""
    from opensop.scenarios import to_csv, to_excel
    from opensop.services import scenario_runs
    from opensop.services.workspace import open_workspace

    processes = _workers(workers)
    workspace = open_workspace(STATE.settings)
    try:
        with stages("Scenarios") as stage:
            stage("planning the base and each scenario")
            comparison = scenario_runs.compare_scenarios(
                workspace, actor=_actor(), names=names or (), workers=processes
            )
    finally:
        workspace.dispose()
    kpis = comparison.kpis
    scenario_columns = [c for c in kpis.columns if c not in ("kpi", "label", "unit", "better")]
    table = Table(title=f"Scenario comparison (base: {comparison.base})")
    table.add_column("kpi")
    for name in scenario_columns:
        table.add_column(name, justify="right")
    for row in kpis.itertuples(index=False):
        values = [row.label] + [f"{float(v):,.2f}" for v in row[-len(scenario_columns) :]]
        table.add_row(*map(str, values))
    console.print(table)
    ranking = Table(title="Recommendation")
    for column in ("rank", "scenario", "score", "reasons"):
        ranking.add_column(column)
    for rank, name, score, reasons in comparison.ranking[["rank", "scenario", "score", "reasons"]].itertuples(
        index=False, name=None
    ):
        ranking.add_row(str(rank), str(name), f"{score:,.0f}", str(reasons))
    console.print(ranking)
    if csv:
        to_csv(comparison, csv)
        console.print(f"Comparison written to {csv}/")
    if excel:
        to_excel(comparison, excel)
        console.print(f"Comparison written to {excel}")


def register(app: typer.Typer) -> None:
    app.add_typer(scenario, name="scenario")
