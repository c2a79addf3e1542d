"""The `Removed` sheet of a migrated workbook (an agency return or a merged workbook, `baseline migrate`): the answers
and actions of recommendations the target version no longer has, every value kept, and the recommendations new in
the target version (blank, to answer). For people: never read back.
"""

from __future__ import annotations

from baseline.rounds import MigrationReport
from baseline.xlsx.sheets import BORDER_COLOUR, HEADER_COLOURS, StreamSheet, stream_print_setup

REMOVED_SHEET = "Removed"

_ANSWER_COLUMNS = (  # (answer_to_dict key or a RemovedAnswer attribute, header, width)
    ("agency", "Agency", 24), ("recommendation", "Recommendation", 16), ("section", "Section (old version)", 12),
    ("status", "Agency status", 15), ("relevant", "Relevant?", 11), ("meets", "Meets it?", 11),
    ("evidence", "Evidence", 45), ("action", "Action", 40), ("owner", "Owner", 22), ("deadline", "Deadline", 13),
    ("action_status", "Action status", 14), ("risk", "Risk", 8), ("completed_by", "Completed by", 22),
)
_ACTION_COLUMNS = (
    ("action_id", "Action ID"), ("agency", "Agency"), ("recommendation", "Recommendation"),
    ("action", "Specific action"), ("owner", "Owner"), ("deadline", "Deadline"), ("status", "Status"),
    ("progress_notes", "Progress notes"),
)


def _content(report: MigrationReport) -> tuple[str, list[str], list[tuple[list[str], list[list]]]]:
    """The sheet's title, notes and tables (header, rows), whichever back-end writes them."""
    title = f"Moved from {report.old} to {report.new}: what {report.new} no longer has"
    added = ", ".join(report.added) or "none"
    notes = [
        f"Recommendations new in {report.new} (left blank, to be answered): {added}.",
        f"Answers kept for the recommendations both versions share: {report.kept}.",
        f"Answers to recommendations {report.new} no longer has: {len(report.removed)} (below, every value kept).",
    ]
    if report.removed_actions:
        notes.append(f"Actions on those recommendations: {len(report.removed_actions)} (below the answers).")
    for change in report.sections_renamed:
        notes.append(f"Section {change['id']} renamed: {change['old_title']!r} is now {change['new_title']!r}.")
    for move in report.moved:
        notes.append(f"Recommendation {move['recommendation']} moved from section {move['old_section']} to "
                     f"{move['new_section']}.")
    tables = [([header for _, header, _ in _ANSWER_COLUMNS], [
        [removed.agency, removed.recommendation, removed.section, removed.answer.status.label]
        + [removed.to_dict()["answer"][key] for key, _, _ in _ANSWER_COLUMNS[4:]]
        for removed in report.removed
    ])]
    if report.removed_actions:
        actions = report.to_dict()["removed_actions"]
        tables.append(([header for _, header in _ACTION_COLUMNS],
                       [[action[key] for key, _ in _ACTION_COLUMNS] for action in actions]))
    return title, notes, tables


def _print_title(report: MigrationReport) -> str:
    return f"Moved from {report.old} to {report.new}: removed"


# --- the sheet, streamed (sheets.StreamSheet: the agency workbook and the merged workbook alike) ----------------

REMOVED_TITLE, REMOVED_HEADER, REMOVED_CELL, REMOVED_NOTE = ("Removed title", "Removed header", "Removed cell",
                                                             "Removed note")
# Formats a writer adds to its own for this sheet.
REMOVED_STYLES = {
    REMOVED_TITLE: {"bold": True, "font_size": 14},
    REMOVED_HEADER: {"bold": True, "font_color": "#" + HEADER_COLOURS[0], "bg_color": "#" + HEADER_COLOURS[1],
                     "pattern": 1, "border": 1, "border_color": "#" + BORDER_COLOUR, "text_wrap": True,
                     "valign": "vcenter"},
    REMOVED_CELL: {"border": 1, "border_color": "#" + BORDER_COLOUR, "text_wrap": True, "valign": "top"},
    REMOVED_NOTE: {},
}


def stream_removed_sheet(sheet: StreamSheet, report: MigrationReport) -> None:
    """Write the Removed sheet into a streamed sheet whose formats include REMOVED_STYLES (rows top to bottom;
    REMOVED_CELL must be among the sheet's wrapped styles for rows to grow)."""
    for index, (_, _, width) in enumerate(_ANSWER_COLUMNS, start=1):
        sheet.width(index, width)
    title, notes, tables = _content(report)
    sheet.text(1, 1, title, REMOVED_TITLE)
    row = 2
    for note in notes:
        row += 1
        sheet.text(row, 1, note, REMOVED_NOTE)
    for header, rows in tables:
        row += 2
        for col, text in enumerate(header, start=1):
            sheet.text(row, col, text, REMOVED_HEADER)
        for values in rows:
            row += 1
            for col, value in enumerate(values, start=1):
                sheet.text(row, col, "" if value is None else str(value), REMOVED_CELL)
        if not rows:
            row += 1
            sheet.text(row, 1, "(none)", REMOVED_NOTE)
    sheet.fit_rows()
    stream_print_setup(sheet.ws, landscape=True, title=_print_title(report))
