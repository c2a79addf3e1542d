"""Presentation: library results -> terminal text, plain text, JSON, CSV, Markdown — the only place that formats
for people. No business logic here. One module per command family; `render.print_summary` and friends stay one
import for the CLI (which imports render inside its commands, so that `baseline --help` never loads rich).

Each name is imported from the module that owns it on first use (PEP 562 `__getattr__`), so a command loads only
the renderers it uses: one-file `validate` loads neither the summary's nor the action plan's renderers (nor the
library modules they render), nor rich.progress. tests/test_render_names.py checks the table against the modules.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from importlib import import_module

# Which module owns each name `render.NAME` gives: every public name of the render modules, and the plural rule.
_NAMES = {
    "baseline.render.actions": (
        "CSV_HEADER", "MARKDOWN_HEADER", "ACTION_TABLE_HEADER", "group_line", "print_action_list", "action_list_csv",
        "action_list_markdown", "carry_lines"),
    "baseline.render.common": (
        "NOT_ENCODED", "CSV_BOM", "WIDE", "LaidOutTable", "console", "to_json", "to_csv", "spreadsheet_text",
        "markdown_table", "longest_word", "longest_line", "table_chrome", "fit_columns", "share_room", "table",
        "wrap_words", "say", "block", "blocks", "fields_line", "print_table_or_blocks"),
    "baseline.render.progress": ("progress_bar",),
    "baseline.render.recs": (
        "recommendation_dict", "guideline_listing", "print_listing", "listing_csv", "print_recommendation",
        "print_diff", "import_lines"),
    "baseline.render.rounds": (
        "CHANGE_LABELS", "CHANGE_STYLES", "round_label", "compare_headline", "change_sentence", "actions_sentence",
        "agencies_warning", "compare_tables", "print_compare", "compare_markdown", "migration_lines"),
    "baseline.render.summary": (
        "STATUS_STYLES", "STATUS_HEADERS", "NO_SUMMARY", "RISK_FLAGGED", "GAP_HEADER", "percent_met", "count_row",
        "breakdown", "deadline_shown", "owner_rows", "gap_agencies", "gap_rows", "summary_heading",
        "returned_sentence", "agencies_sentence", "view_sentences", "honesty_notes", "print_summary", "print_gaps",
        "gaps_csv_table", "actions_csv_table", "summary_csv", "summary_markdown"),
    "baseline.render.tracker": (
        "STATE_STYLES", "long_date", "headline", "count_sentence", "state_text", "print_tracker", "tracker_markdown",
        "tracker_json"),
    "baseline.render.validation": (
        "ISSUE_HEADER", "file_heading", "validation_count", "issue_place", "print_validation", "validation_text",
        "print_config_notes"),
    "baseline.text": ("counted",),  # the plural rule lives in text (generate prints counts without rich)
}
_OWNER = {name: module for module, names in _NAMES.items() for name in names}

__all__ = list(_OWNER)


def __getattr__(name: str):
    """`render.NAME`: imported from its module the first time, then an ordinary attribute of this package."""
    module = _OWNER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(import_module(module), name)
    return value


def progress_reader():
    """A transient progress line on stderr while files are read; only on a terminal, so pipes and logs stay clean.
    A context manager giving a callable (path -> None), or None. Decided here: on a pipe, nothing of rich is imported
    before the returns are read (its 13 ms are then spent while a helper process reads: preload)."""
    if not sys.stderr.isatty():
        return nullcontext(None)
    return __getattr__("progress_bar")()


def preload(*names: str) -> None:
    """Import now the modules behind these names, before they are first used: the CLI has what prints a command's
    result imported while other processes read the returns (cores.map_in_order's `meanwhile`), where it is free."""
    for name in names:
        if name not in globals():
            __getattr__(name)
        for module in getattr(import_module(_OWNER[name]), "_LOADED_WHEN_USED", ()):
            import_module(module)  # what the renderer imports only when it first prints (rich's tables)


def __dir__() -> list[str]:
    return sorted({*globals(), *_OWNER})
