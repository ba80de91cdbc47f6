"""Rich rendering shared by the CLI commands: reports, summaries, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from opensop.ingest import ValidationReport

console = Console()
errors = Console(stderr=True)


def print_report(report: ValidationReport, *, limit: int = 60) -> None:
    """The quality report as a readable table: most important first (errors, then warnings)."""
    from opensop.ingest import Severity

    issues = sorted(report.issues, key=lambda i: (i.severity is not Severity.ERROR, i.table, i.row or 0))
    if not issues:
        console.print(f"[green]No issue found in {report.source}.[/green]")
        return
    table = Table(title=f"Data quality: {report.source}", show_lines=False, expand=False)
    for header in ("severity", "rule", "file", "row", "column", "message", "fix"):
        table.add_column(header, overflow="fold")
    for issue in issues[:limit]:
        style = "red" if issue.severity is Severity.ERROR else "yellow"
        table.add_row(
            f"[{style}]{issue.severity}[/{style}]",
            issue.rule,
            issue.file or issue.table,
            "" if issue.row is None else str(issue.row),
            issue.column,
            issue.message,
            issue.hint,
        )
    console.print(table)
    if len(issues) > limit:
        console.print(f"... and {len(issues) - limit} more issues (write them all with --report FILE).")
    console.print(f"[bold]{len(report.errors)} error(s), {len(report.warnings)} warning(s).[/bold]")


def print_counts(title: str, counts: dict[str, int]) -> None:
    table = Table(title=title)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        if count:
            table.add_row(name, f"{count:,}")
    console.print(table)


def print_quality_summary(report: ValidationReport, *, examples: int = 8) -> None:
    """Counts per rule and table, then a few examples: what a steward reads first after an import."""
    counts: dict[tuple[str, str, str], int] = {}
    for issue in report.issues:
        if "more rows break this rule" in issue.message:
            continue
        key = (str(issue.severity), issue.rule, issue.table)
        counts[key] = counts.get(key, 0) + 1
    table = Table(title="Data quality summary")
    for header in ("severity", "rule", "table", "issues"):
        table.add_column(header)
    for (severity, rule, name), count in sorted(counts.items()):
        table.add_row(severity, rule, name, str(count))
    if counts:
        console.print(table)
    print_report(report, limit=examples)
