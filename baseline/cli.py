"""The `baseline` command line. The only module that imports click.

Every command is thin: parse options -> call the library -> render -> exit code. Library modules are imported
inside commands so that `baseline --help` and `--version` import nothing heavy.
"""

from __future__ import annotations

import sys

import click

from baseline import __version__

# Exit codes, set here and nowhere else.
EXIT_OK = 0
EXIT_INPUT_PROBLEM = 1  # invalid return, unreadable file, merge refused, bad YAML...
EXIT_USAGE = 2  # click's own code for usage errors


class BaselineGroup(click.Group):
    """Turns the library's BaselineError into a clear message on stderr and exit code 1: no tracebacks."""

    def invoke(self, ctx: click.Context):
        from baseline.issues import BaselineError

        try:
            return super().invoke(ctx)
        except BaselineError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_INPUT_PROBLEM)


def echo_err(message: str) -> None:
    click.echo(message, err=True)


@click.group(cls=BaselineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="baseline", message="%(prog)s %(version)s")
def cli() -> None:
    """Multi-agency NICE guideline baseline assessments (NICE NG225, self-harm).

    A cycle: `generate` one workbook per agency, `validate` each return as it arrives, `merge` them into one
    multi-agency workbook, and `summary` the gaps and action owners.

    Exit codes: 0 success; 1 the input has problems; 2 usage error.
    Guideline encodings are found in the shipped recommendations/ and in directories named by the
    BASELINE_RECOMMENDATIONS environment variable.
    """


# --- recs ----------------------------------------------------------------------------------------------------


@cli.group()
def recs() -> None:
    """Look at and check the guideline encodings (recommendation YAML files)."""


GUIDELINE_HELP = "Guideline as NG225 or NG225@2022-09-07 (newest version if none given), or a YAML file path."


@recs.command("list")
@click.argument("guideline", default="NG225", metavar="[GUIDELINE[@VERSION]]")
@click.option("--sector", help="Only recommendations that apply to this sector id (see the encoding's sectors).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def recs_list(guideline: str, sector: str | None, fmt: str) -> None:
    """List a guideline's recommendations, and how complete the encoding is.

    GUIDELINE: NG225, NG225@2022-09-07 or a recommendation YAML file (default NG225).
    """
    from baseline import catalogue, render

    model = catalogue.load(guideline)
    if sector is not None and sector not in model.sectors:
        raise click.BadParameter(f"unknown sector {sector!r}; known: {', '.join(model.sectors)}", param_hint="--sector")
    listing = render.guideline_listing(model, sector)
    if fmt == "json":
        click.echo(render.to_json(listing))
    elif fmt == "csv":
        click.echo(render.listing_csv(listing), nl=False)
    else:
        render.print_listing(listing, model)


@recs.command("show")
@click.argument("recommendation_id", metavar="ID")
@click.argument("guideline", default="NG225", metavar="[GUIDELINE[@VERSION]]")
def recs_show(recommendation_id: str, guideline: str) -> None:
    """Show one recommendation (e.g. 1.5.1) with its section, sectors and flags."""
    from baseline import catalogue, render
    from baseline.issues import BaselineError

    model = catalogue.load(guideline)
    try:
        rec = model.get(recommendation_id.strip())
    except KeyError:
        raise BaselineError(f"{model.ref} has no recommendation {recommendation_id!r} in this encoding.") from None
    render.print_recommendation(model, rec)


@recs.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def recs_check(files: tuple[str, ...]) -> None:
    """Check recommendation YAML files against the format (default: every shipped and configured file).

    Each problem is printed as FILE: YAML.PATH: reason. Exit 1 if any file has a problem.
    """
    from baseline import catalogue
    from baseline.guideline import check_file

    paths = list(files) or [str(e.path) for e in catalogue.all_files()]
    if not paths:
        raise click.UsageError("no recommendation files found to check")
    bad = 0
    for path in paths:
        problems = check_file(path)
        if problems:
            bad += 1
            for problem in problems:
                click.echo(str(problem))
        else:
            click.echo(f"{path}: OK")
    if bad:
        echo_err(f"{bad} of {len(paths)} file(s) have problems.")
        sys.exit(EXIT_INPUT_PROBLEM)
    echo_err(f"All {len(paths)} file(s) are valid.")


@recs.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def recs_diff(old: str, new: str, fmt: str) -> None:
    """Added, removed and changed recommendations and sections between two encodings.

    OLD and NEW are guideline references (NG225@2022-09-07) or YAML file paths.
    """
    from baseline import catalogue, render
    from baseline.guideline import diff_guidelines

    diff = diff_guidelines(catalogue.load(old), catalogue.load(new))
    if fmt == "json":
        click.echo(render.to_json(diff.to_dict()))
    else:
        render.print_diff(diff)


@recs.command("import")
@click.argument("bat", metavar="NICE_BAT.xlsx", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The recommendation YAML to write.")
@click.option("--version", "version", metavar="YYYY-MM-DD",
              help="The version to record (default: the tool's Updated date, else its Published date).")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def recs_import(bat: str, output: str, version: str | None, force: bool) -> None:
    """Turn NICE's own baseline assessment tool (the .xlsx from the guideline's "Tools and resources" page) into a
    complete recommendation YAML file.

    Ids, headings, full text and years come from NICE's tool; summaries, sectors and population from baseline's own
    encoding where the ids match. The file holds NICE's text: keep it local, do not publish it.
    """
    from pathlib import Path

    from baseline.xlsx import nice_bat

    _iso_date_option(version, "--version")
    Path(output).parent.mkdir(parents=True, exist_ok=True)  # e.g. ~/baseline-recs/ng225/, as the README suggests
    result = nice_bat.import_bat(bat, output, version=version, force=force)
    g = result.guideline
    for note in result.notes:
        echo_err(f"Note: {note}")
    reused = (f"{result.reused_summaries} summaries reused from {result.base}" if result.base
              else "no encoding of this guideline to take summaries and sectors from (every section applies to all sectors)")
    echo_err(f"Imported {g.guideline} version {g.version}: {result.sections} sections, {result.recommendations} "
             f"recommendations; {reused}; {result.recommendations - result.reused_summaries} without a summary.")
    if result.base_only:
        echo_err(f"Warning: {result.base} lists {len(result.base_only)} recommendation(s) that NICE's tool does not "
                 f"have, left out: {', '.join(result.base_only)}.")
    echo_err(f"Wrote {output}. {nice_bat.KEEP_LOCAL}")
    target = Path(output)
    if target.parent.name.upper() == g.guideline and target.stem == g.version:
        echo_err(f"To use it: export BASELINE_RECOMMENDATIONS={target.parent.parent.resolve()}")
    else:
        echo_err(f"To use it: move it to DIR/{g.guideline.lower()}/{g.version}.yaml and export BASELINE_RECOMMENDATIONS=DIR")


@recs.command("verify")
@click.argument("encoding", metavar="FILE.yaml")
@click.option("--against", "bat", required=True, metavar="NICE_BAT.xlsx", type=click.Path(dir_okay=False),
              help="NICE's baseline assessment tool for the guideline.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def recs_verify(encoding: str, bat: str, fmt: str) -> None:
    """Compare an encoding with NICE's baseline assessment tool: recommendation numbers missing or extra, section
    headings that differ. Exit 1 when anything differs.

    FILE.yaml is a recommendation YAML file or a guideline reference (NG225@2022-09-07).
    """
    from baseline import render
    from baseline.xlsx import nice_bat

    result = nice_bat.verify_file(encoding, bat)
    if fmt == "json":
        click.echo(render.to_json(result.to_dict()))
    else:
        for line in result.lines():
            click.echo(line)
    for note in result.notes:
        echo_err(f"Note: {note}")
    if not result.identical:
        sys.exit(EXIT_INPUT_PROBLEM)


# --- merge and summary ---------------------------------------------------------------------------------------


def _progress_reader():
    """A transient progress line on stderr while files are read; only on a terminal, so pipes and logs stay clean."""
    from contextlib import contextmanager, nullcontext

    if not sys.stderr.isatty():
        return nullcontext(None)
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from baseline import render

    @contextmanager
    def bar():
        with Progress(SpinnerColumn(), TextColumn("{task.completed} read · {task.description}"),
                      console=render.console(stderr=True), transient=True) as progress:
            task = progress.add_task("", total=None)
            yield lambda path: progress.update(task, description=path, advance=1)

    return bar()


def _iso_date_option(value: str | None, name: str):
    """A YYYY-MM-DD option value as a date (None stays None); anything else is a usage error (exit 2)."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD", param_hint=name) from None


def _as_of(value: str | None):
    import datetime as dt

    return _iso_date_option(value, "--as-of") or dt.date.today()


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The merged workbook to write (.xlsx).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--latest", is_flag=True, help="Two returns for one agency: keep the newer by its generated-at stamp.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--as-of", "as_of", metavar="DATE", help="Date for overdue actions (YYYY-MM-DD; default today).")
@click.option("--agency-map", "agency_map", type=click.Path(dir_okay=False), metavar="FILE.yaml",
              help="For returns made with NICE's own tool: file name or glob -> {agency, sector(s)}.")
def merge(files: tuple[str, ...], output: str, force: bool, latest: bool, strict: bool, as_of: str | None,
          agency_map: str | None) -> None:
    """Validate agency returns and merge them into one multi-agency workbook.

    FILES are returned workbooks, or folders of them. Any error-level issue in any file (or two returns for one
    agency) means nothing is written: the issues are listed and the exit code is 1.
    """
    from pathlib import Path

    from baseline import render, workflow
    from baseline.summary import summarise
    from baseline.xlsx.merged import write_merged_workbook
    from baseline.xlsx.safety import refuse_overwrite

    target = Path(output)
    if target.suffix.lower() != ".xlsx":
        raise click.BadParameter("the merged workbook must be an .xlsx file", param_hint="-o/--output")
    refuse_overwrite(target, force)  # before reading 40 files, not after
    day = _as_of(as_of)
    with _progress_reader() as progress:
        outcome = workflow.merge_files(files, latest=latest, strict=strict, progress=progress,
                                       agencies=_nice_agencies(None, (), agency_map))
    if not outcome.ok:
        render.print_validation(outcome.report, only_problems=True, stderr=True)
        bad = sum(not f.valid for f in outcome.report.files)
        echo_err(f"Merge refused: {bad} of {len(outcome.report.files)} file(s) have errors. Nothing was written.")
        sys.exit(EXIT_INPUT_PROBLEM)
    summary = summarise(outcome.assessment, as_of=day)
    inputs = tuple(Path(f.path) for f in outcome.report.files)
    write_merged_workbook(target, outcome.assessment, summary, force=force, inputs=inputs)
    warnings = sum(len(f.warnings) for f in outcome.report.files)
    click.echo(str(target))
    echo_err(f"Merged {len(outcome.assessment.agencies)} agencies into {target}"
             + (f" ({warnings} warning(s): run `baseline validate` to see them)." if warnings else "."))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--by", type=click.Choice(["section", "agency", "owner"]), default="section", show_default=True,
              help="The breakdown table (and the rows of --format csv).")
@click.option("--as-of", "as_of", metavar="DATE", help="Date for overdue actions (YYYY-MM-DD; default today).")
@click.option("--agency", "agencies", multiple=True, help="Only these agencies (repeatable).")
@click.option("--section", "sections", multiple=True, help="Only these sections, e.g. 1.7 (repeatable).")
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["not_met", "partially_met", "not_assessed", "met", "not_applicable"]),
              help="Which system statuses are listed as gaps (repeatable; default not_met, partially_met, not_assessed).")
@click.option("--latest", is_flag=True, help="Two returns for one agency: keep the newer by its generated-at stamp.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table", show_default=True)
@click.option("--agency-map", "agency_map", type=click.Path(dir_okay=False), metavar="FILE.yaml",
              help="For returns made with NICE's own tool: file name or glob -> {agency, sector(s)}.")
def summary(files: tuple[str, ...], by: str, as_of: str | None, agencies: tuple[str, ...], sections: tuple[str, ...],
            statuses: tuple[str, ...], latest: bool, fmt: str, agency_map: str | None) -> None:
    """Compliance gaps and action owners, over a merged workbook or directly over returns.

    FILES: one merged workbook, or agency returns (or folders of them), merged on the fly (nothing written).
    """
    from baseline import render, workflow
    from baseline.assessment import GAP_STATUSES, Status
    from baseline.issues import BaselineError
    from baseline.merge import restrict
    from baseline.summary import summarise

    day = _as_of(as_of)
    with _progress_reader() as progress:
        outcome = workflow.assessment_from_files(files, latest=latest, progress=progress,
                                                 agencies=_nice_agencies(None, (), agency_map))
    if not outcome.ok:
        render.print_validation(outcome.report, only_problems=True, stderr=True)
        echo_err("Cannot summarise: fix the errors above (or summarise the files that are valid).")
        sys.exit(EXIT_INPUT_PROBLEM)
    assessment = outcome.assessment
    if agencies or sections:
        known = {a.casefold() for a in assessment.agency_names}
        unknown = [a for a in agencies if " ".join(a.split()).casefold() not in known]
        if unknown:
            raise BaselineError(f"No agency named {', '.join(map(repr, unknown))}. Agencies: {', '.join(assessment.agency_names)}.")
        section_ids = [s.id for s in assessment.guideline.sections]
        unknown = [s for s in sections if s.strip() not in section_ids]
        if unknown:
            raise BaselineError(f"No section {', '.join(map(repr, unknown))} in {assessment.guideline.ref}. "
                                f"Sections: {', '.join(section_ids)}.")
        assessment = restrict(assessment, agencies=agencies or None, sections=sections or None)
    gap_statuses = tuple(Status(s) for s in statuses) or GAP_STATUSES
    result = summarise(assessment, as_of=day, gap_statuses=gap_statuses)
    if fmt == "json":
        click.echo(render.to_json(result.to_dict()))
    elif fmt == "csv":
        click.echo(render.summary_csv(result, by), nl=False)
    elif fmt == "markdown":
        click.echo(render.summary_markdown(result))
    else:
        render.print_summary(result, by)


# --- generate ------------------------------------------------------------------------------------------------


@cli.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False), metavar="[CONFIG.yaml]")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="With CONFIG: the folder for the workbooks (created if missing). With --agency: the .xlsx file.")
@click.option("--agency", help="One workbook for this agency (instead of CONFIG).")
@click.option("--sector", "sectors", multiple=True, help="With --agency: the agency's sector id (repeatable).")
@click.option("--area", default="", help="With --agency: the local area being assessed.")
@click.option("--guideline", "guideline_ref", metavar="GUIDELINE[@VERSION]",
              help="With --agency: the guideline (default NG225). With CONFIG it comes from the config.")
@click.option("--all-recommendations", is_flag=True,
              help="List every recommendation, not only those that apply to the agency's sector(s).")
@click.option("--force", is_flag=True, help="Overwrite workbooks that already exist.")
def generate(config: str | None, output: str, agency: str | None, sectors: tuple[str, ...], area: str,
             guideline_ref: str | None, all_recommendations: bool, force: bool) -> None:
    """Generate one Excel workbook per agency for the agencies to fill in.

    \b
    baseline generate CONFIG.yaml -o DIR
    baseline generate --agency NAME --sector S [--sector S2] [--area A] -o FILE.xlsx

    Each workbook lists the recommendations that apply to the agency's sector(s), with instructions, dropdowns,
    date checks and a live summary. Existing files are never overwritten without --force. The paths written go
    to stdout, one per line.
    """
    from pathlib import Path

    from baseline import catalogue
    from baseline.xlsx import writer

    if (config is None) == (agency is None):
        raise click.UsageError("give either CONFIG.yaml or --agency NAME (not both).")
    if config is not None:
        given = [name for name, value in (("--sector", sectors), ("--area", area), ("--guideline", guideline_ref)) if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} only go with --agency; with CONFIG.yaml they come from the config.")
        from baseline.config import load_config

        assessment_config, model = load_config(config)
        written = writer.generate_workbooks(assessment_config, model, output, force=force,
                                            all_recommendations=all_recommendations)
        for item in written:
            click.echo(str(item.path))
            echo_err(f"{item.agency}: {item.recommendations} recommendations -> {item.path.name}")
        echo_err(f"Generated {len(written)} workbook(s) for {assessment_config.area} ({model.ref}) in {output}.")
    else:
        if not agency.strip():
            raise click.BadParameter("the agency name is empty", param_hint="--agency")
        model = catalogue.load(guideline_ref or "NG225")
        if not sectors:
            raise click.UsageError(f"--agency needs --sector (one or more of: {', '.join(model.sectors)}).")
        unknown = [s for s in sectors if s not in model.sectors]
        if unknown:
            raise click.BadParameter(f"unknown sector {', '.join(map(repr, unknown))}; known: {', '.join(model.sectors)}",
                                     param_hint="--sector")
        target = Path(output)
        if target.is_dir():
            raise click.BadParameter("with --agency, give a file name ending in .xlsx, not a folder", param_hint="-o/--output")
        if target.suffix.lower() != ".xlsx":
            raise click.BadParameter("the workbook must be an .xlsx file", param_hint="-o/--output")
        writer.write_agency_workbook(target, model, force=force, agency=agency, sectors=list(sectors), area=area,
                                     all_recommendations=all_recommendations)
        count = len(writer.listed_recommendations(model, list(sectors), all_recommendations))
        click.echo(str(target))
        echo_err(f"{agency}: {count} recommendations -> {target}")
    if not model.encoding_complete:
        echo_err(f"Note: the {model.ref} encoding is partial; each workbook says so on its Start here sheet.")


# --- validate ------------------------------------------------------------------------------------------------


def _nice_agencies(agency: str | None, sectors: tuple[str, ...], agency_map: str | None):
    """--agency / --sector / --agency-map -> the agencies of returns made with NICE's own tool (None if not given)."""
    if sectors and not agency:
        raise click.UsageError("--sector goes with --agency (a mapping file gives each agency its sectors)")
    if not (agency or agency_map):
        return None
    from baseline.xlsx.nice_bat import AgencyMap, load_agency_map

    mapped = load_agency_map(agency_map) if agency_map else AgencyMap()
    return mapped.extended(AgencyMap.single(agency, sectors) if agency else None)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--agency", metavar="NAME", help="The agency of returns made with NICE's own tool (it names none).")
@click.option("--sector", "sectors", multiple=True, metavar="S", help="With --agency: its sector id (repeatable).")
@click.option("--agency-map", "agency_map", type=click.Path(dir_okay=False), metavar="FILE.yaml",
              help="For returns made with NICE's own tool: file name or glob -> {agency, sector(s)}.")
def validate(files: tuple[str, ...], fmt: str, strict: bool, agency: str | None, sectors: tuple[str, ...],
             agency_map: str | None) -> None:
    """Check returned workbooks and say exactly which cell to fix.

    FILES are returned workbooks (.xlsx, .xlsm, .ods), or folders of them. Each file gets a one-line OK or a table
    of issues (cell, recommendation, code, message); a file that cannot be read is reported and the others are
    still checked. Exit 0 when every file is valid (warnings allowed, unless --strict), 1 otherwise.

    Returns filled in on NICE's own baseline assessment tool are recognised too; name their agency with --agency
    or --agency-map (the map is tried first).
    """
    from baseline import render
    from baseline.validate import validate_files

    report = validate_files(files, strict=strict, agencies=_nice_agencies(agency, sectors, agency_map))
    if fmt == "json":
        click.echo(render.to_json(report.to_dict()))
    else:
        render.print_validation(report)
    echo_err(render.validation_count(report) + ".")
    if not report.valid:
        sys.exit(EXIT_INPUT_PROBLEM)


def main() -> None:  # pragma: no cover - console entry point alias
    cli()


# --- report (appended apart from the rest until the restructure wires it through workflow) ---------------------


@cli.command()
@click.argument("merged", metavar="MERGED.xlsx", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The report to write (.html).")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Date for overdue actions (YYYY-MM-DD; default: the merged workbook's own).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def report(merged: str, output: str, as_of: str | None, force: bool) -> None:
    """A board report from a merged workbook: one self-contained HTML file that prints to A4.

    The headline in both views (worst-of system status and agency answers), status by section, agencies by
    section, the gaps with our summaries and flagged risks, owners and overdue actions, and the encoding caveat
    when the encoding is partial. No scripts and nothing fetched: it reads the same offline and printed.
    """
    import datetime as dt
    from pathlib import Path

    from baseline.report.html import render_report  # matplotlib and Jinja2: kept out of --help
    from baseline.summary import summarise
    from baseline.xlsx.merged import _open, _read_meta, read_merged_workbook
    from baseline.xlsx.safety import atomic_write, refuse_overwrite

    target, source = Path(output), Path(merged)
    if target.suffix.lower() not in (".html", ".htm"):
        raise click.BadParameter("the report must be an .html file", param_hint="-o/--output")
    refuse_overwrite(target, force)
    day = _iso_date_option(as_of, "--as-of")
    assessment = read_merged_workbook(source)
    if day is None:  # the date the workbook was merged for, so the report agrees with its Actions sheet
        workbook = _open(source)
        try:
            day = dt.date.fromisoformat(_read_meta(workbook, source)["as_of"])
        finally:
            workbook.close()
    html = render_report(summarise(assessment, as_of=day), assessment.guideline)
    atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8"), force=force, inputs=(source,))
    click.echo(str(target))
    echo_err(f"Wrote the report on {len(assessment.agencies)} agencies as of {day.isoformat()} to {target}.")
