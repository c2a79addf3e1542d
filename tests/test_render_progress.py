"""render.progress_reader: a transient progress line on stderr while files are read, on a terminal only."""

from __future__ import annotations

import io
import sys

from baseline import render


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_pipe_there_is_no_progress_line(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with render.progress_reader() as progress:
        assert progress is None
    assert sys.stderr.getvalue() == ""


def test_on_a_terminal_each_file_read_is_counted_and_named(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with render.progress_reader() as progress:
        progress("returns/north.xlsx")
        progress("returns/south.xlsx")
    shown = terminal.getvalue()
    assert "1 read · returns/north.xlsx" in shown and "2 read · returns/south.xlsx" in shown
