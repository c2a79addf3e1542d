"""THE spec of the agency workbook (format 1), shared by the writer and the reader so they cannot drift.

Pure data: no openpyxl import here. The answer vocabularies come from checks.py, which every format shares. Header texts are part of the contract (DESIGN.md "Agency workbook"):
the reader finds columns by these texts, never by position.
"""

from __future__ import annotations

import datetime as dt

from baseline.checks import VOCABULARIES as VOCABULARIES  # re-exported: the layout's dropdowns
from baseline.guideline import Guideline, Recommendation
from baseline.records import record
from baseline.text import EXCEL_CELL_LIMIT as EXCEL_CELL_LIMIT  # re-exported: the layout's cell limit
from baseline.xlsx.cells import column_letter as _letter

FORMAT = 1  # bump when the reader must tell old workbooks from new ones

# Sheet names (all ≤ 31 characters, none of : \ / ? * [ ]).
START_SHEET = "Start here"
ASSESSMENT_SHEET = "Assessment"
SUMMARY_SHEET = "My summary"
LISTS_SHEET = "Lists"
META_SHEET = "_baseline"

HEADER_ROW = 1  # on the Assessment sheet; data starts on the next row
FIRST_DATA_ROW = HEADER_ROW + 1


@record(frozen=True)
class Column:
    """One column of the agency workbook's Assessment sheet: its key, header, width and what may go in it."""

    key: str  # attribute name on assessment.Answer (or a read-only key)
    header: str  # exact header text; the reader matches it case- and whitespace-insensitively
    width: float
    is_input: bool  # unlocked for the agency to fill in
    kind: str = "text"  # text | choice | date
    vocabulary: str | None = None  # key into VOCABULARIES for kind == "choice"
    prompt: str = ""  # input message shown when the cell is selected


ASSESSMENT_COLUMNS: tuple[Column, ...] = (
    Column("recommendation", "Recommendation", 17, False),
    Column("section", "Section", 22, False),
    Column("summary", "Summary", 60, False),
    Column("relevant", "Relevant to us?", 14, True, "choice", "yes_partial_no",
           "Does this recommendation apply to your service? Yes, Partial or No."),
    Column("meets", "Meets it?", 12, True, "choice", "yes_partial_no",
           "Does your service meet it today? Yes, Partial or No. Leave blank if not relevant."),
    Column("evidence", "Evidence / current activity", 45, True, prompt="What you do now that shows it is met (or why it is not relevant)."),
    Column("action", "Action needed", 40, True, prompt="If not fully met: what needs to happen."),
    Column("owner", "Action owner", 22, True, prompt="Who owns the action (name or role)."),
    Column("deadline", "Deadline", 13, True, "date", prompt="A date, e.g. 31/03/2027."),
    Column("action_status", "Action status", 15, True, "choice", "action_status",
           "Not started, In progress or Complete."),
    Column("risk", "Risk if not done?", 13, True, "choice", "yes_no",
           "Is there a risk if this recommendation is not implemented? Yes or No."),
    Column("completed_by", "Completed by", 20, True, prompt="Your name and role."),
)

COLUMNS_BY_KEY = {c.key: c for c in ASSESSMENT_COLUMNS}
INPUT_COLUMNS = tuple(c for c in ASSESSMENT_COLUMNS if c.is_input)
REQUIRED_COLUMNS = ("recommendation", "relevant", "meets")  # a return without these cannot be read at all


# Metadata stamped three ways (hidden sheet, custom document properties, defined names); they must agree.
META_KEYS = ("tool_version", "format", "guideline", "version", "fingerprint", "area", "round", "agency", "sector", "generated_at")
# Stamped (the same three ways) only on some workbooks: a prefilled one names the merged workbook it continues and
# the digest of the answers it was sent with (rounds.answers_digest: an untouched return is told by it); a migrated
# one, the guideline version its answers came from.
OPTIONAL_META_KEYS = ("prefilled_from", "prefilled_from_merged_at", "prefilled_from_sha256", "answers_digest",
                      "migrated_from")
STAMP_KEYS = META_KEYS + OPTIONAL_META_KEYS
META_PREFIX = "baseline_"  # custom property and defined name are META_PREFIX + key

META_HEADER = ("key", "value")  # row 1 of the _baseline sheet; keys in column A from META_FIRST_ROW, values in B
META_FIRST_ROW = 2


# Dropdown vocabularies live on the hidden Lists sheet, one column each in VOCABULARIES order, a title in row 1
# (inline lists are truncated by LibreOffice beyond 255 characters: XLSX_PITFALLS.md §2).
LISTS_FIRST_ROW = 2
# Deadline validation accepts dates in this range (a typo like 31/03/0227 is refused at entry).
EARLIEST_DEADLINE = "2000-01-01"
LATEST_DEADLINE = "2099-12-31"


def column_letter(key: str) -> str:
    """Column letter of an Assessment column *as generated* (a returned workbook may have moved it)."""
    return _letter([c.key for c in ASSESSMENT_COLUMNS].index(key))


def list_column(vocabulary: str) -> str:
    return _letter(list(VOCABULARIES).index(vocabulary))


def list_range(vocabulary: str) -> str:
    """Validation source of a vocabulary, e.g. "Lists!$A$2:$A$4" (no leading "=": LibreOffice drops it anyway)."""
    column = list_column(vocabulary)
    last = LISTS_FIRST_ROW + len(VOCABULARIES[vocabulary]) - 1
    return f"{LISTS_SHEET}!${column}${LISTS_FIRST_ROW}:${column}${last}"


def meta_row(key: str) -> int:
    return META_FIRST_ROW + STAMP_KEYS.index(key)


def meta_reference(key: str) -> str:
    """What the defined name META_PREFIX + key points at, e.g. "'_baseline'!$B$3"."""
    return f"'{META_SHEET}'!$B${meta_row(key)}"


def listed_recommendations(guideline: Guideline, sectors: list[str], all_recommendations: bool = False) -> list[Recommendation]:
    """The recommendations an agency's workbook lists, in guideline order."""
    return guideline.recommendations if all_recommendations else guideline.recommendations_for(sectors)

def iso_utc(moment: dt.datetime) -> str:
    """ISO 8601 in UTC to the second, e.g. "2026-11-01T09:00:00Z" (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")

def recommendations_url(guideline: Guideline) -> str:
    return guideline.source.rstrip("/") + "/chapter/Recommendations"


@record(frozen=True)
class Continues:
    """The merged workbook a prefilled workbook continues (`generate --prefill`): stamped, and named on Start here."""

    file: str  # its file name
    merged_at: str  # its own merged_at stamp
    sha256: str  # of its bytes: which file exactly, whatever it is renamed to


@record(frozen=True)
class WorkbookJob:
    """One agency workbook to write: what every sheet writer needs."""

    guideline: Guideline
    agency: str
    sectors: list[str]
    area: str
    round: str  # the assessment round's label ("" when none was given)
    return_by: dt.date | None
    facilitator_name: str
    facilitator_email: str
    all_recommendations: bool
    generated_at: dt.datetime
    listed: list[Recommendation]
    continues: Continues | None = None  # prefilled from a merged workbook
    migrated_from: str = ""  # GUIDELINE@VERSION the answers were moved from (`baseline migrate`)
    new_recommendations: tuple[str, ...] = ()  # with migrated_from: ids new in this version (blank, flagged)
    removed_answers: int = 0  # with migrated_from: answers listed on the Removed sheet
