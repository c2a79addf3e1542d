"""The answer rules every return format shares: choices, dates, lengths, formulas in answer cells, and the
consistency warnings. Format readers only find the values and their cells, then call `AnswerRules.answer`.

Pure: values in, an Answer and Issues out (DESIGN.md "Reading a return": one cell gets one message; an
ambiguous or impossible date is an error; a month or quarter deadline is kept as text with a warning).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import MISSING, fields
from typing import Any, Callable, Container, Mapping, Sequence

from baseline.assessment import ANSWER_ROW, ActionStatus, Answer, Choice, YesNo, answer_from_row
from baseline.issues import Issue, make_issue
from baseline.records import record
from baseline.text import EXCEL_CELL_LIMIT, name_key, or_list, quote

# --- vocabularies --------------------------------------------------------------------------------------------

CHOICE_ENUMS = {"yes_partial_no": Choice, "action_status": ActionStatus, "yes_no": YesNo}
VOCABULARIES: dict[str, tuple[str, ...]] = {name: tuple(m.value for m in enum) for name, enum in CHOICE_ENUMS.items()}


# --- formulas typed into text cells ----------------------------------------------------------------------------

# What Excel and LibreOffice show for a formula that fails ("- revise leaflet" typed is a formula to both).
_ERROR_VALUE = re.compile(r"#(?:VALUE!|NAME\?|REF!|DIV/0!|N/A|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)|Err:\d{3}",
                          re.IGNORECASE)


def formula_value(formula: str, shown: str) -> str:
    """What a formula in a cell meant for text is read as: the value it shows, or the formula itself when it shows
    nothing or an error (#VALUE!, #NAME?, Err:509) — so what the person typed is never lost."""
    shown_text = shown.strip()
    return shown if shown_text and not _ERROR_VALUE.fullmatch(shown_text) else formula


@record(frozen=True)
class AnswerField:
    """One field of an Answer as the return formats read it: its kind and, for a choice, its vocabulary."""

    key: str  # attribute of assessment.Answer
    kind: str  # text | choice | date
    vocabulary: str | None = None  # key into VOCABULARIES for kind == "choice"


ANSWER_FIELDS: dict[str, AnswerField] = {f.key: f for f in (
    AnswerField("relevant", "choice", "yes_partial_no"),
    AnswerField("meets", "choice", "yes_partial_no"),
    AnswerField("evidence", "text"),
    AnswerField("action", "text"),
    AnswerField("owner", "text"),
    AnswerField("deadline", "date"),
    AnswerField("action_status", "choice", "action_status"),
    AnswerField("risk", "choice", "yes_no"),
    AnswerField("completed_by", "text"),
)}

# Normalised spelling -> enum member, per vocabulary ("in progress" -> ActionStatus.IN_PROGRESS); and the exact
# spellings the dropdowns write, for the fast path.
_CHOICES = {name: {name_key(v): CHOICE_ENUMS[name](v) for v in values} for name, values in VOCABULARIES.items()}
_EXACT = {name: {v: CHOICE_ENUMS[name](v) for v in values} for name, values in VOCABULARIES.items()}


def parse_choice(vocabulary: str, text: str):
    """"  yes " -> Choice.YES, "In   PROGRESS" -> ActionStatus.IN_PROGRESS: case and spaces never matter.
    None when the text is not one of the vocabulary's values."""
    exact = _EXACT[vocabulary].get(text)  # pragma: no mutate (a shortcut: the line below gives the same)
    return exact if exact is not None else _CHOICES[vocabulary].get(name_key(text))


# What people type instead of a dropdown value, where the meaning is clear (DESIGN.md "Lenient but explicit"):
# accepted, and reported as a `read-as` warning naming the cell and the reading.
_VARIANTS: dict[str, dict[str, Any]] = {
    "yes_partial_no": {"y": Choice.YES, "n": Choice.NO, "partially": Choice.PARTIAL, "partly": Choice.PARTIAL,
                       "in part": Choice.PARTIAL},
    "yes_no": {"y": YesNo.YES, "n": YesNo.NO},
    "action_status": {"completed": ActionStatus.COMPLETE, "done": ActionStatus.COMPLETE,
                      "not yet started": ActionStatus.NOT_STARTED, "ongoing": ActionStatus.IN_PROGRESS,
                      "started": ActionStatus.IN_PROGRESS},
}
# "Not applicable" is how people say "not relevant to us": only in the relevance column.
_NOT_APPLICABLE = {"n/a": Choice.NO, "na": Choice.NO, "n.a.": Choice.NO, "n.a": Choice.NO,
                   "not applicable": Choice.NO}


def read_choice(key: str, text: str):
    """The dropdown value a typed answer means, and whether it was a variant (Y, Partially, n/a…) rather than the
    value itself: (member, False) for "Yes" or " yes ", (member, True) for "Y", (None, False) when unclear."""
    vocabulary = ANSWER_FIELDS[key].vocabulary
    chosen = parse_choice(vocabulary, text)
    if chosen is not None:
        return chosen, False
    typed = name_key(text)
    bare = typed.rstrip(".!")  # "Yes." and "No!" are Yes and No
    variants = _VARIANTS[vocabulary]
    chosen = parse_choice(vocabulary, bare) or variants.get(typed) or variants.get(bare)
    if chosen is None and key == "relevant":
        chosen = _NOT_APPLICABLE.get(typed) or _NOT_APPLICABLE.get(bare)
    return chosen, chosen is not None


# --- dates ---------------------------------------------------------------------------------------------------

NOT_A_DATE = "not a date"
YEAR_OUT_OF_RANGE = "the year"  # how parse_date's out-of-range message begins
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # a deadline or NICE date outside these is a typo
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
_MONTHS = {m.lower(): i for i, m in enumerate(MONTH_NAMES, start=1)}
_MONTHS.update({name[:3]: number for name, number in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_NUMERIC = r"(\d{1,4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{1,4})"
_WORDY = r"(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{4}|\d{2})"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_NUMERIC_DATE = re.compile(rf"^{_NUMERIC}$")
_WORDY_DATE = re.compile(rf"^{_WEEKDAY}{_WORDY}$", re.IGNORECASE)
_DAY_MONTH = re.compile(r"^\d{1,2}\s*[/.\-]\s*\d{1,2}$")  # 31/03: a date without its year
_NUMERIC_WITHIN = re.compile(rf"\b{_NUMERIC}\b")
_WORDY_WITHIN = re.compile(rf"\b{_WORDY}\b", re.IGNORECASE)


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValueError(f"the year {day.year} is not between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return day


def _numeric(first: str, second: str, third: str) -> dt.date:
    if len(first) == 4:  # 2027/03/31, 2027-03-31
        return dt.date(int(first), int(second), int(third))
    if len(first) > 2 or len(third) not in (2, 4):
        raise ValueError(NOT_A_DATE)
    year = int(third) + (2000 if len(third) == 2 else 0)
    return dt.date(year, int(second), int(first))  # day first always: ValueError for 3/31/2027


def _wordy(day: str, month: str, year: str) -> dt.date:
    number = _MONTHS.get(month.lower())
    if number is None:
        raise ValueError(f"{month!r} is not a month")
    return dt.date(int(year) + (2000 if len(year) == 2 else 0), number, int(day))


def parse_date(value: Any) -> dt.date | None:
    """THE date parser: a real date, ISO text (2027-03-31, 2027/03/31) or UK day-first text (31/03/2027, 31-03-27,
    31.03.2027, 31 March 2027, 31st March 2027, 31-Mar-27, 30 Sept 2027, Wednesday 31 March 2027).

    None for a blank cell; ValueError for anything else, including impossible or ambiguous dates (31/02/2027,
    3/31/2027) and years outside 2000-2100. Day first always: this is an English tool.
    """
    if isinstance(value, dt.datetime):
        return _in_range(value.date())
    if isinstance(value, dt.date):
        return _in_range(value)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(NOT_A_DATE)
    text = " ".join(value.split())
    if not text:
        return None
    if match := _NUMERIC_DATE.match(text):
        return _in_range(_numeric(match.group(1), match.group(3), match.group(4)))
    if match := _WORDY_DATE.match(text):
        return _in_range(_wordy(*match.groups()))
    try:
        return _in_range(dt.datetime.fromisoformat(text).date())  # "2027-03-31 00:00:00", "2027-03-31T09:00"
    except ValueError:
        raise ValueError(NOT_A_DATE) from None


# The forms the workbook asks for (31/03/2027, 31-03-2027, 2027-03-31, 31 March 2027): read without a message.
# Every other form parse_date accepts is read with a `read-as` warning saying which day it was taken to be.
_PLAIN_DATE = re.compile(r"^(?:\d{1,2}([/.\-])\d{1,2}\1\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2} (?:%s) \d{4})$"
                         % "|".join(MONTH_NAMES), re.IGNORECASE)


def is_plain_date(text: str) -> bool:
    return _PLAIN_DATE.match(re.sub(r"\s*([/.\-])\s*", r"\1", " ".join(text.split()))) is not None


def find_date(text: Any) -> dt.date | None:
    """The first date written inside a text ("Published: 7 September 2022"), by parse_date's rules; a real date
    cell as it is; None when there is none."""
    if not isinstance(text, str):
        try:
            return parse_date(text) if text not in (None, "") else None
        except ValueError:
            return None
    for pattern in (_WORDY_WITHIN, _NUMERIC_WITHIN):
        for match in pattern.finditer(text):
            try:
                return parse_date(match.group(0))
            except ValueError:
                continue
    return None


def _day_and_month(text: str) -> tuple[int, int, int] | None:
    """The three numbers of a numeric date written day or month first (3/14/2027, 03/05/27 -> 3, 5, 2027); None for
    ISO (2027/03/31) or anything else."""
    match = _NUMERIC_DATE.match(" ".join(text.split()))
    if match is None or len(match.group(1)) > 2 or len(match.group(4)) not in (2, 4):
        return None
    year = match.group(4)
    return int(match.group(1)), int(match.group(3)), int(year) + (2000 if len(year) == 2 else 0)


def is_month_first(text: str) -> bool:
    """3/14/2027: only readable month first (there is no month 14). Still an error (this tool reads day first), and
    a sign that the file's other numeric dates may be month first too (see AnswerRules.finish)."""
    numbers = _day_and_month(text)
    return numbers is not None and 1 <= numbers[0] <= 12 < numbers[1] <= 31


def is_ambiguous_day_month(text: str) -> bool:
    """03/05/2027: 3 May day first, 5 March month first (read day first unless the file shows otherwise)."""
    numbers = _day_and_month(text)
    return numbers is not None and numbers[0] != numbers[1] and 1 <= numbers[0] <= 12 and 1 <= numbers[1] <= 12


def looks_like_a_date(text: str) -> bool:
    """Text shaped like a date (31/13/2027, 3/31/2027, 31 Foo 2027): if it does not parse, it is a mistake to
    fix, not a deadline written in words ("end of Q4", "March 2027")."""
    text = " ".join(text.split())
    return bool(_NUMERIC_DATE.match(text) or _WORDY_DATE.match(text) or _DAY_MONTH.match(text)
                or re.match(r"^\d{4}-\d{2}-\d{2}", text))


# --- one answer row ------------------------------------------------------------------------------------------

_INVALID = object()  # a cell that was reported as an issue and is left out of the Answer
# Per answer key, its kind and (for a choice) the exact dropdown spellings: one lookup per cell in the hot loop.
_KIND_OF = {key: (f.kind, _EXACT[f.vocabulary] if f.kind == "choice" else None) for key, f in ANSWER_FIELDS.items()}

_SHORT = (Choice.NO, Choice.PARTIAL)
_COMPLETE, _NOT_RELEVANT = ActionStatus.COMPLETE, Choice.NO  # looked up once: an enum's attribute costs a call
_RELEVANT = (Choice.YES, Choice.PARTIAL)
# Answers that show the row was assessed (who filled it in is not an answer).
_ANSWER_KEYS = ("meets", "evidence", "action", "owner", "deadline", "deadline_text", "action_status", "risk")

Position = tuple[int, int]  # 0-based (row, col) on the sheet
_NONE_INVALID: frozenset[str] = frozenset()


class _Plan:
    """plain_answer's answer columns (key -> 0-based column), by kind: text (and whether it counts as an answer:
    Completed by does not), choice (with the exact drop-down spellings), date."""

    def __init__(self, columns: Mapping[str, int]):
        at = _ANSWER_POSITION
        self.texts = [(at[key], c, key != "completed_by") for key, c in columns.items() if _KIND_OF[key][0] == "text"]
        self.choices = [(at[key], c, _KIND_OF[key][1]) for key, c in columns.items() if _KIND_OF[key][0] == "choice"]
        self.dates = [(at[key], c) for key, c in columns.items() if _KIND_OF[key][0] == "date"]
        self.last_column = max(columns.values(), default=-1)


# An Answer built by position (no keyword dict per row, no frozen __init__: assessment.answer_from_row sets its slots
# at half the cost): its fields but the cells (ANSWER_ROW), the recommendation first, with their defaults, and where
# each answer key goes among them.
_ANSWER_FIELDS = {f.name: f for f in fields(Answer)}
_ANSWER_DEFAULTS = [None] + [_ANSWER_FIELDS[name].default for name in ANSWER_ROW[1:]]
if ANSWER_ROW[0] != "recommendation" or MISSING in _ANSWER_DEFAULTS:  # say so at once, not on some row
    raise TypeError("plain_answer builds an Answer by position: the recommendation first, and every other field but "
                    "the cells with a plain default")
_ANSWER_POSITION = {name: index for index, name in enumerate(ANSWER_ROW)}


class AnswerRules:
    """Turns the raw values of one return's answer rows into Answers; every problem is an Issue at its cell.

    One instance per return (sheet): it also knows whether anything was answered at all (`finish` reports a blank
    return) and gives each cell one message only. `labels` names each answer column as the return's own header says
    it (for messages); `cell_ref` turns a 0-based (row, col) into "E7"; `merged_from` maps a cell covered by a merge
    to the range's top-left cell (cells.spread_merges), which is where the person sees the value, so that is the cell
    a message about the value names, once.
    """

    def __init__(self, *, file: str, sheet: str, labels: Mapping[str, str], add: Callable[[Issue], None],
                 cell_ref: Callable[[int, int], str], merged_from: Mapping[Position, Position] | None = None):
        self.file = file
        self.sheet = sheet
        self.labels = labels
        self.add = add
        self.cell_ref = cell_ref
        self.merged_from = merged_from or {}
        self.answered = False  # some answer cell (Completed by aside) holds something
        self._told: set[tuple[str, Position]] = set()  # (code, cell) of the messages about values already given
        # One return, one way of writing dates: once a date in it is clearly month first (3/14/2027), its dates that
        # read either way (03/05/2027) are errors too (finish), never silently taken day first.
        self._month_first: str | None = None  # the first month-first date seen, for the message
        self._either_way: list[tuple[str, str, Position, str]] = []  # (rec_id, key, cell, text) read day first
        self._plan_of: Mapping[str, int] | None = None  # plain_answer's columns, and their kinds (_plan)
        self._plan: _Plan | None = None

    def issue(self, code: str, message: str, at: Position | None, recommendation: str | None) -> None:
        cell = self.cell_ref(*at) if at is not None else None
        self.add(make_issue(code, message, file=self.file, sheet=self.sheet, cell=cell, recommendation=recommendation))

    def _first_time(self, code: str, at: Position) -> bool:
        """One message per cell: a value merged over several rows is one cell to the person who typed it."""
        if (code, at) in self._told:
            return False
        self._told.add((code, at))
        return True

    def where(self, rec_id: str, key: str, at: Position) -> str:
        return f"Cell {self.cell_ref(*at)} (recommendation {rec_id}, {self.label(key)})"

    def label(self, key: str) -> str:
        return quote(self.labels.get(key, key), 50)

    def formula(self, rec_id: str, key: str, at: Position, formula: str, shown: str) -> str:
        """A formula in an answer cell: warn, and read the value it shows (or the formula itself) as typed text."""
        value = formula_value(formula, shown)
        self.issue("formula-in-input",
                   f"{self.where(rec_id, key, at)} contains a formula ({quote(formula, 40)}). Type the answer in "
                   "directly; baseline reads "
                   + (f"the value it shows, {quote(shown, 40)}, as plain text." if value == shown
                      else "the formula itself as plain text."), at, rec_id)
        return value

    def answer(self, rec_id: str, cells: Mapping[str, tuple[Any, Position]], cell_text: Callable[[Any], str],
               refs: Mapping[str, str] | None = None) -> Answer:
        """`cells`: answer key -> (raw value, position) for every answer column the return has, blank or not.
        `refs` (key -> "E7") is kept on the Answer; by default the cells that hold the values."""
        values: dict[str, Any] = {}
        invalid: set[str] = set()
        merged_from = self.merged_from
        answered = False  # some cell other than Completed by holds something (self.answered, set once below)
        for key, (raw, at) in cells.items():
            if raw == "" or raw is None:
                continue
            kind, exact_choices = _KIND_OF[key]
            if kind == "text":
                if raw.__class__ is str and raw.isprintable():  # the hot path: typed text
                    text = raw.strip()
                else:
                    text = cell_text(raw)
                if len(text) > EXCEL_CELL_LIMIT:
                    shown_at = merged_from.get(at, at) if merged_from else at
                    if self._first_time("text-too-long", shown_at):
                        self.issue("text-too-long",
                                   f"{self.where(rec_id, key, shown_at)} holds {len(text):,} characters, more than "
                                   f"the {EXCEL_CELL_LIMIT:,} a spreadsheet cell can hold. Shorten it, or put the "
                                   "detail in a separate document and refer to it.", shown_at, rec_id)
                if text:
                    values[key] = text
                    answered = answered or key != "completed_by"
                continue
            shown_at = merged_from.get(at, at) if merged_from else at
            if kind == "choice":
                text = raw if raw.__class__ is str else cell_text(raw)
                exact = exact_choices.get(text)  # pragma: no mutate (hot path: read_choice gives the same)
                if exact is not None:
                    values[key] = exact
                    answered = True
                    continue
                chosen, variant = read_choice(key, text)
                if chosen is not None:
                    values[key] = chosen
                    answered = True
                    if variant and self._first_time("read-as", shown_at):
                        self.issue("read-as",
                                   f"{self.where(rec_id, key, shown_at)} says {quote(text)}, which was read as "
                                   f"{chosen.value}. If that is what you meant there is nothing to do; to avoid this "
                                   f"message, choose {chosen.value} from the list.", shown_at, rec_id)
                elif text.strip():
                    answered = True
                    invalid.add(key)
                    if self._first_time("invalid-choice", shown_at):
                        self.issue("invalid-choice",
                                   f"{self.where(rec_id, key, shown_at)} says {quote(text)}; choose "
                                   f"{or_list(VOCABULARIES[ANSWER_FIELDS[key].vocabulary])} from the list.",
                                   shown_at, rec_id)
            else:
                answered = True
                deadline = self._deadline(rec_id, key, shown_at, raw, cell_text)
                if deadline is _INVALID:
                    invalid.add(key)
                elif isinstance(deadline, dt.date):
                    values[key] = deadline
                elif deadline:
                    values["deadline_text"] = deadline
        if answered:
            self.answered = True
        if refs is None:
            refs = {key: self.cell_ref(*(merged_from.get(at, at) if merged_from else at))
                    for key, (_, at) in cells.items()}
        answer = Answer(rec_id, **values, cells=refs)
        if values or invalid:  # a blank row cannot be inconsistent
            self._consistency(answer, cells, lambda key: cells[key][1], invalid)
        return answer

    def plain_answer(self, rec_id: str, r: int, row: Sequence[Any], columns: Mapping[str, int],
                     refs: Mapping[str, str]) -> Answer | None:
        """`answer` for one row of a grid, when every cell of it is blank or as the workbook's own lists and cells
        give it: printable text within a cell's limit, a drop-down value as listed, a date cell within the years.
        The same Answer, issues (only consistency warnings can arise) and state as `answer` would give; None, having
        changed nothing, for a row holding anything else (the caller then calls `answer`, which says what).

        `r`: the row's 0-based index; `columns`: answer key -> 0-based column, for every answer column the return
        has; `refs` as for `answer`. The caller keeps rows with merged or formula cells for `answer`."""
        # The hot loop of reading (a return is 51 rows x 9 cells, read by validate, summary and merge alike): the
        # columns taken kind by kind (the order does not matter: any cell not plain gives None, having changed nothing).
        if columns is not self._plan_of:
            self._plan = _Plan(columns)
            self._plan_of = columns  # pragma: no mutate (a memo: without it, the same plan every row)
        plan = self._plan
        if len(row) <= plan.last_column:  # the cells past a short row's end are blank
            row = [*row, *[""] * (plan.last_column + 1 - len(row))]
        values = _ANSWER_DEFAULTS.copy()  # by position (ANSWER_ROW)
        values[0] = rec_id
        filled = answered = False  # pragma: no mutate (None is as false)
        for at, c, counts in plan.texts:
            raw = row[c]
            if raw.__class__ is not str:
                if raw is None:
                    continue
                return None
            if not raw:
                continue
            if not raw.isprintable():
                return None
            text = raw.strip()
            if len(text) > EXCEL_CELL_LIMIT:
                return None
            if text:
                values[at] = text
                filled = True
                if counts:
                    answered = True
        for at, c, exact_choices in plan.choices:
            raw = row[c]
            if raw.__class__ is not str:
                if raw is None:
                    continue
                return None
            if not raw:
                continue
            chosen = exact_choices.get(raw)
            if chosen is None:
                return None
            values[at] = chosen
            filled = answered = True
        for at, c in plan.dates:
            raw = row[c]
            kind_of_value = raw.__class__
            if kind_of_value is dt.date:
                day = raw
            elif kind_of_value is dt.datetime:
                day = raw.date()
            elif raw == "" or raw is None:
                continue
            else:
                return None
            if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
                return None
            values[at] = day
            filled = answered = True
        if answered:
            self.answered = True
        answer = answer_from_row(values, refs)
        if filled:  # a blank row cannot be inconsistent
            self._consistency(answer, columns, lambda key: (r, columns[key]), _NONE_INVALID)
        return answer

    def _deadline(self, rec_id: str, key: str, at: Position, raw: Any, cell_text: Callable[[Any], str]):
        """A date; the text of a deadline written in words (warning); or _INVALID (an impossible date: error).
        A date typed in another form than the workbook asks for is read, and the reading reported (read-as)."""
        try:
            day = parse_date(raw)
        except ValueError as exc:
            text = cell_text(raw)
            if isinstance(raw, str) and self._month_first is None and is_month_first(text):
                self._month_first = text.strip()
            if not isinstance(raw, str) or looks_like_a_date(text):
                if self._first_time("invalid-date", at):
                    self.issue("invalid-date",
                               f"{self.where(rec_id, key, at)} says {quote(text)}, {_not_a_date(text, exc)}; enter "
                               "a date such as 31/03/2027 (day first), or leave it blank.", at, rec_id)
                return _INVALID
            if self._first_time("deadline-as-text", at):
                self.issue("deadline-as-text",
                           f"{self.where(rec_id, key, at)} says {quote(text)}, which is not a date: it is kept as "
                           "text, so the action cannot count as overdue. Put a date such as 31/03/2027 if there is "
                           "one.", at, rec_id)
            return text
        if day is not None and isinstance(raw, str) and is_ambiguous_day_month(raw):
            self._either_way.append((rec_id, key, at, raw.strip()))
        if day is not None and isinstance(raw, str) and not is_plain_date(raw) and self._first_time("read-as", at):
            self.issue("read-as",
                       f"{self.where(rec_id, key, at)} says {quote(raw)}, which was read as {day:%d/%m/%Y} "
                       f"({day:%A} {day.day} {day:%B %Y}). If that is right there is nothing to do; to avoid this "
                       "message, write dates as 31/03/2027.", at, rec_id)
        return day

    def _consistency(self, answer: Answer, cells: Container[str], at: Callable[[str], Position],
                     invalid: Container[str]) -> None:
        """Warnings: answers that do not hang together (reported; they do not block merging). `cells`: the answer
        columns the return has; `at`: the cell of one of them."""
        rec_id = answer.recommendation
        relevant, meets, action, owner = answer.relevant, answer.meets, answer.action, answer.owner

        not_fully_met = relevant in _RELEVANT and meets in _SHORT  # status not_met or partially_met
        if (action or not_fully_met) and not owner and "owner" in cells:
            reason = "has an action needed" if action else "is not fully met"
            self.issue("owner-missing",
                       f"Recommendation {rec_id} {reason} but no action owner: put the name or role of who owns "
                       f"the action in cell {self._named(at, 'owner')}.", at("owner"), rec_id)
        is_open = (action or owner) and answer.action_status is not _COMPLETE
        if is_open and answer.deadline is None and not answer.deadline_text and "deadline" not in invalid \
                and "deadline" in cells:
            self.issue("deadline-missing",
                       f"Recommendation {rec_id} has an open action but no deadline: put a date such as 31/03/2027 "
                       f"in cell {self._named(at, 'deadline')}.", at("deadline"), rec_id)
        if relevant is None and "relevant" not in invalid and "relevant" in cells and (
                "deadline" in invalid or any(getattr(answer, k) not in (None, "") for k in _ANSWER_KEYS)):
            self.issue("answer-without-relevance",
                       f"Recommendation {rec_id} has answers but cell {self._named(at, 'relevant')} is blank, so it counts as "
                       f"not assessed: choose {or_list(VOCABULARIES['yes_partial_no'])}.", at("relevant"), rec_id)
        if relevant in _RELEVANT and meets is None and "meets" not in invalid and "meets" in cells:
            self.issue("meets-missing",
                       f"Recommendation {rec_id} is marked relevant (cell {self._named(at, 'relevant')} says {relevant.value}) "
                       f"but cell {self._named(at, 'meets')} is blank, so it counts as not assessed: choose "
                       f"{or_list(VOCABULARIES['yes_partial_no'])}.", at("meets"), rec_id)
        if relevant is _NOT_RELEVANT and meets is not None and "meets" in cells:
            self.issue("answered-but-not-relevant",
                       f"Recommendation {rec_id} is marked not relevant (cell {self._named(at, 'relevant')} says No) but cell "
                       f"{self._named(at, 'meets')} is answered: clear it, or change the relevance.", at("meets"), rec_id)

    def _named(self, at: Callable[[str], Position], key: str) -> str:
        """A cell a consistency warning names, with its column's label: "H7 ('Action owner')"."""
        return f"{self.cell_ref(*at(key))} ({self.label(key)})"

    # --- what lies outside the answer rows: the format readers find it, the words are here --------------------

    def answer_on_heading_row(self, at: Position, value: Any, key: str | None, cell_text: Callable[[Any], str]) -> None:
        """Something typed in an answer column of a row that has no recommendation number (a section heading)."""
        column = f" ({self.label(key)})" if key else ""
        self.issue("answer-on-heading-row",
                   f"Cell {self.cell_ref(*at)}{column} says {quote(cell_text(value))}, but its row has no "
                   "recommendation number (a section heading, or a row added to the table), so it counts for no "
                   "recommendation. Move it to the row of the recommendation it is about, or delete it.", at, None)

    def note_below_table(self, at: Position, value: Any, cell_text: Callable[[Any], str]) -> None:
        """Text typed under the last recommendation row."""
        self.issue("note-below-table",
                   f"Cell {self.cell_ref(*at)}, below the table, says {quote(cell_text(value))}. It is not read as an "
                   "answer: if it is about a recommendation, put it in that recommendation's evidence cell; if it is "
                   "a note for the facilitator, it can stay.", at, None)

    def duplicate_column(self, key: str, used: Position, copy: Position) -> None:
        """Two columns with the same header: the first is read (find_header_row keeps it), the copy reported."""
        self.issue("duplicate-column",
                   f"Column {_column(self.cell_ref(*copy))} (header cell {self.cell_ref(*copy)}) has the same header as "
                   f"column "
                   f"{_column(self.cell_ref(*used))} ({self.label(key)}): only column {_column(self.cell_ref(*used))} "
                   "is read. Put every answer in that column and delete the copy, or give the copy another header.",
                   copy, None)

    def finish(self) -> None:
        """After the last row: a return in which nothing was answered is reported once (blank-return); dates that
        read either way in a return that writes some dates month first are errors (invalid-date)."""
        if self._month_first is not None:
            for rec_id, key, at, text in self._either_way:
                if self._first_time("invalid-date", at):
                    first, second, year = _day_and_month(text) or (1, 1, 0)
                    day_first = f"{first} {MONTH_NAMES[second - 1]} {year}"
                    month_first = f"{second} {MONTH_NAMES[first - 1]} {year}"
                    self.issue("invalid-date",
                               f"{self.where(rec_id, key, at)} says {quote(text)}, which could be {day_first} or "
                               f"{month_first}: this return also has {quote(self._month_first)}, written month "
                               f"first. Write the month in words ({day_first} or {month_first}).", at, rec_id)
        if not self.answered:
            self.issue("blank-return",
                       f"Nothing has been filled in: every answer cell is blank ({self.label('relevant')} and "
                       f"{self.label('meets')} included), so this return counts as not assessed. Fill in "
                       f"{self.label('relevant')} for each recommendation, and {self.label('meets')} where it "
                       "applies, then send it again.", None, None)


def _column(cell: str) -> str:
    return cell.rstrip("0123456789")


def _not_a_date(text: str, exc: ValueError) -> str:
    """Why a date-shaped text is not a date, in the words of someone who typed it."""
    numbers = re.match(r"^\s*(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*\d{2,4}\s*$", text)
    if numbers and int(numbers.group(3)) > 12 >= int(numbers.group(1)):
        return (f"which is not a date: dates are read day first, and there is no month {int(numbers.group(3))} "
                f"(if you meant {numbers.group(3)}/{numbers.group(1)}, write the day first)")
    if str(exc) != NOT_A_DATE:
        return f"which is not a date ({exc})"  # "the year 1027 is not between 2000 and 2100", "month must be..."
    return "which is not a date"
