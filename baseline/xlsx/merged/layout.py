"""The merged multi-agency workbook's spec, shared by its writer and reader so they cannot drift: sheet names,
the columns of each table (header texts are a contract for the tables read back), stamps and style names.

Pure data: no openpyxl import here.
"""

from __future__ import annotations

from baseline.assessment import Status
from baseline.records import record

KIND = "merged"


MERGED_FORMAT = 1  # bump when the reader must tell old merged workbooks from new ones


SUMMARY_SHEET = "Summary"


BY_RECOMMENDATION_SHEET = "By recommendation"


ACTIONS_SHEET = "Actions"


GAPS_SHEET = "Gaps"


ANSWERS_SHEET = "All answers"


SOURCES_SHEET = "Sources"


# Headings of the Summary sheet's tables (each heading sits in column A, the table header on the next row).
HEADLINE_TABLE = "Headline"


SECTIONS_TABLE = "By section"


AGENCIES_TABLE = "By agency"


TRUNCATION_MARKER = "[… truncated: see All answers sheet]"


HEADER_SEARCH_ROWS = 10  # the reader looks for a table's header row this far down (someone may add a title row)


POPULATION_LABELS = {"all": "All ages", "children_young_people": "Children and young people", "adults": "Adults"}


@record(frozen=True)
class MergedColumn:
    """One column of a merged workbook's sheets: its key, header and width."""

    key: str
    header: str  # the reader matches it case- and whitespace-insensitively (cells.normalise_header)
    width: float


def _columns(*specs: tuple[str, str, float]) -> tuple[MergedColumn, ...]:
    return tuple(MergedColumn(*spec) for spec in specs)


def positions(columns: tuple[MergedColumn, ...]) -> dict[str, int]:
    """Column number (1-based) of each key: writers place values by key, so the spec alone sets the order."""
    return {column.key: number for number, column in enumerate(columns, start=1)}


# Read back: header texts are a contract, like layout.ASSESSMENT_COLUMNS.
ANSWERS_COLUMNS = _columns(
    ("agency", "Agency", 24),
    ("recommendation", "Recommendation", 17),
    ("section", "Section", 10),
    ("relevant", "Relevant?", 11),
    ("meets", "Meets it?", 11),
    ("status", "Agency status", 15),
    ("evidence", "Evidence", 50),
    ("action", "Action", 40),
    ("owner", "Owner", 22),
    ("deadline", "Deadline", 12),
    # A deadline someone wrote that is not a date ("end of Q3"): kept apart so Deadline holds only real dates.
    ("deadline_text", "Deadline (as written)", 16),
    ("action_status", "Action status", 14),
    ("risk", "Risk", 8),
    ("completed_by", "Completed by", 22),
)


ANSWERS_REQUIRED = ("agency", "recommendation", "relevant", "meets")


ANSWER_TEXT_KEYS = ("evidence", "action", "owner", "deadline_text", "completed_by")


SOURCES_COLUMNS = _columns(
    ("source", "File", 40),
    ("agency", "Agency", 28),
    ("sectors", "Sectors", 24),
    ("source_format", "Format", 11),
    ("completed_by", "Completed by", 28),
    ("sha256", "SHA-256", 66),
    ("generated_at", "Generated at", 26),
    ("merged_at", "Merged at", 26),
    ("tool_version", "Tool version", 12),
)


SOURCES_REQUIRED = ("agency", "source", "sectors")


# For people only (never read back).
BY_RECOMMENDATION_COLUMNS = _columns(
    ("recommendation", "Recommendation", 17),
    ("section", "Section", 10),
    ("summary", "Summary", 50),
    ("status", "System status", 15),
    ("evidence", "Evidence", 60),
    ("actions", "Actions", 50),
)  # then one status column per agency, headed by the agency's name


AGENCY_STATUS_WIDTH = 16


# The group's action plan: read back (DESIGN.md "The merged workbook — and the living action plan"; the header
# texts are contract). Action ID, Theme, Age group, Overdue and Links are recomputed on reading; the risk flag
# comes from All answers.
ACTIONS_COLUMNS = _columns(
    ("action_id", "Action ID", 21),
    ("theme", "Theme", 26),
    ("recommendation", "Recommendation", 17),
    ("age_group", "Age group", 14),
    ("agency", "Agency", 22),
    ("action", "Specific action", 50),
    ("owner", "Owner", 22),
    ("deadline", "Deadline", 13),
    ("status", "Status", 13),
    ("overdue", "Overdue", 10),
    ("links", "Links to other actions", 24),
    ("progress_notes", "Progress notes", 50),
    ("last_updated", "Last updated", 13),
)


ACTIONS_REQUIRED = ("recommendation", "agency", "action", "owner", "deadline", "status")


# Headers of the first merged workbooks' Actions sheet, still read ("No." was a number within the section).
ACTIONS_OLD_HEADERS = {"Notes / progress": "progress_notes"}


# Hidden: each action's editable values as written (actions.plan_digest), so the next merge can date the group's
# edits ("Last updated"). Losing the sheet loses only those dates.
PLAN_DIGESTS_SHEET = "_plan"
PLAN_DIGESTS_HEADER = ("Action ID", "Digest")


# The columns the group may edit: unlocked, the rest of the sheet protected (without a password).
ACTIONS_EDITABLE = ("action", "owner", "deadline", "status", "progress_notes")


# On the Action ID of an action whose agency answered "Risk if not done?" Yes (the sheet's columns are contract).
RISK_NOTE = "Risk if not done: the agency flagged a risk if this is not done."


GAPS_COLUMNS = _columns(
    ("recommendation", "Recommendation", 17),
    ("section", "Section", 10),
    ("summary", "Summary", 45),
    ("status", "System status", 15),
    ("risk", "Risk flagged by", 22),  # agencies that answered "Risk if not done?" Yes
    ("not_met", "Not met", 28),
    ("partially_met", "Partially met", 28),
    ("not_assessed", "Not assessed", 28),
    ("owners", "Action owners", 36),
    ("open_actions", "Open actions", 12),
    ("note", "Note", 36),
)


META_ORDER = ("kind", "format", "tool_version", "guideline", "version", "fingerprint", "area", "round", "merged_at",
              "as_of", "agencies")


# The merged workbook's cell styles, by name (the writer makes one xlsxwriter format for each, writer._STYLES).
HEADER = "Baseline header"
TEXT = "Baseline text"
PLAIN = "Baseline plain"
DATE = "Baseline date"
NUMBER = "Baseline number"
PERCENT = "Baseline percent"
SECTION = "Baseline section"
TITLE = "Baseline title"
NOTE = "Baseline note"
EDITABLE = "Baseline editable"
EDITABLE_DATE = "Baseline editable date"
RISK = "Baseline risk"


_STATUS_STYLES = {status: f"Baseline {status.label.lower()}" for status in Status}


def status_style(status: Status) -> str:
    return _STATUS_STYLES[status]  # looked up per cell: made once


WRAPPED_STYLES = frozenset({TEXT, EDITABLE, HEADER, *(status_style(s) for s in Status)})  # rows grow to fit them
