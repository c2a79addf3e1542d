"""Merge agency returns into one multi-agency assessment. Pure: no I/O, no Excel.

Per recommendation: each agency's status and answers, and the system status by the roll-up rule
(assessment.system_status) over the agencies whose workbook lists the recommendation.

One deliberate choice where DESIGN.md is silent: a recommendation that *no* returned workbook lists (because no
agency of a sector it concerns has returned) is `not_assessed`, flagged `uncovered`, rather than `not_applicable`
— nobody in the system was asked about it, and a lead must see that as a gap, not as "does not apply".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field, replace
from typing import Iterable

from baseline.assessment import AgencyReturn, Answer, Status, answer_from_row, answer_row, system_status
from baseline.guideline import Guideline
from baseline.issues import Issue, make_issue
from baseline.records import record
from baseline.text import name_key
from baseline.tracker import ReceivedFile, choose_return, common_stamp, duplicate_issue, kept_by


@record(frozen=True)
class AgencySource:
    """Where one agency's answers came from (the merged workbook's `Sources` sheet)."""

    agency: str
    sectors: tuple[str, ...]
    source: str
    sha256: str = ""
    generated_at: str = ""
    completed_by: str = ""
    source_format: str = "baseline"

    @classmethod
    def of(cls, agency_return: AgencyReturn) -> "AgencySource":
        return cls(
            agency=agency_return.agency,
            sectors=tuple(agency_return.sectors),
            source=agency_return.source,
            sha256=agency_return.sha256,
            generated_at=agency_return.generated_at,
            completed_by=agency_return.completed_by,
            source_format=agency_return.source_format,
        )


@record
class RecommendationResult:
    """One recommendation across the merged returns: each agency's answer, in agency order."""

    recommendation: str
    section: str
    answers: dict[str, Answer] = field(default_factory=dict)  # agency -> answer, in agency order

    @property
    def statuses(self) -> dict[str, Status]:
        return {agency: answer.status for agency, answer in self.answers.items()}

    @property
    def uncovered(self) -> bool:
        """No returned workbook listed this recommendation."""
        return not self.answers

    @property
    def status(self) -> Status:
        return self.rolled_up(self.statuses)

    def rolled_up(self, statuses: dict[str, Status]) -> Status:
        """`status` from this result's `statuses` already worked out (summarise needs both)."""
        if self.uncovered:
            return Status.NOT_ASSESSED
        return system_status(statuses.values())


@record
class MultiAgencyAssessment:
    """The returns of several agencies merged: the agencies and one result per recommendation."""

    guideline: Guideline
    agencies: list[AgencySource]
    results: list[RecommendationResult]  # one per recommendation of the encoding, in guideline order
    merged_at: str = ""
    area: str = ""  # the local system assessed (the config's, else the one the returns were generated for)
    round: str = ""  # the round's label, where one was given
    # The date a merged workbook was merged for (its Actions sheet's overdue flags): what `summary` and `report`
    # count overdue against unless told otherwise. None for returns merged on the fly. A reading date, not part of
    # what the agencies answered, so two assessments compare equal whatever it is.
    as_of: dt.date | None = field(default=None, compare=False)

    @property
    def agency_names(self) -> list[str]:
        return [a.agency for a in self.agencies]

    def returns(self) -> list[AgencyReturn]:
        """Back to one AgencyReturn per agency (used to re-issue workbooks with last answers)."""
        out = []
        for source in self.agencies:
            answers = {r.recommendation: r.answers[source.agency] for r in self.results if source.agency in r.answers}
            out.append(AgencyReturn(
                agency=source.agency, guideline=self.guideline.guideline, version=self.guideline.version,
                fingerprint=self.guideline.fingerprint, sectors=list(source.sectors), generated_at=source.generated_at,
                source=source.source, source_format=source.source_format, sha256=source.sha256, answers=answers,
            ))
        return out


agency_key = name_key  # agencies are the same when their names differ only in case or spacing

def select_returns(returns: Iterable[AgencyReturn], *, latest: bool = False,
                   keep: Iterable[str] = ()) -> tuple[list[AgencyReturn], list[Issue]]:
    """One return per agency. Two or more for one agency (a resubmission, "v2 FINAL") is a duplicate-agency error
    showing each file's last-saved time and Completed by, unless `keep` names the one to use (--keep FILE) or
    `latest` picks the one saved last by the files' own last-saved times (tracker.choose_return). `keep` names no
    other agency's files: a name matching none of an agency's files leaves its duplicate undecided."""
    keep = tuple(keep)
    by_agency: dict[str, list[AgencyReturn]] = {}
    for candidate in returns:
        by_agency.setdefault(agency_key(candidate.agency), []).append(candidate)
    chosen: list[AgencyReturn] = []
    issues: list[Issue] = []
    for candidates in by_agency.values():
        if len(candidates) == 1:  # the only one is chosen (tracker.choose_return), without reading who completed it
            chosen.append(candidates[0])
            continue
        received = [ReceivedFile(path=r.source, agency=r.agency, last_saved=r.last_saved, completed_by=r.completed_by)
                    for r in candidates]
        choice = choose_return(received, keep=keep, latest=latest)
        if choice is None:
            issues.append(duplicate_issue(candidates[0].agency, received))
        else:
            chosen.append(candidates[received.index(choice)])
    return chosen, issues


def unused_keeps(paths: Iterable[str], keep: Iterable[str]) -> list[str]:
    """The --keep FILE values that name none of the files read (a typo would otherwise choose nothing quietly)."""
    paths = list(paths)
    return [k for k in keep if not any(kept_by(path, k) for path in paths)]


def check_same_guideline(guideline: Guideline, returns: Iterable[AgencyReturn]) -> list[Issue]:
    issues = []
    expected = (guideline.guideline.upper(), guideline.version, guideline.fingerprint)  # (worked out once, not per return)
    for r in returns:
        if (r.guideline.upper(), r.version, r.fingerprint) != expected:
            issues.append(make_issue(
                "guideline-mismatch",
                f"{r.source} is an assessment of {r.guideline}@{r.version} (fingerprint {r.fingerprint}), but the "
                f"merge is of {guideline.ref} (fingerprint {guideline.fingerprint}). Merge returns of one guideline "
                f"version at a time, or `baseline migrate` the older ones.",
                file=r.source,
            ))
    return issues


def merge_returns(guideline: Guideline, returns: Iterable[AgencyReturn], *, merged_at: dt.datetime | None = None,
                  area: str | None = None, round: str | None = None) -> MultiAgencyAssessment:
    """Combine returns (already one per agency, all of `guideline`, of one area: tracker.area_issues) into the
    multi-agency view. `area` and `round` default to those the returns were generated for.

    Agencies are ordered by name so the result does not depend on the order files were given in.
    """
    ordered = sorted(returns, key=lambda r: agency_key(r.agency))
    results = [RecommendationResult(rec.id, section.id) for section in guideline.sections
               for rec in section.recommendations]
    answers_to = {result.recommendation: result.answers for result in results}
    # Each return's answers in turn (not each recommendation's across the returns: one dict after another in memory),
    # so each recommendation's answers come in agency order.
    for r in ordered:
        agency = r.agency
        for rec_id, answer in r.answers.items():
            answers = answers_to.get(rec_id)  # (None: a recommendation this encoding does not have)
            if answers is not None:
                answers[agency] = answer if not answer.cells else _without_cells(answer)
    stamp = (merged_at or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0).isoformat()
    area = area if area is not None else common_stamp(r.area for r in ordered)
    round = round if round is not None else common_stamp(r.round for r in ordered)
    return MultiAgencyAssessment(guideline, [AgencySource.of(r) for r in ordered], results, stamp, area, round)


def _without_cells(answer: Answer) -> Answer:
    """The answer without the cells it was read from (`Answer.cells`, which place the issues found while reading):
    nothing after the merge uses them, and they are half the memory the answers of a large merge hold. Made from its
    values (answer_from_row: a tenth of dataclasses.replace's cost; the returns this process read itself have them
    all)."""
    return answer_from_row(answer_row(answer)) if answer.cells else answer


def restrict(assessment: MultiAgencyAssessment, *, agencies: Iterable[str] | None = None,
             sections: Iterable[str] | None = None) -> MultiAgencyAssessment:
    """The same assessment seen through filters: some agencies only (system status recomputed over them, and only
    the recommendations those agencies were asked about), some sections only (by section id, e.g. "1.7")."""
    keep_agencies = None if agencies is None else {agency_key(a) for a in agencies}
    keep_sections = None if sections is None else {s.strip() for s in sections}
    kept_sources = [a for a in assessment.agencies if keep_agencies is None or agency_key(a.agency) in keep_agencies]
    names = {a.agency for a in kept_sources}
    results = [
        RecommendationResult(r.recommendation, r.section, {a: ans for a, ans in r.answers.items() if a in names})
        for r in assessment.results
        if (keep_sections is None or r.section in keep_sections)
        and (keep_agencies is None or any(a in names for a in r.answers))
    ]
    return replace(assessment, agencies=kept_sources, results=results)  # area, round, as-of and stamps kept
