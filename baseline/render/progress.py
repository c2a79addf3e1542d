"""The progress line while files are read (merge, summary, status), only on a terminal."""

from __future__ import annotations

import sys
from contextlib import contextmanager, nullcontext


def progress_reader():
    """A transient progress line on stderr while files are read; only on a terminal, so pipes and logs stay clean.
    A context manager giving a callable (path -> None), or None."""
    if not sys.stderr.isatty():
        return nullcontext(None)

    # Here, not at the top: on a pipe neither rich.progress (5 ms) nor the console (13 ms with rich) is needed before
    # the returns are read, and the renderer's own import is then done while a helper process reads (render.preload).
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from baseline.render.common import console

    @contextmanager
    def bar():
        # redrawn as each file is read, not by a thread of its own: reading may fork processes (intake.pool_size)
        with Progress(SpinnerColumn(), TextColumn("{task.completed} read · {task.description}", markup=False),
                      console=console(stderr=True), transient=True, auto_refresh=False) as progress:
            task = progress.add_task("", total=None)
            yield lambda path: progress.update(task, description=path, advance=1, refresh=True)

    return bar()
