"""Build AgencyReturns in code for tests of the pure core (no Excel needed)."""

from __future__ import annotations

from pathlib import Path

from baseline.assessment import AgencyReturn, Answer
from baseline.guideline import Guideline, dump_guideline, guideline_data, parse_guideline

# The second encoding version the tests build (never shipped): one recommendation added (no summary: no NICE content
# invented), one removed, one section renamed.
NEXT_VERSION = "2099-01-01"
ADDED, REMOVED, RENAMED = "1.12.7", "1.1.4", "1.2"


def next_version(guideline: Guideline) -> Guideline:
    data = guideline_data(guideline)
    data["version"] = NEXT_VERSION
    sections = {s["id"]: s for s in data["sections"]}
    sections["1.1"]["recommendations"] = [r for r in sections["1.1"]["recommendations"] if r["id"] != REMOVED]
    sections["1.12"]["recommendations"].append({"id": ADDED, "summary": None, "verified": False})
    sections[RENAMED]["title"] = "Renamed in the test version"
    return parse_guideline(data, "<test encoding>")


def install_encoding(root: Path, guideline: Guideline) -> Path:
    """Write an encoding where the catalogue finds it when `root` is on BASELINE_RECOMMENDATIONS."""
    path = root / guideline.guideline.lower() / f"{guideline.version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_guideline(guideline), encoding="utf-8")
    return path


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


def wait_for_file(path: Path) -> None:
    """Until `path` exists (at most a minute): how a test makes this process wait for a forked helper to reach a
    point, so that what the helper does is tested whatever the timing (a helper starts in milliseconds)."""
    import time

    for _ in range(60_000):
        if path.exists():
            return
        time.sleep(0.001)
