"""The progress line while files are read (merge, summary, status), on a terminal: render.progress_reader decides
whether there is one, so that on a pipe neither this module nor rich is imported before the returns are read."""

from __future__ import annotations

from contextlib import contextmanager

from rich.progress import Progress, SpinnerColumn, TextColumn

from baseline.render.common import console


@contextmanager
def progress_bar():
    """A transient progress line on stderr, giving a callable (path -> None) to call as each file is read."""
    # redrawn as each file is read, not by a thread of its own: reading may fork processes (intake.pool_size)
    with Progress(SpinnerColumn(), TextColumn("{task.completed} read · {task.description}", markup=False),
                  console=console(stderr=True), transient=True, auto_refresh=False) as progress:
        task = progress.add_task("", total=None)
        yield lambda path: progress.update(task, description=path, advance=1, refresh=True)
