"""Build AgencyReturns in code for tests of the pure core (no Excel needed)."""

from __future__ import annotations

from baseline.assessment import AgencyReturn, Answer
from baseline.guideline import Guideline


def make_return(guideline: Guideline, agency: str, answers: dict[str, Answer] | None = None, *,
                sectors: list[str] | None = None, generated_at: str = "2026-11-01T09:00:00+00:00",
                source: str | None = None) -> AgencyReturn:
    """A return listing every recommendation that applies to `sectors` (default: all), blank unless given."""
    sectors = sectors or ["commissioning"]
    listed = guideline.recommendations_for(sectors) if sectors != ["*"] else guideline.recommendations
    answers = answers or {}
    return AgencyReturn(
        agency=agency, guideline=guideline.guideline, version=guideline.version, fingerprint=guideline.fingerprint,
        sectors=sectors, generated_at=generated_at, source=source or f"{agency}.xlsx",
        answers={r.id: answers.get(r.id, Answer(r.id)) for r in listed},
    )
