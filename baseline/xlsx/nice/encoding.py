"""NICE's tool and our encodings: import a tool as a recommendation YAML (`recs import`), and compare an
encoding with a tool (`recs verify`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from pathlib import Path
from typing import Any

from baseline import catalogue
from baseline.files import atomic_write
from baseline.guideline import KEEP_LOCAL, Guideline, dump_guideline, parse_guideline
from baseline.issues import BaselineError
from baseline.records import record
from baseline.xlsx.nice.layout import normalise_text
from baseline.xlsx.nice.structure import NiceBat, read_bat


@record
class ImportResult:
    """What `recs import` built from NICE's tool: the encoding, where it went, and notes."""

    guideline: Guideline
    output: Path | None
    base: str | None  # the encoding summaries and sectors came from, e.g. "NG225@2022-09-07"
    reused_summaries: int
    base_only: list[str]  # ids of the base encoding that NICE's tool does not have
    notes: list[str]

    @property
    def sections(self) -> int:
        return len(self.guideline.sections)

    @property
    def recommendations(self) -> int:
        return len(self.guideline.recommendations)


def bat_to_guideline(bat: NiceBat, version: str | None = None, base: Guideline | None = None,
                     vocabulary: dict[str, str] | None = None, file: str = "<import>") -> Guideline:
    """Our recommendation model from NICE's tool: ids, headings and text from NICE; summaries, sectors, population
    and quality statements from `base` (our own encoding of the same guideline) where the ids match.

    Every id comes from NICE's tool, so every recommendation is `verified`, and every section and the guideline
    are `complete` (the tool lists them all).
    """
    problems = []
    if bat.duplicates:
        problems += [f"recommendation {i} appears twice (rows {first} and {row})" for i, row, first in bat.duplicates]
    if not bat.guideline:
        problems.append("the guideline number was not found: the Introduction sheet's first cell should read "
                        "'Baseline assessment tool for … (NGxxx)'")
    if not bat.sections:
        problems.append("no recommendations were found")
    untitled = [s.id for s in bat.sections if not s.title]
    if untitled:
        problems.append(f"no heading row was found for section(s) {', '.join(untitled)}")
    version = version or bat.version
    if not version:
        problems.append("no Published or Updated date was found on the Introduction sheet: give --version YYYY-MM-DD")
    if problems:
        raise BaselineError(f"{bat.path} cannot be imported:\n  " + "\n  ".join(problems))

    base_recs = {r.id: r for r in base.recommendations} if base is not None else {}
    base_sections = {s.id: s for s in base.sections} if base is not None else {}
    sectors = dict(base.sectors) if base is not None else dict(vocabulary or {})
    sections = []
    for section in bat.sections:
        recommendations = []
        for rec in section.recommendations:
            known = base_recs.get(rec.id)
            entry: dict[str, Any] = {"id": rec.id, "summary": known.summary if known else None, "text": rec.text}
            if known is not None:
                entry.update(sectors=known.sectors, population=known.population,
                             quality_statements=list(known.quality_statements))
            entry["year"] = rec.year or (known.year if known else None)
            entry["verified"] = True
            recommendations.append(entry)
        data: dict[str, Any] = {"id": section.id, "title": section.title, "complete": True}
        if section.id in base_sections:
            data["sectors"] = list(base_sections[section.id].sectors)
        if section.subsections:
            data["subsections"] = [{"title": s.title, "recommendations": s.recommendations} for s in section.subsections]
        data["recommendations"] = recommendations
        sections.append(data)
    data = {
        "schema": 1,
        "guideline": bat.guideline,
        "title": bat.title or (base.title if base is not None else bat.guideline),
        "version": version,
        "published": bat.published or version,
        "updated": bat.updated,
        "source": f"https://www.nice.org.uk/guidance/{bat.guideline.lower()}",
        "complete": True,
        "notes": f"Imported from NICE's baseline assessment tool ({Path(bat.path).name}) by `baseline recs import`. "
                 + KEEP_LOCAL,
        "sectors": sectors,
        "sections": sections,
    }
    return parse_guideline(data, file)


def _base_encoding(guideline_id: str | None) -> tuple[Guideline | None, dict[str, str]]:
    """Our newest encoding of the same guideline (for summaries and sectors), and a sector vocabulary to fall
    back on when there is none."""
    base = None
    if guideline_id:
        try:
            base = catalogue.load(guideline_id)
        except BaselineError:
            base = None
    vocabulary: dict[str, str] = {}
    if base is None:
        for entry in catalogue.entries():
            try:
                vocabulary = dict(catalogue.load(str(entry.path)).sectors)
                break
            except BaselineError:
                continue
    return base, vocabulary


def import_bat(path: Path | str, output: Path | str | None, version: str | None = None, force: bool = False,
               base: Guideline | None | bool = True) -> ImportResult:
    """`recs import`: read NICE's tool, build our YAML, check it with the loader, write it atomically.

    `base=True` takes summaries and sectors from our newest encoding of the same guideline; pass a Guideline to
    choose one, or None for none. `output=None` builds and checks without writing.
    """
    if version is not None:
        try:
            version = dt.date.fromisoformat(version).isoformat()
        except ValueError:
            raise BaselineError(f"--version {version!r} is not a date in the form YYYY-MM-DD") from None
    bat = read_bat(path)
    vocabulary: dict[str, str] = {}
    if base is True:
        base, vocabulary = _base_encoding(bat.guideline)
    elif base is False:
        base = None
    target = Path(output) if output is not None else None
    guideline = bat_to_guideline(bat, version, base, vocabulary, str(target or path))
    notes = list(bat.notes)
    if base is not None and base.guideline != guideline.guideline:
        raise BaselineError(f"the base encoding is {base.guideline} but NICE's tool is for {guideline.guideline}")
    bat_ids = set(bat.ids)
    base_only = [r.id for r in base.recommendations if r.id not in bat_ids] if base is not None else []
    reused = sum(1 for r in guideline.recommendations if r.summary is not None)
    if target is not None:
        text = _yaml_header(guideline, Path(path).name) + dump_guideline(guideline)
        atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=force, inputs=(Path(path),),
                     make_parents=True)  # e.g. ~/baseline-recs/ng225/, as the README suggests
    return ImportResult(guideline, target, base.ref if base is not None else None, reused, base_only, notes)


def _yaml_header(guideline: Guideline, source_name: str) -> str:
    return (
        f"# {guideline.guideline} {guideline.version}, imported by `baseline recs import` from NICE's baseline assessment\n"
        f"# tool ({source_name}) on {dt.date.today().isoformat()}.\n"
        "# It holds NICE's full recommendation text (© NICE): keep it on your own machine; do not commit it to a\n"
        "# public repository or share it publicly. Summaries and sectors come from baseline's own encoding.\n"
    )


def _comparable(text: str | None) -> str:
    text = normalise_text(text or "").casefold()
    for fancy, plain in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", "-")):
        text = text.replace(fancy, plain)
    return " ".join(text.split()).rstrip(".:")


@record
class VerifyResult:
    """How an encoding differs from NICE's tool (`recs verify`): ids, sections, headings and text."""

    encoding: str  # "NG225@2022-09-07"
    against: str  # the BAT's path
    guideline: dict[str, str | None]  # {"encoding": "NG225", "nice": "NG225"}
    version: dict[str, str | None]  # {"encoding": …, "nice": updated or published}
    missing: list[str]  # in NICE's tool, not in the encoding
    extra: list[str]  # in the encoding, not in NICE's tool
    sections_missing: list[str]
    sections_extra: list[str]
    headings: list[dict]  # [{"section", "encoding", "nice"}] where the section heading differs
    text_differs: list[str]  # ids whose imported text no longer matches NICE's
    notes: list[str] = field(default_factory=list)

    @property
    def guideline_differs(self) -> bool:
        return bool(self.guideline["nice"]) and self.guideline["encoding"] != self.guideline["nice"]

    @property
    def version_differs(self) -> bool:
        return bool(self.version["nice"]) and self.version["encoding"] != self.version["nice"]

    @property
    def identical(self) -> bool:
        return not (self.guideline_differs or self.version_differs or self.missing or self.extra
                    or self.sections_missing or self.sections_extra or self.headings or self.text_differs)

    def to_dict(self) -> dict:
        return {
            "encoding": self.encoding,
            "against": self.against,
            "identical": self.identical,
            "guideline": self.guideline,
            "version": self.version,
            "recommendations": {"missing": self.missing, "extra": self.extra, "text_differs": self.text_differs},
            "sections": {"missing": self.sections_missing, "extra": self.sections_extra, "headings": self.headings},
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        """The result as plain text lines for the terminal."""
        out = [f"{self.encoding} against NICE's tool {self.against}"]
        if self.guideline_differs:
            out.append(f"Guideline differs: encoding {self.guideline['encoding']}, NICE's tool {self.guideline['nice']}")
        if self.version_differs:
            out.append(f"Version differs: encoding {self.version['encoding']}, NICE's tool {self.version['nice']} "
                       "(its Updated, else Published, date)")
        for label, ids in (
            ("Missing from the encoding (in NICE's tool)", self.missing),
            ("Extra in the encoding (not in NICE's tool)", self.extra),
            ("Sections missing from the encoding", self.sections_missing),
            ("Sections extra in the encoding", self.sections_extra),
            ("Text differs from NICE's", self.text_differs),
        ):
            if ids:
                out.append(f"{label} ({len(ids)}): {', '.join(ids)}")
        if self.headings:
            out.append(f"Section headings that differ ({len(self.headings)}):")
            for h in self.headings:
                mine = h["encoding"] if h["encoding"] is not None else "(none)"
                out.append(f"  {h['section']}: encoding {mine!r}; NICE {h['nice']!r}")
        if self.identical:
            out.append("No differences: the encoding lists exactly the recommendations and headings of NICE's tool.")
        return out


def verify_guideline(guideline: Guideline, bat: NiceBat) -> VerifyResult:
    """Which recommendation numbers are missing or extra, which section headings differ (pure: no I/O)."""
    ours = [r.id for r in guideline.recommendations]
    nice = bat.ids
    our_ids, nice_ids = set(ours), set(nice)
    our_sections = {s.id: s for s in guideline.sections}
    nice_sections = {s.id: s for s in bat.sections}
    headings = [
        {"section": sid, "encoding": our_sections[sid].title, "nice": section.title}
        for sid, section in nice_sections.items()
        if sid in our_sections and section.title and _comparable(our_sections[sid].title) != _comparable(section.title)
    ]
    nice_text = {r.id: r.text for r in bat.recommendations}
    text_differs = [r.id for r in guideline.recommendations
                    if r.text is not None and r.id in nice_text and _comparable(r.text) != _comparable(nice_text[r.id])]
    notes = [f"recommendation {i} appears twice in NICE's tool (rows {first} and {row})" for i, row, first in bat.duplicates]
    return VerifyResult(
        encoding=guideline.ref,
        against=bat.path,
        guideline={"encoding": guideline.guideline, "nice": bat.guideline},
        version={"encoding": guideline.version, "nice": bat.version},
        missing=[i for i in nice if i not in our_ids],
        extra=[i for i in ours if i not in nice_ids],
        sections_missing=[s for s in nice_sections if s not in our_sections],
        sections_extra=[s for s in our_sections if s not in nice_sections],
        headings=headings,
        text_differs=text_differs,
        notes=notes,
    )


def verify_file(encoding: str, bat_path: Path | str) -> VerifyResult:
    """`recs verify`: an encoding (reference or YAML path) against a NICE tool."""
    bat = read_bat(bat_path)
    if bat.guideline is None:  # e.g. one of our own workbooks: comparing would report nonsense differences
        raise BaselineError(f"{bat_path} does not look like NICE's baseline assessment tool: no title naming the "
                            f"guideline (e.g. \"… (NG225)\") was found on its Introduction or Data sheet.")
    return verify_guideline(catalogue.load(encoding), bat)
