"""Validation results (Issue, FileReport, ValidationReport) and the error for a run that cannot go on.

Modelled on frictionless-py: every problem has a stable kebab-case code, a position and a message written for
the person who has to fix it. Problems found in data are *collected* into a report; only a run that cannot go on
raises `BaselineError`.
"""

from __future__ import annotations

from dataclasses import field, replace
from typing import Iterable

from baseline.records import record

ERROR = "error"
WARNING = "warning"

# Every code the tool can emit, with its severity. Codes are part of the public contract: never rename one.
ISSUE_CODES: dict[str, str] = {
    # the file itself
    "skipped-file": WARNING,
    "unreadable-file": ERROR,
    "unsafe-file": ERROR,
    "sheet-too-large": ERROR,
    "encrypted-file": ERROR,
    "not-a-baseline-workbook": ERROR,
    "metadata-mismatch": ERROR,
    "unknown-sector": ERROR,
    "unknown-guideline-version": ERROR,
    "fingerprint-mismatch": ERROR,
    "missing-stamps": WARNING,
    "missing-sheet": ERROR,
    "missing-column": ERROR,
    "duplicate-column": WARNING,
    # rows
    "missing-recommendation": ERROR,
    "unknown-recommendation": ERROR,
    "duplicate-recommendation": ERROR,
    "answer-on-heading-row": WARNING,
    "note-below-table": WARNING,
    # cells
    "invalid-choice": ERROR,
    "invalid-date": ERROR,
    "text-too-long": ERROR,
    "formula-in-input": WARNING,
    "read-as": WARNING,
    # completeness and consistency of answers
    "blank-return": WARNING,
    "meets-missing": WARNING,
    "owner-missing": WARNING,
    "deadline-missing": WARNING,
    "deadline-as-text": WARNING,
    "answer-without-relevance": WARNING,
    "answered-but-not-relevant": WARNING,
    # rounds
    "unchanged-return": WARNING,
    # merging
    "duplicate-agency": ERROR,
    "guideline-mismatch": ERROR,
    "agency-unknown": ERROR,
    # the assessment config (--config, `baseline status`): who was asked, for which area
    "other-area": ERROR,
    "unexpected-agency": ERROR,
    "agency-mismatch": WARNING,
    "missing-agency": WARNING,
}


@record(frozen=True)
class Issue:
    """One problem found in one file, at one place."""

    code: str
    severity: str
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None  # "E23"; shown with the sheet as "Assessment!E23"
    recommendation: str | None = None

    @property
    def position(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "recommendation": self.recommendation,
            "message": self.message,
        }


def make_issue(code: str, message: str, **position) -> Issue:
    """Build an Issue whose severity comes from the code registry, so a code can never change severity by accident."""
    try:
        severity = ISSUE_CODES[code]
    except KeyError:  # a programming error, not a user error
        raise ValueError(f"unknown issue code {code!r}") from None
    return Issue(code=code, severity=severity, message=message, **position)


MAX_ISSUES_PER_CODE = 50  # per file: a sheet of 30,000 made-up rows is one problem, not 30,000 lines to read


def capped(issues: list[Issue]) -> list[Issue]:
    """At most MAX_ISSUES_PER_CODE issues of each code, in order; the rest of a code become one issue saying how
    many more there are (same code, the worst severity among them), so a hostile sheet cannot flood a report."""
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
    if all(n <= MAX_ISSUES_PER_CODE for n in counts.values()):
        return issues
    kept: list[Issue] = []
    shown: dict[str, int] = {}
    dropped: dict[str, list[Issue]] = {}
    for issue in issues:
        if shown.get(issue.code, 0) < MAX_ISSUES_PER_CODE:
            shown[issue.code] = shown.get(issue.code, 0) + 1
            kept.append(issue)
        else:
            dropped.setdefault(issue.code, []).append(issue)
    for code, rest in dropped.items():
        severity = ERROR if any(i.severity == ERROR for i in rest) else WARNING
        kept.append(Issue(code=code, severity=severity, file=rest[0].file, sheet=rest[0].sheet, message=(
            f"…and {len(rest):,} more like the {MAX_ISSUES_PER_CODE} above, not listed one by one. So many problems "
            "of one kind usually mean rows or values were pasted into the sheet by mistake: remove them, save and "
            "send the file again.")))
    return kept


def strict(issues: Iterable[Issue]) -> list[Issue]:
    """`--strict`: every warning becomes an error."""
    return [replace(i, severity=ERROR) for i in issues]


@record
class FileReport:
    """What validating one file found."""

    path: str
    agency: str | None = None
    guideline: str | None = None
    version: str | None = None
    issues: list[Issue] = field(default_factory=list)
    skipped: bool = False  # not a return (a document, a nested folder): listed with skipped-file, never read

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def valid(self) -> bool:
        """A return read without an error (a skipped file is not a return, so never valid)."""
        return not self.errors and not self.skipped

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "valid": self.valid,
            "skipped": self.skipped,
            "agency": self.agency,
            "guideline": self.guideline,
            "version": self.version,
            "issues": [i.to_dict() for i in self.issues],
        }


@record
class ValidationReport:
    """What validating a set of files found: one FileReport per file, and the issues about the set as a whole."""

    files: list[FileReport] = field(default_factory=list)
    # Issues about the set of files rather than one of them (with --config: an agency with no return)
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """No error anywhere (files, or the report-level issues of --config): skipped files block nothing."""
        return not any(f.errors for f in self.files) and not any(i.severity == ERROR for i in self.issues)

    @property
    def returns(self) -> list[FileReport]:
        """The files that are returns (read, or that failed to be): everything but the skipped ones."""
        return [f for f in self.files if not f.skipped]

    @property
    def skipped(self) -> list[FileReport]:
        return [f for f in self.files if f.skipped]

    def to_dict(self) -> dict:
        return {"files": [f.to_dict() for f in self.files], "issues": [i.to_dict() for i in self.issues]}


@record(frozen=True)
class Problem:
    """A problem in a YAML file (recommendations or assessment config): file + YAML path + reason."""

    file: str
    path: str  # e.g. "sections[2].recommendations[0].id"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class BaselineError(Exception):
    """A run that cannot go on (unknown guideline, bad config, refused overwrite...).

    `problems` carries every problem found, so the user can fix them all at once.
    """

    def __init__(self, message: str, problems: Iterable[Problem] = ()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join([self.message, *(f"  {p}" for p in self.problems)])
