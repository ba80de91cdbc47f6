"""The `opensop` command line: a thin adapter over the services.

User mistakes (any OpenSOPError) are printed as one paragraph with a non-zero exit code; `--debug` shows the
traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from opensop.cli import data_commands, plan_commands, scenario_commands, user_commands
from opensop.cli.console import errors, print_report
from opensop.cli.state import STATE
from opensop.errors import DataValidationError, OpenSOPError

app = typer.Typer(
    name="opensop",
    help="OpenSOP: Sales & Operations Planning for small and mid-size manufacturers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_commands.register(app)
plan_commands.register(app)
user_commands.register(app)
scenario_commands.register(app)


@app.callback()
def main(
    workspace: Annotated[
        Path | None,
        typer.Option(envvar="OPENSOP_WORKSPACE", help="Workspace folder (holds the SQLite database)."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of user errors.")] = False,
    user: Annotated[str, typer.Option(envvar="OPENSOP_USER", help="Who is acting (recorded in the audit).")] = "",
) -> None:
    STATE.configure(workspace=workspace, debug=debug, user=user)


def run() -> None:
    """Entry point of the `opensop` script."""
    try:
        # without standalone mode, click returns a command's `typer.Exit(code)` instead of raising it
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except OpenSOPError as error:
        if STATE.debug:
            raise
        if isinstance(error, DataValidationError):
            print_report(error.report)
        errors.print(f"[bold red]Error:[/bold red] {error.message}")
        if error.hint:
            errors.print(f"[dim]How to fix:[/dim] {error.hint}")
        sys.exit(error.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        errors.print("Aborted.")
        sys.exit(1)
    except typer.TyperException as error:
        # usage mistakes (unknown option, value out of range): Typer's own click exceptions, which a plain
        # `click.ClickException` check does not catch since Typer vendors click; they know how to show themselves
        show = getattr(error, "show", None)
        if show is None:
            raise
        show()
        sys.exit(int(getattr(error, "exit_code", 2)))


if __name__ == "__main__":
    run()
