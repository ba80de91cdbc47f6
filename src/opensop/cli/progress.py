"""Progress display for long steps: a bar when the step counts its work, a spinner with the stage name otherwise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from opensop.cli.console import console


@contextmanager
def stages(title: str) -> Iterator[Callable[[str], None]]:
    """Yield a callback that names the current stage; the elapsed time shows the user the work is alive."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task(title, total=None)
        yield lambda stage: progress.update(task, description=f"{title}: {stage}")


@contextmanager
def counted(title: str) -> Iterator[Callable[[int, int], None]]:
    """Yield a callback(done, total) driving a bar (forecasting series, solving scenarios)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(title, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)
