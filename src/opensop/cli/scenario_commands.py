"""`opensop scenario create/seed/list/compare`: the pre-S&OP from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.table import Table

from opensop.cli.console import console
from opensop.cli.progress import stages
from opensop.cli.state import STATE
from opensop.errors import SourceError

if TYPE_CHECKING:
    from opensop.services.auth import Principal

scenario = typer.Typer(help="Pre-S&OP scenarios: create, list, run and compare.", no_args_is_help=True)


def _actor() -> Principal:
    from opensop.services.auth import Principal

    return Principal.system(STATE.actor)


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
    """The stored scenarios: their levers, whether they assume or decide, and what they answer."""
    from opensop.services import scenario_runs
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        stored = scenario_runs.stored_scenarios(workspace, actor=_actor())
    finally:
        workspace.dispose()
    table = Table(title="Scenarios")
    for column in ("name", "role", "answers", "levers", "description"):
        table.add_column(column)
    for item in stored:
        table.add_row(
            item.name,
            "response" if item.is_response else "assumption",
            item.base if item.base != "base" else "",
            ", ".join(lever.kind for lever in item.levers),
            item.description,
        )
    console.print(table)


@scenario.command("delete")
def delete(
    name: Annotated[str, typer.Argument(help="Name of the stored scenario.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")] = "",
) -> None:
    """Delete a stored scenario (its plan versions stay, with their history)."""
    from opensop.services import scenario_runs
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        scenario_runs.delete_scenario(workspace, actor=_actor(), name=name, reason=reason)
    finally:
        workspace.dispose()
    console.print(f"Scenario {name!r} deleted.")


@scenario.command("compare")
def compare(
    names: Annotated[list[str] | None, typer.Argument(help="Scenarios to compare (default: all stored).")] = None,
    csv: Annotated[Path | None, typer.Option(help="Folder to write the comparison as CSV files.")] = None,
    excel: Annotated[Path | None, typer.Option(help="Excel workbook to write the comparison to.")] = None,
) -> None:
    """Plan each scenario on the open cycle's working draft (its forecast and overrides), store each as a draft
    version, and compare KPIs, money and what breaks; the recommendation picks decisions, never assumptions."""
    from opensop.scenarios import to_csv, to_excel
    from opensop.services import scenario_runs
    from opensop.services.workspace import open_workspace

    workspace = open_workspace(STATE.settings)
    try:
        with stages("Scenarios") as stage:
            outcome = scenario_runs.compare_scenarios(
                workspace, actor=_actor(), names=names or (), progress=lambda name: stage(f"planning {name}")
            )
    finally:
        workspace.dispose()
    comparison = outcome.comparison
    kpis = comparison.kpis
    scenario_columns = [c for c in kpis.columns if c not in ("kpi", "label", "unit", "better")]
    table = Table(title=f"Scenario comparison (base: the working draft v{outcome.base_version_id})")
    table.add_column("kpi")
    for name in scenario_columns:
        table.add_column(name, justify="right")
    for row in kpis.itertuples(index=False):
        values = [row.label] + [f"{float(v):,.2f}" for v in row[-len(scenario_columns) :]]
        table.add_row(*map(str, values))
    console.print(table)
    ranking = Table(title="Ranking (responses against what they answer, assumptions against the base)")
    for column in ("rank", "scenario", "role", "version", "score", "reasons"):
        ranking.add_column(column)
    for rank, name, role, score, reasons in comparison.ranking[
        ["rank", "scenario", "role", "score", "reasons"]
    ].itertuples(index=False, name=None):
        version = outcome.versions.get(str(name))
        ranking.add_row(
            str(rank),
            str(name),
            str(role),
            f"v{version}" if version else "",
            "" if pd.isna(score) else f"{score:,.0f}",
            str(reasons),
        )
    console.print(ranking)
    for sentence in comparison.recommendations or ("No response scenario to recommend: only assumptions compared.",):
        console.print(f"Recommendation: {sentence}")
    if csv:
        to_csv(comparison, csv)
        console.print(f"Comparison written to {csv}/")
    if excel:
        to_excel(comparison, excel)
        console.print(f"Comparison written to {excel}")


def register(app: typer.Typer) -> None:
    app.add_typer(scenario, name="scenario")
