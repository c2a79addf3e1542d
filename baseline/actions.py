"""The living action plan: one action per (agency, recommendation), the group's edits carried from merge to merge.

Pure: data in, data out; no paths, no clock (callers pass `today` / `as_of`), no Excel.

DESIGN.md "The merged workbook — and the living action plan": the merged workbook's `All answers` sheet holds what
the returns said; its `Actions` sheet is the group's plan. A *group edit* is a plan value that differs from what the
agency's return said at the same merge. `carry_forward` takes the previous plan, what the returns said at the previous
merge, and the plan built from the new returns, and gives the new plan in which no group edit is lost:

  field edited by the group | return changed it since | result
  --------------------------+-------------------------+--------------------------------------------------------
  no                        | either                  | the return's value (the agency's own update)
  yes                       | no                      | the group's value (carried)
  yes                       | yes, to the same value  | that value (they agree)
  yes                       | yes, to another value   | the return's value; the group's value is reported and
                            |                         | written into Progress notes (overridden)

An action that is no longer in the returns (cleared by its agency, its agency's return not in this merge, or its
recommendation no longer in the encoding) is kept as the group left it, flagged `orphaned`, and noted once.

**Action ID** (`action_id`): `<recommendation>-<AGENCY CODE>`, e.g. `1.7.3-NC-E22BAC` for North CAMHS. The agency
code is the initials of the agency's name followed by six hex digits of a hash of its *normalised* name
(`merge.agency_key`: case and spacing ignored, as agencies are matched). It depends on nothing but the pair, so a
late return renumbers nothing, and two agencies whose names share a prefix or initials still get different codes.
`build_plan` checks uniqueness anyway: a 24-bit clash within one plan is refused with a clear message rather than
two actions silently sharing one ID.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from dataclasses import field, replace
from enum import Enum
from typing import Iterable, Mapping

from baseline.assessment import ActionStatus, Answer, YesNo
from baseline.issues import BaselineError
from baseline.merge import MultiAgencyAssessment, agency_key
from baseline.records import record
from baseline.summary import NO_OWNER, Action

MAX_LINKS = 20  # "Links to other actions" names at most this many, then says how many more
AGENCY_HASH_DIGITS = 6
MAX_INITIALS = 8

ActionKey = tuple[str, str]  # (agency_key(agency), recommendation id)

# The fields the group may edit, in the Actions sheet's column order. "deadline" covers a date or a text deadline.
EDITABLE_FIELDS = ("action", "owner", "deadline", "status", "progress_notes")
# The editable fields a return also says something about (Progress notes are the group's alone).
RETURNED_FIELDS = ("action", "owner", "deadline", "status")
FIELD_LABELS = {"action": "specific action", "owner": "owner", "deadline": "deadline", "status": "status",
                "progress_notes": "progress notes"}
BLANK = "(blank)"


# --- identity ------------------------------------------------------------------------------------------------


def action_key(agency: str, recommendation: str) -> ActionKey:
    return agency_key(agency), recommendation.strip()


def agency_code(agency: str) -> str:
    """`North CAMHS` -> `NC-E22BAC`: the initials of the name's words (a one-word name: its first three letters), then
    six hex digits of a hash of the normalised name that keep names with the same initials apart. Both parts come from
    the normalised name, so a resend that spells the agency in other case or spacing keeps its IDs."""
    name = unicodedata.normalize("NFKD", agency_key(agency)).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", name.replace("'", ""))
    initials = words[0][:3] if len(words) == 1 else "".join(w[0] for w in words)
    initials = initials.upper()[:MAX_INITIALS] or "AG"
    digest = hashlib.sha256(agency_key(agency).encode("utf-8")).hexdigest()[:AGENCY_HASH_DIGITS].upper()
    return f"{initials}-{digest}"


def action_id(agency: str, recommendation: str) -> str:
    """The Action ID of a pair: the same in every merge whatever other returns arrive."""
    return coded_action_id(recommendation, agency_code(agency))


def coded_action_id(recommendation: str, code: str) -> str:
    """action_id with the agency's code already worked out (agency_code hashes and normalises: once per agency)."""
    return f"{recommendation.strip()}-{code}"


# --- the plan row --------------------------------------------------------------------------------------------


class Orphan(str, Enum):
    """Why an action of the previous plan is no longer in the returns (it is kept all the same)."""

    CLEARED = "cleared"  # its agency's return no longer has an action or owner there
    NOT_MERGED = "agency-not-merged"  # its agency's return is not in this merge
    RETIRED = "recommendation-removed"  # its recommendation is not in this version of the encoding


@record(frozen=True, slots=True)  # slots: a national merge holds tens of thousands of rows
class PlanRow:
    """One row of the merged workbook's `Actions` sheet.

    Theme is the section id and Age group the recommendation's population code: the writer shows their labels.
    """

    action_id: str
    section: str
    recommendation: str
    population: str
    agency: str
    action: str = ""
    owner: str = ""
    deadline: dt.date | None = None
    deadline_text: str = ""  # a deadline kept as text ("end of Q4")
    status: ActionStatus | None = None
    risk: bool = False  # the agency answered "Risk if not done?" Yes
    links: tuple[str, ...] = ()  # Action IDs of related actions, at most MAX_LINKS
    more_links: int = 0  # related actions beyond `links`
    progress_notes: str = ""
    last_updated: dt.date | None = None
    orphaned: Orphan | None = None

    @property
    def key(self) -> ActionKey:
        return action_key(self.agency, self.recommendation)

    @property
    def is_open(self) -> bool:
        return self.status is not ActionStatus.COMPLETE

    def is_overdue(self, as_of: dt.date) -> bool:
        """Open with a deadline before `as_of` (DESIGN.md, JSON of `summary`)."""
        return self.is_open and self.deadline is not None and self.deadline < as_of

    @property
    def deadline_shown(self) -> str:
        return self.deadline.strftime("%d/%m/%Y") if self.deadline else self.deadline_text

    @property
    def links_shown(self) -> str:
        shown = ", ".join(self.links)
        return f"{shown} and {self.more_links} more" if self.more_links else shown

    def to_dict(self, as_of: dt.date) -> dict:
        return {
            "action_id": self.action_id,
            "theme": self.section,
            "recommendation": self.recommendation,
            "age_group": self.population,
            "agency": self.agency,
            "action": self.action,
            "owner": self.owner,
            "deadline": self.deadline.isoformat() if self.deadline else (self.deadline_text or None),
            "status": self.status.value if self.status else None,
            "overdue": self.is_overdue(as_of),
            "risk": self.risk,
            "links": list(self.links),
            "more_links": self.more_links,
            "progress_notes": self.progress_notes,
            "last_updated": self.last_updated.isoformat() if self.last_updated else None,
            "orphaned": self.orphaned.value if self.orphaned else None,
        }


@record(frozen=True)
class ReturnedFields:
    """What one agency's return said about one action's editable fields (blank where it said nothing)."""

    action: str = ""
    owner: str = ""
    deadline: dt.date | None = None
    deadline_text: str = ""
    status: ActionStatus | None = None

    @classmethod
    def of(cls, answer: Answer) -> "ReturnedFields":
        return cls(answer.action.strip(), answer.owner.strip(), answer.deadline, answer.deadline_text.strip(),
                   answer.action_status)

    @property
    def is_action(self) -> bool:
        return bool(self.action or self.owner)


def returned_values(assessment: MultiAgencyAssessment) -> dict[ActionKey, ReturnedFields]:
    """What the returns said, per (agency, recommendation) pair they answered: the `previous_return_values` that
    `carry_forward` and `has_group_edits` compare the plan with (a merged workbook's `All answers`)."""
    return {
        action_key(agency, result.recommendation): ReturnedFields.of(answer)
        for result in assessment.results
        for agency, answer in result.answers.items()
    }


def build_plan(assessment: MultiAgencyAssessment, *, last_updated: dt.date | None = None) -> list[PlanRow]:
    """The plan as the returns give it: one row per (agency, recommendation) with an action or an owner, in guideline
    order then agency order, linked; every row's "Last updated" is `last_updated`. (Overdue depends on a date, so
    it is `PlanRow.is_overdue(as_of)`.) Each row is made once, its links worked out before it."""
    populations = {r.id: r.population for r in assessment.guideline.recommendations}
    acting = [(result, agency, answer) for result in assessment.results
              for agency, answer in result.answers.items() if answer.is_action]
    codes = {agency: agency_code(agency) for agency in {agency for _, agency, _ in acting}}  # once per agency
    ids = [coded_action_id(result.recommendation, codes[agency]) for result, agency, _ in acting]
    links = _links([(result.recommendation, agency, answer.action) for result, agency, answer in acting], ids)
    rows = []
    for (result, agency, answer), identity, (linked, more) in zip(acting, ids, links):
        fields = ReturnedFields.of(answer)
        rows.append(PlanRow(
            action_id=identity, section=result.section, recommendation=result.recommendation,
            population=populations.get(result.recommendation, "all"), agency=agency, action=fields.action,
            owner=fields.owner, deadline=fields.deadline, deadline_text=fields.deadline_text, status=fields.status,
            risk=answer.risk is YesNo.YES, links=linked, more_links=more, last_updated=last_updated,
        ))
    check_unique_ids(rows)
    return rows


def check_unique_ids(rows: Iterable[PlanRow]) -> None:
    seen: dict[str, PlanRow] = {}
    for row in rows:
        first = seen.setdefault(row.action_id, row)
        other = first.key if first is not row else None  # keys (names normalised) only where an ID comes back
        if other is not None and other != row.key:
            raise BaselineError(
                f"Two actions would share the Action ID {row.action_id} ({other[0]!r} and {row.key[0]!r} on "
                f"recommendation {row.recommendation}). Rename one of the two agencies slightly and merge again.")


def _squash(text: str) -> str:
    return " ".join(text.split())


def link_actions(rows: list[PlanRow]) -> list[PlanRow]:
    """Fill "Links to other actions": the other actions on the same recommendation, and the same agency's identical
    action on other recommendations (at most MAX_LINKS, then how many more)."""
    links = _links([(row.recommendation, row.agency, row.action) for row in rows], [row.action_id for row in rows])
    return [replace(row, links=linked, more_links=more) for row, (linked, more) in zip(rows, links)]


def _links(rows: list[tuple[str, str, str]], ids: list[str]) -> list[tuple[tuple[str, ...], int]]:
    """For each (recommendation, agency, action) in plan order, whose Action ID is `ids[i]`: the Action IDs it links
    to and how many more. Grouped once, and each row takes at most MAX_LINKS from its groups, so the cost is linear
    in the number of actions however many share a recommendation; rows linking to the same actions share one tuple
    (most rows of a recommendation many agencies act on)."""
    by_recommendation: dict[str, list[int]] = {}
    by_text: dict[tuple[str, str], list[int]] = {}
    texts = []
    for i, (recommendation, agency, action) in enumerate(rows):
        by_recommendation.setdefault(recommendation, []).append(i)
        text = _squash(action).casefold()
        key = (agency_key(agency), text) if text else None
        if key is not None:
            by_text.setdefault(key, []).append(i)
        texts.append(key)
    shared: dict[tuple[int, ...], tuple[str, ...]] = {}
    linked = []
    for i, (recommendation, _, _) in enumerate(rows):
        groups = [by_recommendation[recommendation]]
        if texts[i] is not None:
            groups.append(by_text[texts[i]])
        # The groups meet only at this row (one action per pair), so the others number sum(len) - len(groups).
        total = sum(len(g) for g in groups) - len(groups)
        # Each group is in plan order, so the first MAX_LINKS others of the union lie in each group's first
        # MAX_LINKS + 1 entries.
        first = tuple(sorted({j for g in groups for j in g[:MAX_LINKS + 1] if j != i})[:MAX_LINKS])
        found = shared.get(first)
        if found is None:
            found = shared[first] = tuple(ids[j] for j in first)
        linked.append((found, total - len(found)))
    return linked


# --- carrying the group's edits forward ----------------------------------------------------------------------


def _value(item: PlanRow | ReturnedFields | None, name: str):
    """A field's value in comparable form: text without outer or repeated spaces, a deadline as (date, text)."""
    if item is None:
        return (None, "") if name == "deadline" else (None if name == "status" else "")
    if name == "deadline":
        return (item.deadline, "") if item.deadline else (None, _squash(item.deadline_text))
    if name == "status":
        return item.status
    return _squash(getattr(item, name))


def _shown(item: PlanRow | ReturnedFields | None, name: str) -> str:
    """A field's value as a person reads it in a note or report."""
    if item is None:
        return BLANK
    if name == "deadline":
        text = item.deadline.strftime("%d/%m/%Y") if item.deadline else item.deadline_text.strip()
    elif name == "status":
        text = item.status.value if item.status else ""
    else:
        text = getattr(item, name).strip()
    return text or BLANK


def _take(row: PlanRow, source: PlanRow, name: str) -> PlanRow:
    """`row` with field `name` set from `source` (a deadline moves as date and text together)."""
    if name == "deadline":
        return replace(row, deadline=source.deadline, deadline_text=source.deadline_text)
    return replace(row, **{name: getattr(source, name)})


@record(frozen=True)
class FieldEdit:
    """One group edit: carried into the new plan, or overridden by the agency's new return."""

    action_id: str
    agency: str
    recommendation: str
    field: str
    group_value: str
    return_value: str  # what the return says now

    def to_dict(self) -> dict:
        return {"action_id": self.action_id, "agency": self.agency, "recommendation": self.recommendation,
                "field": self.field, "group_value": self.group_value, "return_value": self.return_value}


@record(frozen=True)
class KeptAction:
    """An action no longer in the returns, kept in the plan as the group left it."""

    action_id: str
    agency: str
    recommendation: str
    reason: Orphan
    newly: bool  # first noticed at this merge (a note was added)

    def to_dict(self) -> dict:
        return {"action_id": self.action_id, "agency": self.agency, "recommendation": self.recommendation,
                "reason": self.reason.value, "newly": self.newly}


@record
class CarryReport:
    """What `merge --update` did to the group's plan: edits carried or overridden, rows kept, restored, added."""

    carried: list[FieldEdit] = field(default_factory=list)
    overridden: list[FieldEdit] = field(default_factory=list)
    kept: list[KeptAction] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)  # Action IDs missing from the previous plan, back from returns
    added: list[str] = field(default_factory=list)  # Action IDs new in this merge

    def to_dict(self) -> dict:
        return {
            "carried": [e.to_dict() for e in self.carried],
            "overridden": [e.to_dict() for e in self.overridden],
            "kept": [k.to_dict() for k in self.kept],
            "restored": self.restored,
            "added": self.added,
        }


def group_edits(row: PlanRow, returned: ReturnedFields | None) -> list[str]:
    """The fields of a plan row the group changed from what the return said (Progress notes: any text)."""
    edited = [name for name in RETURNED_FIELDS if _value(row, name) != _value(returned, name)]
    if row.progress_notes.strip():
        edited.append("progress_notes")
    return edited


def has_group_edits(previous_plan: Iterable[PlanRow],
                    previous_return_values: Mapping[ActionKey, ReturnedFields]) -> bool:
    """Does a merged workbook's plan hold anything a fresh merge would lose? (`merge` then refuses to replace it unless told to carry the edits forward.)"""
    return any(group_edits(row, previous_return_values.get(row.key)) for row in _by_key(previous_plan).values())


def plan_digest(row: PlanRow) -> str:
    """A short fingerprint of a row's editable values as written: a merged workbook keeps one per action, so the
    next merge can tell which actions the group edited since (and date their "Last updated")."""
    values = repr([_value(row, name) for name in EDITABLE_FIELDS])
    return hashlib.sha256(values.encode("utf-8")).hexdigest()[:16]


def stamp_edited(plan: Iterable[PlanRow], written: Mapping[str, str], today: dt.date) -> list[PlanRow]:
    """The plan with `last_updated = today` on each row whose editable values differ from the digest written with
    it (`written`: Action ID -> plan_digest): the group edited it since that merge. Rows without a digest (an older
    workbook, a row the group added) are left as they are."""
    return [replace(row, last_updated=today)
            if row.action_id in written and written[row.action_id] != plan_digest(row) else row
            for row in plan]


def _note(today: dt.date, text: str) -> str:
    return f"[{today.isoformat()}] {text}"


def _append_note(notes: str, line: str) -> str:
    return f"{notes.rstrip()}\n{line}" if notes.strip() else line


@record(frozen=True)
class _NewMerge:
    """What the new merge holds, to tell why an action is no longer in its returns."""

    ref: str = ""
    recommendations: frozenset[str] | None = None
    agencies: frozenset[str] | None = None

    @classmethod
    def of(cls, assessment: MultiAgencyAssessment | None) -> "_NewMerge":
        if assessment is None:
            return cls()
        return cls(assessment.guideline.ref, frozenset(r.recommendation for r in assessment.results),
                   frozenset(agency_key(a) for a in assessment.agency_names))

    def reason(self, row: PlanRow) -> Orphan:
        if self.recommendations is not None and row.recommendation not in self.recommendations:
            return Orphan.RETIRED
        if self.agencies is not None and agency_key(row.agency) not in self.agencies:
            return Orphan.NOT_MERGED
        return Orphan.CLEARED


def mark_orphans(plan: Iterable[PlanRow], assessment: MultiAgencyAssessment,
                 returned: Mapping[ActionKey, ReturnedFields] | None = None) -> list[PlanRow]:
    """A plan read back from a merged workbook, each row marked `orphaned` (and why) when the returns of that merge
    did not have it: what `carry_forward` set when it kept the row (the sheet needs no column for it). `returned`:
    `returned_values(assessment)`, from a reader that kept only those of the answers (`assessment` then gives only
    the guideline and the agencies)."""
    returned = returned_values(assessment) if returned is None else returned
    merge = _NewMerge.of(assessment)
    return [replace(row, orphaned=None if _was_returned(returned.get(row.key)) else merge.reason(row)) for row in plan]


def _orphan_note(row: PlanRow, reason: Orphan, new_merge: _NewMerge) -> str:
    kept = "action kept as the group left it"
    if reason is Orphan.RETIRED:
        return f"Recommendation {row.recommendation} is not in {new_merge.ref}: {kept}."
    if reason is Orphan.NOT_MERGED:
        return f"{row.agency}'s return is not in this merge: {kept}."
    return f"{row.agency}'s return no longer has this action: {kept}."


def _by_key(previous_plan: Iterable[PlanRow]) -> dict[ActionKey, PlanRow]:
    """The previous plan by key; two rows for one pair (a copied row) would lose one, so they are refused."""
    rows: dict[ActionKey, PlanRow] = {}
    for row in previous_plan:
        if row.key in rows:
            raise BaselineError(
                f"The previous action plan has two rows for {row.agency} on recommendation {row.recommendation} "
                f"({row.action_id}). Keep one (move anything worth keeping into its Progress notes) and try again.")
        rows[row.key] = row
    return rows


def carry_forward(previous_plan: Iterable[PlanRow], previous_return_values: Mapping[ActionKey, ReturnedFields],
                  new_plan: Iterable[PlanRow], today: dt.date, *,
                  assessment: MultiAgencyAssessment | None = None) -> tuple[list[PlanRow], CarryReport]:
    """The new plan with every group edit of the previous plan in it (module docstring has the rule).

    `previous_return_values`: what the returns said at the previous merge (`returned_values` of that merge's
    assessment, i.e. its `All answers`). `new_plan`: `build_plan` of the new merge. `assessment` (the new merge)
    only makes the note on a kept action say why it is no longer in the returns.
    """
    report = CarryReport()
    previous = _by_key(previous_plan)
    new_merge = _NewMerge.of(assessment)
    fresh = {row.key: row for row in new_plan}
    out: list[PlanRow] = []
    for key, new_row in fresh.items():
        old_row = previous.get(key)
        if old_row is None:
            row = replace(new_row, last_updated=today)
            before = previous_return_values.get(key)
            if _was_returned(before):  # it was in the plan as written, then deleted from the sheet
                row = replace(row, progress_notes=_note(today, "Back from the agency's return: this row was missing "
                                                                "from the previous plan."))
                report.restored.append(row.action_id)
            else:
                report.added.append(row.action_id)
            out.append(row)
            continue
        out.append(_carry_row(old_row, previous_return_values.get(key), new_row, today, report))
    for key, old_row in previous.items():
        if key not in fresh:
            out.append(_keep_orphan(old_row, previous_return_values.get(key), today, new_merge, report))
    out.sort(key=plan_order)
    check_unique_ids(out)
    return link_actions(out), report


def _carry_row(old_row: PlanRow, before: ReturnedFields | None, new_row: PlanRow, today: dt.date,
               report: CarryReport) -> PlanRow:
    row = replace(new_row, progress_notes=old_row.progress_notes)
    notes = old_row.progress_notes
    for name in RETURNED_FIELDS:
        group, said_then, says_now = _value(old_row, name), _value(before, name), _value(new_row, name)
        if group == said_then:
            continue  # not a group edit: the return's current value stands
        edit = FieldEdit(row.action_id, row.agency, row.recommendation, name, _shown(old_row, name),
                         _shown(new_row, name))
        if says_now == said_then:
            row = _take(row, old_row, name)
            report.carried.append(edit)
        elif says_now != group:  # both changed it, differently: the return wins, the group's value goes in the notes
            notes = _append_note(notes, _note(today, f"Group's {FIELD_LABELS[name]} {edit.group_value} replaced by "
                                                     f"the agency's new return ({edit.return_value})."))
            report.overridden.append(edit)
    if old_row.progress_notes.strip():
        report.carried.append(FieldEdit(row.action_id, row.agency, row.recommendation, "progress_notes",
                                        old_row.progress_notes, BLANK))
    row = replace(row, progress_notes=notes, orphaned=None)
    if not _was_returned(before):  # kept as an orphan (or typed in by the group) at the previous merge
        back = _note(today, "Back in the agency's return.")
        row = replace(row, progress_notes=_append_note(row.progress_notes, back))
    changed = any(_value(row, n) != _value(old_row, n) for n in EDITABLE_FIELDS)
    return replace(row, last_updated=today if changed else old_row.last_updated)


def _keep_orphan(old_row: PlanRow, before: ReturnedFields | None, today: dt.date,
                 new_merge: _NewMerge, report: CarryReport) -> PlanRow:
    reason = new_merge.reason(old_row)
    # Noted once: when the previous merge still had it from the return (an earlier orphan was noted then).
    newly = _was_returned(before)
    row = replace(old_row, action_id=action_id(old_row.agency, old_row.recommendation), orphaned=reason)
    if newly:
        row = replace(row, last_updated=today, progress_notes=_append_note(
            old_row.progress_notes, _note(today, _orphan_note(old_row, reason, new_merge))))
    report.kept.append(KeptAction(row.action_id, row.agency, row.recommendation, reason, newly))
    return row


def _was_returned(before: ReturnedFields | None) -> bool:
    """Did the previous merge's return have this action? (If not, the previous plan kept it as an orphan: this is
    known from what the returns said, so the Actions sheet needs no extra column for it.)"""
    return before is not None and before.is_action


@functools.cache  # a handful of ids, met once per plan row
def _id_order(recommendation: str) -> tuple:
    try:
        return (0, tuple(int(p) for p in recommendation.split(".")))
    except ValueError:
        return (1, (recommendation,))


def plan_order(row: PlanRow) -> tuple:
    """Guideline order (ids ascend within an encoding), then agency order, as `merge_returns` orders them."""
    return _id_order(row.recommendation), agency_key(row.agency)


# --- using the plan ------------------------------------------------------------------------------------------


def risk_first(rows: Iterable[PlanRow]) -> list[PlanRow]:
    """Actions whose agency flagged a risk if not done first, otherwise in the plan's order."""
    return sorted(rows, key=lambda r: not r.risk)


def as_summary_actions(plan: Iterable[PlanRow], as_of: dt.date) -> list[Action]:
    """The plan as `summary.Action`s, so owner loads and overdue counts come from the group's plan."""
    return [
        Action(agency=r.agency, recommendation=r.recommendation, section=r.section, action=r.action, owner=r.owner,
               deadline=r.deadline, deadline_text=r.deadline_text, status=r.status, population=r.population,
               overdue=r.is_overdue(as_of))
        for r in plan
    ]


def owner_name(owner: str) -> str:
    return _squash(owner) or NO_OWNER


@record
class ActionGroup:
    """The actions of one owner (an (agency, owner) pair) or of one agency (owner None)."""

    agency: str
    owner: str | None
    rows: list[PlanRow]
    as_of: dt.date

    @property
    def open(self) -> int:
        return sum(r.is_open for r in self.rows)

    @property
    def overdue(self) -> int:
        return sum(r.is_overdue(self.as_of) for r in self.rows)

    @property
    def earliest_open_deadline(self) -> dt.date | None:
        return min((r.deadline for r in self.rows if r.is_open and r.deadline), default=None)

    @property
    def name(self) -> str:
        return self.agency if self.owner is None else f"{self.owner} ({self.agency})"

    def to_dict(self) -> dict:
        earliest = self.earliest_open_deadline
        return {"agency": self.agency, "owner": self.owner, "actions": len(self.rows), "open": self.open,
                "overdue": self.overdue, "earliest_open_deadline": earliest.isoformat() if earliest else None,
                "items": [r.to_dict(self.as_of) for r in self.rows]}


@record
class ActionList:
    """What `baseline actions` shows: the plan, filtered, grouped by owner or by agency."""

    by: str
    as_of: dt.date
    groups: list[ActionGroup]

    @property
    def rows(self) -> list[PlanRow]:
        return [r for g in self.groups for r in g.rows]

    def to_dict(self) -> dict:
        return {"by": self.by, "as_of": self.as_of.isoformat(), "actions": len(self.rows),
                "groups": [g.to_dict() for g in self.groups]}


GROUPINGS = ("owner", "agency")


def list_plan(plan: Iterable[PlanRow], as_of: dt.date, *, by: str = "owner", agencies: Iterable[str] | None = None,
              owners: Iterable[str] | None = None, overdue: bool = False, risk_first_order: bool = False) -> ActionList:
    """Filter (agency and owner names compared without case or spacing; `overdue` keeps overdue ones only) and
    group the plan. Groups are ordered by agency then owner; rows keep the plan's order (risk first if asked)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, not {by!r}")
    keep_agencies = None if agencies is None else {agency_key(a) for a in agencies}
    keep_owners = None if owners is None else {owner_name(o).casefold() for o in owners}
    groups: dict[tuple[str, str], ActionGroup] = {}
    for row in plan:
        if keep_agencies is not None and agency_key(row.agency) not in keep_agencies:
            continue
        owner = owner_name(row.owner)
        if keep_owners is not None and owner.casefold() not in keep_owners:
            continue
        if overdue and not row.is_overdue(as_of):
            continue
        group_key = (agency_key(row.agency), owner.casefold() if by == "owner" else "")
        group = groups.setdefault(group_key, ActionGroup(row.agency, owner if by == "owner" else None, [], as_of))
        group.rows.append(row)
    ordered = [groups[k] for k in sorted(groups)]
    if risk_first_order:
        for group in ordered:
            group.rows = risk_first(group.rows)
    return ActionList(by, as_of, ordered)
