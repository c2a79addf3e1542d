"""Rounds and versions: compare two assessments, migrate answers and actions between encodings, prefill.

Pure: data in, data out; no paths, no clock, no Excel (DESIGN.md "Rounds and versions").

- `compare`: per recommendation old -> new system status and its change; per section and per agency the counts then
  and now; the plan's actions closed, new, still open and still overdue. `Comparison.to_dict()` is the JSON of
  `baseline compare`. Both assessments must be of one guideline version (else: `baseline migrate` first).
- `migrate_return` / `migrate_assessment` / `migrate_plan`: answers and actions follow the recommendation id, so a
  renamed section or a recommendation moved to another section loses nothing; recommendations new in the target
  version get blank answers and are flagged; answers and actions of recommendations the target version no longer has
  are listed in the report (for a "Removed" sheet), never dropped silently. There and back loses nothing both
  versions share.
- `prefill_returns` / `answers_digest`: the answers to re-issue each agency's workbook with, and the fingerprint of
  them that tells a prefilled workbook returned untouched (`unchanged-return`; the digest lives in digest.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field, replace
from typing import Iterable, Mapping

from baseline.actions import PlanRow, action_key, link_actions
from baseline.assessment import AgencyReturn, Answer, Status, count_statuses
from baseline.digest import answer_to_dict, answers_digest, unchanged_return  # noqa: F401 - re-exported
from baseline.guideline import Guideline, diff_guidelines
from baseline.issues import BaselineError
from baseline.merge import MultiAgencyAssessment, RecommendationResult, agency_key
from baseline.records import record

# --- compare -------------------------------------------------------------------------------------------------

# Better to worse for `improved` / `worse`; not_applicable is outside the scale (a change to or from it is `scope`).
PROGRESS_ORDER = (Status.MET, Status.PARTIALLY_MET, Status.NOT_MET, Status.NOT_ASSESSED)
_RANK = {status: len(PROGRESS_ORDER) - i for i, status in enumerate(PROGRESS_ORDER)}
CHANGES = ("improved", "worse", "same", "new", "removed", "scope")


def status_change(old: Status | None, new: Status | None) -> str:
    """`new`/`removed` when the recommendation is on one side only; `same` when the status is unchanged; `scope` when
    either side is not_applicable; otherwise `improved` or `worse` in the order met > partially_met > not_met >
    not_assessed."""
    if old is None:
        return "new"
    if new is None:
        return "removed"
    if old is new:
        return "same"
    if Status.NOT_APPLICABLE in (old, new):
        return "scope"
    return "improved" if _RANK[new] > _RANK[old] else "worse"


@record(frozen=True)
class RoundInfo:
    """Which merge one side of a comparison is (from the merged workbook's stamps)."""

    area: str = ""
    round: str = ""
    merged_at: str = ""
    as_of: dt.date | None = None  # the date overdue was judged at

    def to_dict(self) -> dict:
        """Unknown values are null (as in every JSON output), never ""."""
        return {"area": self.area or None, "round": self.round or None, "merged_at": self.merged_at or None,
                "as_of": self.as_of.isoformat() if self.as_of else None}


@record(frozen=True)
class RecommendationChange:
    """One recommendation's system status in two rounds (`compare`)."""

    recommendation: str
    section: str
    old: Status | None  # None: not in that assessment
    new: Status | None

    @property
    def change(self) -> str:
        return status_change(self.old, self.new)

    def to_dict(self) -> dict:
        return {"recommendation": self.recommendation, "old": self.old.value if self.old else None,
                "new": self.new.value if self.new else None, "change": self.change}


@record
class ActionChanges:
    """Action IDs, by what happened to them between the two plans."""

    closed: list[str] = field(default_factory=list)  # open then, Complete now
    new: list[str] = field(default_factory=list)  # in the new plan only
    still_open: list[str] = field(default_factory=list)  # open then and now
    still_overdue: list[str] = field(default_factory=list)  # overdue then (at the old as-of) and now
    dropped: list[str] = field(default_factory=list)  # open then, no longer in the new plan at all

    def to_dict(self) -> dict:
        return {"closed": len(self.closed), "new": len(self.new), "still_open": len(self.still_open),
                "still_overdue": len(self.still_overdue), "dropped": len(self.dropped)}


@record
class Comparison:
    """Two rounds of the assessment side by side (`baseline compare`): statuses, agencies and actions."""

    old: RoundInfo
    new: RoundInfo
    guideline: str  # GUIDELINE@VERSION both sides share
    recommendations: list[RecommendationChange]
    sections: list[dict]  # {"id", "title", "old": counts, "new": counts}
    agencies: list[dict]  # {"agency", "old": counts | None, "new": counts | None} (None: not in that round)
    actions: ActionChanges
    notes: list[str] = field(default_factory=list)  # for the facilitator (stderr), not part of the JSON

    @property
    def agencies_only_old(self) -> list[str]:
        """Agencies in the old round and not the new one: the two rounds' totals do not cover the same agencies."""
        return [a["agency"] for a in self.agencies if a["new"] is None]

    @property
    def agencies_only_new(self) -> list[str]:
        return [a["agency"] for a in self.agencies if a["old"] is None]

    @property
    def change_counts(self) -> dict[str, int]:
        counts = {c: 0 for c in CHANGES}
        for rec in self.recommendations:
            counts[rec.change] += 1
        return counts

    def to_dict(self) -> dict:
        """Exactly the JSON of `baseline compare --format json` (DESIGN.md)."""
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "recommendations": [r.to_dict() for r in self.recommendations],
            "sections": [{"id": s["id"], "old": s["old"], "new": s["new"]} for s in self.sections],
            "agencies": [{"agency": a["agency"], "old": a["old"], "new": a["new"]} for a in self.agencies],
            "actions": self.actions.to_dict(),
        }


def check_same_version(old: Guideline, new: Guideline, *, old_name: str = "OLD.xlsx",
                       new_name: str = "NEW.xlsx") -> None:
    """Two assessments can be compared only on one encoding: otherwise say how to move the older one across."""
    if (old.guideline.upper(), old.version, old.fingerprint) == (new.guideline.upper(), new.version, new.fingerprint):
        return
    if old.guideline.upper() != new.guideline.upper():
        raise BaselineError(f"{old_name} is an assessment of {old.guideline} and {new_name} of {new.guideline}: "
                            f"only two assessments of the same guideline can be compared.")
    if old.version == new.version:
        raise BaselineError(f"{old_name} and {new_name} are both of {old.ref} but their recommendation lists differ "
                            f"(fingerprints {old.fingerprint} and {new.fingerprint}): merge both with the same encoding.")
    older, newer, target = (old_name, new_name, new) if old.version < new.version else (new_name, old_name, old)
    raise BaselineError(
        f"{old_name} is of {old.ref} and {new_name} of {new.ref}: compare needs one version. Move the older one "
        f"across first: baseline migrate {older} --to {target.ref} -o {_migrated_name(older, target)} "
        f"and compare that with {newer}.")


def _migrated_name(name: str, target: Guideline) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{target.version}.{suffix}" if dot else f"{name}-{target.version}"


def compare(old: MultiAgencyAssessment, new: MultiAgencyAssessment, old_plan: Iterable[PlanRow],
            new_plan: Iterable[PlanRow], *, old_meta: RoundInfo, new_meta: RoundInfo,
            old_name: str = "OLD.xlsx", new_name: str = "NEW.xlsx") -> Comparison:
    """What changed between two rounds (plans: each merged workbook's `Actions`, the group's plan)."""
    check_same_version(old.guideline, new.guideline, old_name=old_name, new_name=new_name)
    old_results = {r.recommendation: r for r in old.results}
    new_results = {r.recommendation: r for r in new.results}
    order = [r.id for r in new.guideline.recommendations] + list(old_results) + list(new_results)
    recommendations = []
    for rec in dict.fromkeys(order):
        before, after = old_results.get(rec), new_results.get(rec)
        then, now = _covered_status(before), _covered_status(after)
        if then is None and now is None:
            continue  # filtered out of both, or no agency was asked about it in either round: not "new"
        recommendations.append(RecommendationChange(rec, (after or before).section, then, now))
    return Comparison(
        old=old_meta, new=new_meta, guideline=new.guideline.ref, recommendations=recommendations,
        sections=_section_counts(old, new), agencies=_agency_counts(old, new),
        actions=compare_plans(old_plan, new_plan, old_as_of=old_meta.as_of, new_as_of=new_meta.as_of),
    )


def _covered_status(result: RecommendationResult | None) -> Status | None:
    """A recommendation no agency was asked about (uncovered) was not part of that round: new/removed, not a status."""
    return None if result is None or result.uncovered else result.status


def _section_counts(old: MultiAgencyAssessment, new: MultiAgencyAssessment) -> list[dict]:
    def by_section(assessment: MultiAgencyAssessment) -> dict[str, list[Status]]:
        out: dict[str, list[Status]] = {}
        for result in assessment.results:
            out.setdefault(result.section, []).append(result.status)
        return out

    then, now = by_section(old), by_section(new)
    titles = {s.id: s.title for s in new.guideline.sections}
    ids = [s.id for s in new.guideline.sections] + [s for s in then if s not in titles]
    return [{"id": sid, "title": titles.get(sid), "old": count_statuses(then.get(sid, ())),
             "new": count_statuses(now.get(sid, ()))} for sid in ids]


def _agency_counts(old: MultiAgencyAssessment, new: MultiAgencyAssessment) -> list[dict]:
    def by_agency(assessment: MultiAgencyAssessment) -> dict[str, tuple[str, list[Status]]]:
        out = {agency_key(a): (a, []) for a in assessment.agency_names}
        for result in assessment.results:
            for agency, answer in result.answers.items():
                out[agency_key(agency)][1].append(answer.status)
        return out

    then, now = by_agency(old), by_agency(new)
    return [{"agency": (now.get(k) or then[k])[0],
             "old": count_statuses(then[k][1]) if k in then else None,
             "new": count_statuses(now[k][1]) if k in now else None} for k in sorted({*then, *now})]


def compare_plans(old_plan: Iterable[PlanRow], new_plan: Iterable[PlanRow], *, old_as_of: dt.date | None,
                  new_as_of: dt.date | None) -> ActionChanges:
    """Actions matched by (agency, recommendation). Overdue is judged at each round's own as-of date. An action open
    in the old plan and missing from the new one is `dropped`, never silently left out."""
    before = {row.key: row for row in old_plan}
    new_plan = list(new_plan)
    changes = ActionChanges()
    now_keys = {row.key for row in new_plan}
    changes.dropped = [row.action_id for key, row in before.items() if key not in now_keys and row.is_open]
    for row in new_plan:
        then = before.get(row.key)
        if then is None:
            changes.new.append(row.action_id)
        elif then.is_open and not row.is_open:
            changes.closed.append(row.action_id)
        elif then.is_open and row.is_open:
            changes.still_open.append(row.action_id)
            if (old_as_of and new_as_of and then.is_overdue(old_as_of) and row.is_overdue(new_as_of)):
                changes.still_overdue.append(row.action_id)
    return changes


# --- migrate -------------------------------------------------------------------------------------------------


@record(frozen=True)
class RemovedAnswer:
    """An answer to a recommendation the target version no longer has: kept in the report, not in the output."""

    agency: str
    recommendation: str
    section: str
    answer: Answer

    def to_dict(self) -> dict:
        return {"agency": self.agency, "recommendation": self.recommendation, "section": self.section,
                "status": self.answer.status.value, "answer": answer_to_dict(self.answer)}


@record
class MigrationReport:
    """What `baseline migrate` did to the answers: kept, added, blanked, moved or removed."""

    old: str  # GUIDELINE@VERSION
    new: str
    kept: int = 0  # answers carried across
    added: list[str] = field(default_factory=list)  # recommendations new in the target version (blank, to answer)
    blank: list[tuple[str, str]] = field(default_factory=list)  # (agency, recommendation) given a blank answer
    # (agency, recommendation) kept although the target version no longer gives it to the agency's sectors: a
    # workbook written from the migrated answers must still list it, or the answer would be lost
    unlisted: list[tuple[str, str]] = field(default_factory=list)
    removed: list[RemovedAnswer] = field(default_factory=list)
    removed_actions: list[PlanRow] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)  # {"recommendation", "old_section", "new_section"}
    sections_renamed: list[dict] = field(default_factory=list)  # {"id", "old_title", "new_title"}

    def to_dict(self) -> dict:
        return {
            "old": self.old,
            "new": self.new,
            "kept": self.kept,
            "added": self.added,
            "blank": [{"agency": a, "recommendation": r} for a, r in self.blank],
            "unlisted": [{"agency": a, "recommendation": r} for a, r in self.unlisted],
            "removed": [r.to_dict() for r in self.removed],
            "removed_actions": [{"action_id": r.action_id, "agency": r.agency, "recommendation": r.recommendation,
                                 "action": r.action, "owner": r.owner, "deadline": r.deadline_shown or None,
                                 "status": r.status.value if r.status else None,
                                 "progress_notes": r.progress_notes} for r in self.removed_actions],
            "moved": self.moved,
            "sections_renamed": self.sections_renamed,
        }


def _check_migration(guideline: str, version: str, old: Guideline, new: Guideline, what: str) -> None:
    if (guideline.upper(), version) != (old.guideline.upper(), old.version):
        raise BaselineError(f"{what} is of {guideline}@{version}, not {old.ref}.")
    if old.guideline.upper() != new.guideline.upper():
        raise BaselineError(f"Cannot migrate {what} from {old.guideline} to {new.guideline}: migrate moves answers "
                            f"between versions of one guideline.")


def _new_report(old: Guideline, new: Guideline) -> MigrationReport:
    diff = diff_guidelines(old, new)
    old_sections = {s.id: s.title for s in old.sections}
    return MigrationReport(
        old=old.ref, new=new.ref, added=list(diff.added),
        # a valid encoding never moves a recommendation (guideline.diff_guidelines): no test can reach this
        moved=[{"recommendation": c["id"], "old_section": c["fields"]["section"][0],  # pragma: no mutate
                "new_section": c["fields"]["section"][1]} for c in diff.changed if "section" in c["fields"]],  # pragma: no mutate
        sections_renamed=[{"id": s.id, "old_title": old_sections[s.id], "new_title": s.title}
                          for s in new.sections if s.id in old_sections and old_sections[s.id] != s.title],
    )


def _migrate_answers(agency: str, sectors: list[str], answers: Mapping[str, Answer], old: Guideline,
                     new: Guideline, report: MigrationReport) -> dict[str, Answer]:
    """Answers in the target version's order: kept by id; blank for a recommendation the agency is now asked about
    (by its sectors; without sectors, those new in the target version); the rest into `report.removed`."""
    old_ids = {r.id for r in old.recommendations}
    old_sections = {r.id: s.id for s in old.sections for r in s.recommendations}
    out: dict[str, Answer] = {}
    for rec in new.recommendations:
        if rec.id in answers:
            out[rec.id] = answers[rec.id]
            report.kept += 1
            if sectors and not new.applies_to(rec, sectors):
                report.unlisted.append((agency, rec.id))
        elif new.applies_to(rec, sectors) if sectors else rec.id not in old_ids:
            out[rec.id] = Answer(rec.id)
            report.blank.append((agency, rec.id))
    for rec_id, answer in answers.items():
        if rec_id not in out:
            report.removed.append(RemovedAnswer(agency, rec_id, old_sections.get(rec_id, ""), answer))
    return out


def migrate_return(agency_return: AgencyReturn, old_guideline: Guideline,
                   new_guideline: Guideline) -> tuple[AgencyReturn, MigrationReport]:
    """One agency's return moved to another version of its guideline."""
    _check_migration(agency_return.guideline, agency_return.version, old_guideline, new_guideline,
                     agency_return.source or agency_return.agency)
    report = _new_report(old_guideline, new_guideline)
    answers = _migrate_answers(agency_return.agency, agency_return.sectors, agency_return.answers, old_guideline,
                               new_guideline, report)
    migrated = replace(agency_return, guideline=new_guideline.guideline, version=new_guideline.version,
                       fingerprint=new_guideline.fingerprint, answers=answers)
    return migrated, report


def migrate_assessment(assessment: MultiAgencyAssessment, new_guideline: Guideline,
                       plan: Iterable[PlanRow] = ()) -> tuple[MultiAgencyAssessment, list[PlanRow], MigrationReport]:
    """A merged workbook moved to another version: its answers (All answers) and its plan (Actions)."""
    old = assessment.guideline
    _check_migration(old.guideline, old.version, old, new_guideline, "the merged assessment")
    report = _new_report(old, new_guideline)
    migrated: dict[str, dict[str, Answer]] = {}
    for source in assessment.agencies:
        answers = {r.recommendation: r.answers[source.agency] for r in assessment.results if source.agency in r.answers}
        migrated[source.agency] = _migrate_answers(source.agency, list(source.sectors), answers, old, new_guideline,
                                                   report)
    results = [
        RecommendationResult(rec.id, section.id, {a: migrated[a][rec.id] for a in migrated if rec.id in migrated[a]})
        for section in new_guideline.sections for rec in section.recommendations
    ]
    new_assessment = MultiAgencyAssessment(new_guideline, list(assessment.agencies), results, assessment.merged_at,
                                           area=assessment.area, round=assessment.round,  # the same area's round
                                           as_of=assessment.as_of)
    new_plan = _migrate_plan_rows(plan, new_guideline, report)
    return new_assessment, new_plan, report


def migrate_plan(plan: Iterable[PlanRow], old_guideline: Guideline,
                 new_guideline: Guideline) -> tuple[list[PlanRow], MigrationReport]:
    """The group's plan moved to another version: every row kept by recommendation id (its Theme and Age group
    follow the target version); rows of recommendations the target no longer has go to `report.removed_actions`."""
    report = _new_report(old_guideline, new_guideline)
    return _migrate_plan_rows(plan, new_guideline, report), report


def _migrate_plan_rows(plan: Iterable[PlanRow], new: Guideline, report: MigrationReport) -> list[PlanRow]:
    where = {r.id: (s.id, r.population) for s in new.sections for r in s.recommendations}
    kept = []
    for row in plan:
        if row.recommendation in where:
            section, population = where[row.recommendation]
            kept.append(replace(row, section=section, population=population))
        else:
            report.removed_actions.append(row)
    return link_actions(kept)


# --- prefill -------------------------------------------------------------------------------------------------


def prefill_returns(assessment: MultiAgencyAssessment, plan: Iterable[PlanRow]) -> list[AgencyReturn]:
    """Each agency's last answers, with the group's latest action values (the plan: Specific action, Owner, Deadline,
    Status) in place of what the return said, to re-issue its workbook for the next round. A plan row for a
    recommendation the agency's workbook does not list (or an agency not in the assessment) has nowhere to go.
    Completed by is left blank: the workbook asks whoever reviews this round's answers to put their name there."""
    by_key = {row.key: row for row in plan}
    out = []
    for agency_return in assessment.returns():
        answers = {}
        for rec_id, answer in agency_return.answers.items():
            row = by_key.get(action_key(agency_return.agency, rec_id))
            answer = replace(answer, completed_by="")
            answers[rec_id] = answer if row is None else replace(
                answer, action=row.action, owner=row.owner, deadline=row.deadline, deadline_text=row.deadline_text,
                action_status=row.status)
        out.append(replace(agency_return, answers=answers))
    return out
