"""The `baseline` command line. The only module that imports click.

Every command is thin: parse options -> call the library -> render -> exit code. Library modules are imported
inside commands so that `baseline --help` and `--version` import nothing heavy.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

import click

from baseline import __version__
from baseline.text import one_line, printable

# At exit the interpreter's collector walks every object start-up made (a tenth of a one-file validate): they all end
# with the process, so once the command is done they are frozen out of its sight. Exit handlers, flushing stdout and
# stderr, and closing files are untouched; only the last walks for reference cycles are skipped.
atexit.register(gc.freeze)

# Exit codes, set here and nowhere else.
EXIT_OK = 0
EXIT_INPUT_PROBLEM = 1  # invalid return, unreadable file, merge refused, bad YAML, a write that failed...
EXIT_USAGE = 2  # click's own code for usage errors
EXIT_INTERNAL = 3  # a bug in baseline: one line saying so; the traceback only with BASELINE_DEBUG=1
DEBUG_VARIABLE = "BASELINE_DEBUG"


# The click context's obj when the group runs as the `baseline` command itself (main), in a process that ends with
# the command; None when it is called in a process that goes on (tests through CliRunner, a library caller).
OWN_PROCESS = "the baseline command's own process"


class CommandWithoutCollector(click.Command):
    """A command run with the cyclic garbage collector off (memory.no_cycle_collection), then as it was; left off, with
    everything frozen, when the process ends with the command (OWN_PROCESS). What a command reads, merges, rolls up
    and prints makes no reference cycles (the one workbook or report it may write does, with what is rendered into
    it: freed with the process; tests/test_no_cycles.py), so the collector's walks over every answer kept to the end
    only cost time: a twentieth of summary at 800 returns, a quarter of a board report or of the action list. Every
    command of the group but `generate`, which writes an xlsxwriter workbook (a web of cycles) per agency; `actions
    -o` frees each of its workbooks' cycles as it is written (memory.cycles_freed)."""

    def invoke(self, ctx: click.Context):
        from baseline.memory import no_cycle_collection

        with no_cycle_collection(process_ends=ctx.find_root().obj is OWN_PROCESS):
            return super().invoke(ctx)


class BaselineGroup(click.Group):
    """Turns the library's BaselineError into a clear message on stderr and exit code 1, an interruption into one
    line, and anything else (a bug) into one line and exit code 3: no tracebacks unless BASELINE_DEBUG=1."""

    command_class = CommandWithoutCollector

    def invoke(self, ctx: click.Context):
        from baseline.issues import BaselineError

        try:
            return super().invoke(ctx)
        except BaselineError as exc:
            echo_err(f"Error: {exc}")
            ctx.exit(EXIT_INPUT_PROBLEM)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt as exc:  # Ctrl+C, or SIGTERM/SIGHUP during a write (files.Interrupted)
            import signal  # here and traceback below: only a failing command needs them (start-up, issue 16)

            from baseline.files import Interrupted

            echo_err("Interrupted: any output being written was removed; existing files were left as they were.")
            ctx.exit(128 + (signal.SIGTERM if isinstance(exc, Interrupted) else signal.SIGINT))
        except Exception as exc:  # noqa: BLE001 - the last resort: a bug must not look like a crash of the input
            if os.environ.get(DEBUG_VARIABLE) == "1":
                import traceback

                traceback.print_exc()
            detail = one_line(str(exc))[:200]
            echo_err(f"Internal error in baseline {__version__} ({type(exc).__name__}{': ' + detail if detail else ''})"
                     f": this is a bug. Please report it to the maintainers with the command you ran and this line; "
                     f"run again with {DEBUG_VARIABLE}=1 to see the details.")
            ctx.exit(EXIT_INTERNAL)


def echo_err(message: str) -> None:
    """A message on stderr; file and agency names in it cannot carry terminal escape sequences."""
    click.echo(printable(message), err=True)


# --- options shared by several commands: defined once, one meaning each -------------------------------------


def files_argument(command):
    return click.argument("files", nargs=-1, required=True, type=click.Path())(command)


def agency_filter_option(command):
    """`--agency NAME` is always a filter: only these agencies (repeatable)."""
    return click.option("--agency", "agencies", multiple=True, metavar="NAME",
                        help="Only these agencies (repeatable).")(command)


def as_agency_options(command):
    """Naming the agency of returns that carry none (NICE's own tool, a CSV export): --as-agency, --sector. (Several
    files at once: the config's `files` patterns, through --config.)"""
    for option in reversed((
        click.option("--as-agency", "as_agency", metavar="NAME",
                     help="The agency of returns that name none (NICE's own tool, a CSV export); the config's "
                          "files patterns are tried first."),
        click.option("--sector", "sectors", multiple=True, metavar="S",
                     help="With --as-agency: the agency's sector id (repeatable)."),
    )):
        command = option(command)
    return command


def config_option(command):
    """`--config CONFIG.yaml`: the assessment the returns belong to (the same file `generate` and `status` take)."""
    return click.option("--config", "config", type=click.Path(dir_okay=False), metavar="CONFIG.yaml",
                        help="The assessment config: returns of another area, of agencies not in it or filled in "
                             "by the wrong agency are issues, agencies with no return are named, and its files "
                             "patterns name the agency of NICE-format returns.")(command)


def keep_option(command):
    return click.option("--keep", "keep", multiple=True, metavar="FILE",
                        help="Two returns for one agency: use this one (its name or path; repeatable, one per "
                             "agency).")(command)


def strict_option(command):
    return click.option("--strict", is_flag=True, help="Treat warnings as errors.")(command)


def latest_option(command):
    return click.option("--latest", is_flag=True,
                        help="Two returns for one agency: keep the one saved last (by the file's own last-saved "
                             "time).")(command)


def as_of_option(default: str = "today"):
    """`--as-of DATE`: the date actions count as overdue against, in any form the one date parser reads."""
    return click.option("--as-of", "as_of", metavar="DATE",
                        help=f"The date to judge what is overdue on (31/03/2027 or 2027-03-31; default {default}).")


MERGED_AS_OF = "a merged workbook's own as-of date, else today"


def force_option(what: str):
    return click.option("--force", is_flag=True, help=f"Overwrite {what} if it exists.")


def format_option(*choices: str):
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True)


@click.group(cls=BaselineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="baseline", message="%(prog)s %(version)s")
def cli() -> None:
    """Multi-agency NICE guideline baseline assessments (NICE NG225, self-harm).

    A cycle: `generate` one workbook per agency, `validate` each return as it arrives, `merge` them into one
    multi-agency workbook, and `summary` the gaps and action owners. The next round: `generate --prefill` with the
    last merged workbook, then `compare` the two merged workbooks; a new guideline version: `migrate`.

    Exit codes: 0 success; 1 the input has problems; 2 usage error; 3 internal error (a bug: set BASELINE_DEBUG=1
    for the details).
    Guideline encodings are found in the shipped recommendations/ and in directories named by the
    BASELINE_RECOMMENDATIONS environment variable.
    """


# --- recs ----------------------------------------------------------------------------------------------------


@cli.group()
def recs() -> None:
    """Look at and check the guideline encodings (recommendation YAML files)."""


@recs.command("list")
@click.argument("guideline", default="NG225", metavar="[GUIDELINE[@VERSION]]")
@click.option("--sector", help="Only recommendations that apply to this sector id (see the encoding's sectors).")
@format_option("table", "json", "csv")
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
    from baseline.text import counted

    paths = list(files) or [str(e.path) for e in catalogue.all_files()]
    if not paths:
        raise click.UsageError("no recommendation files found to check")
    bad = 0
    for path in paths:
        problems = catalogue.check_file(path)
        if problems:
            bad += 1
            for problem in problems:
                click.echo(printable(str(problem)))
        else:
            click.echo(printable(f"{path}: OK"))
    if bad:
        echo_err(f"{bad} of {counted(len(paths), 'file')} {'has' if bad == 1 else 'have'} problems.")
        sys.exit(EXIT_INPUT_PROBLEM)
    echo_err("The file is valid." if len(paths) == 1 else f"All {counted(len(paths), 'file')} are valid.")


@recs.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@format_option("table", "json")
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
@force_option("OUTPUT")
def recs_import(bat: str, output: str, version: str | None, force: bool) -> None:
    """Turn NICE's own baseline assessment tool (the .xlsx from the guideline's "Tools and resources" page) into a
    complete recommendation YAML file.

    Ids, headings, full text and years come from NICE's tool; summaries, sectors and population from baseline's own
    encoding where the ids match. The file holds NICE's text: keep it local, do not publish it.
    """
    from baseline import nice_tool, render

    _iso_date_option(version, "--version")
    result = nice_tool.import_nice_tool(bat, output, version=version, force=force)
    for line in render.import_lines(result, output):
        echo_err(line)


@recs.command("verify")
@click.argument("encoding", metavar="FILE.yaml")
@click.option("--against", "bat", required=True, metavar="NICE_BAT.xlsx", type=click.Path(dir_okay=False),
              help="NICE's baseline assessment tool for the guideline.")
@format_option("table", "json")
def recs_verify(encoding: str, bat: str, fmt: str) -> None:
    """Compare an encoding with NICE's baseline assessment tool: recommendation numbers missing or extra, section
    headings that differ. Exit 1 when anything differs.

    FILE.yaml is a recommendation YAML file or a guideline reference (NG225@2022-09-07).
    """
    from baseline import nice_tool, render

    result = nice_tool.verify_encoding(encoding, bat)
    if fmt == "json":
        click.echo(render.to_json(result.to_dict()))
    else:
        for line in result.lines():
            click.echo(printable(line))
    for note in result.notes:
        echo_err(f"Note: {note}")
    if not result.identical:
        sys.exit(EXIT_INPUT_PROBLEM)


# --- validate, merge and summary -----------------------------------------------------------------------------


def _iso_date_option(value: str | None, name: str):
    """A YYYY-MM-DD option value as a date (None stays None); anything else is a usage error (exit 2)."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD", param_hint=name) from None


def _date_option(value: str | None, name: str):
    """A date option, by the one date parser (31/03/2027, 2027-03-31, 31 March 2027...); None stays None; anything
    else is a usage error (exit 2)."""
    from baseline.checks import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (write 31/03/2027 or 2027-03-31)", param_hint=name) from None


def _as_of(value: str | None):
    import datetime as dt

    return _date_option(value, "--as-of") or dt.date.today()  # the CLI reads the clock; the library never does


def _agency_map(as_agency: str | None, sectors: tuple[str, ...]):
    """--as-agency / --sector -> the AgencyMap naming returns that carry no agency (None if not given)."""
    if sectors and not as_agency:
        raise click.UsageError("--sector goes with --as-agency (the config's agencies carry their own sectors)")
    if as_agency is not None and not as_agency.strip():
        raise click.BadParameter("the agency name is empty", param_hint="--as-agency")
    if not as_agency:
        return None
    from baseline.config import AgencyMap

    return AgencyMap.single(as_agency, sectors)


def _agency_filter(agencies: tuple[str, ...]) -> tuple[str, ...]:
    if any(not a.strip() for a in agencies):
        raise click.BadParameter("the agency name is empty", param_hint="--agency")
    return agencies


@cli.command()
@files_argument
@config_option
@agency_filter_option
@as_agency_options
@strict_option
@format_option("table", "json", "text")
def validate(files: tuple[str, ...], config: str | None, agencies: tuple[str, ...], as_agency: str | None,
             sectors: tuple[str, ...], strict: bool, fmt: str) -> None:
    """Check returned workbooks and say exactly which cell to fix.

    FILES are returned workbooks (.xlsx, .xlsm, .ods; an .xls that kept its stamps), or folders of them: every
    spreadsheet in a folder is a return, other files are listed as skipped. Each file gets a one-line OK or its
    issues (cell, recommendation, code, message): a table on a wide terminal, one block per issue on a narrow one;
    a file that cannot be read is reported and the others are still checked. --format text is a plain list per
    file to paste into an email to the agency. Exit 0 when every file is valid (warnings allowed, unless
    --strict), 1 otherwise.

    Returns filled in on NICE's own baseline assessment tool, and CSV exports of the Assessment sheet, are read
    too; name their agency with --as-agency, or with the config's files patterns (--config).
    """
    from baseline import intake, render  # intake, not workflow: validate imports no workbook writer

    report = intake.validate_files(files, strict=strict, agency_map=_agency_map(as_agency, sectors),
                                   agencies=_agency_filter(agencies), config=config,
                                   meanwhile=lambda: render.preload("print_validation"))
    if fmt == "json":
        click.echo(render.to_json(report.to_dict()))
    elif fmt == "text":
        click.echo(render.validation_text(report), nl=False)
    else:
        render.print_validation(report)
    echo_err(render.validation_count(report) + ".")
    if not report.valid:
        sys.exit(EXIT_INPUT_PROBLEM)


@cli.command()
@files_argument
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The merged workbook to write (.xlsx).")
@config_option
@click.option("--update", "update", type=click.Path(dir_okay=False), metavar="PREV.xlsx",
              help="Carry the group's work in PREV's Actions sheet into the new merge (OUTPUT may be PREV itself).")
@agency_filter_option
@as_agency_options
@force_option("the output file")
@keep_option
@latest_option
@strict_option
@as_of_option()
def merge(files: tuple[str, ...], output: str, config: str | None, update: str | None, agencies: tuple[str, ...],
          as_agency: str | None, sectors: tuple[str, ...], force: bool, keep: tuple[str, ...], latest: bool,
          strict: bool, as_of: str | None) -> None:
    """Validate agency returns and merge them into one multi-agency workbook.

    FILES are returned workbooks, or folders of them. Any error-level issue in any file (two returns for one
    agency that --keep or --latest do not decide, a return of another area) means nothing is written: the issues
    are listed and the exit code is 1. Agencies of --config with no return are named; merging what has come in is
    allowed.

    The merged workbook's Actions sheet is the group's action plan. After the group has worked in it, merge again
    (a late return, a resend) with --update PREV.xlsx: every edit is carried forward; where an agency's new return
    changed the same field, the return wins and the group's value is reported and kept in the Progress notes; an
    action gone from its return is kept and marked. A merged workbook holding the group's edits is never replaced
    without --update, even with --force.
    """
    import datetime as dt

    from baseline import render, workflow

    if not output.lower().endswith(".xlsx"):
        raise click.BadParameter("the merged workbook must be an .xlsx file", param_hint="-o/--output")
    day = _as_of(as_of)
    with render.progress_reader() as progress:
        outcome = workflow.merge_files(files, output, as_of=day, force=force, latest=latest, keep=keep,
                                       strict=strict, progress=progress, agency_map=_agency_map(as_agency, sectors),
                                       agencies=_agency_filter(agencies), update=update, today=dt.date.today(),
                                       config=config)
    for note in outcome.notes:
        echo_err(f"Note: {note}")
    if not outcome.ok:
        render.print_validation(outcome.report, only_problems=True, stderr=True)
        bad = sum(bool(f.errors) for f in outcome.report.files)
        echo_err(f"Merge refused: {bad} of {render.counted(len(outcome.report.returns), 'file')} "
                 f"{'has' if bad == 1 else 'have'} errors. Nothing was written.")
        sys.exit(EXIT_INPUT_PROBLEM)
    render.print_validation(outcome.report, only_problems=True, stderr=True)  # the warnings, as validate shows them
    warnings = sum(len(f.warnings) for f in outcome.report.returns)
    skipped = len(outcome.report.skipped)
    noted = [render.counted(warnings, "warning") if warnings else "", f"{skipped} skipped" if skipped else ""]
    click.echo(output)
    echo_err(f"Merged {render.counted(len(outcome.assessment.agencies), 'agency')} into {output}"
             + (f" ({', '.join(filter(None, noted))}: listed above)." if warnings or skipped else "."))
    if outcome.carry is not None:
        from baseline.render.actions import carry_lines

        for line in carry_lines(outcome.carry, update):
            echo_err(line)


@cli.command()
@files_argument
@config_option
@click.option("--by", type=click.Choice(["section", "agency", "owner"]), default="section", show_default=True,
              help="The breakdown table (and the rows of --format csv).")
@click.option("--table", "table_name", type=click.Choice(["section", "agency", "owner", "gaps", "actions"]),
              help="With --format csv: the table to export (default: the --by table).")
@as_of_option(MERGED_AS_OF)
@agency_filter_option
@click.option("--section", "sections", multiple=True, help="Only these sections, e.g. 1.7 (repeatable).")
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["not_met", "partially_met", "not_assessed", "met", "not_applicable"]),
              help="Which system statuses are listed as gaps (repeatable; default not_met, partially_met, not_assessed).")
@keep_option
@latest_option
@as_agency_options
@format_option("table", "json", "csv", "markdown")
def summary(files: tuple[str, ...], config: str | None, by: str, table_name: str | None, as_of: str | None,
            agencies: tuple[str, ...], sections: tuple[str, ...], statuses: tuple[str, ...], keep: tuple[str, ...],
            latest: bool, as_agency: str | None, sectors: tuple[str, ...], fmt: str) -> None:
    """Compliance gaps and action owners, over a merged workbook or directly over returns.

    FILES: one merged workbook, or agency returns (or folders of them), merged on the fly (nothing written).
    The headline gives both views: recommendations by their worst agency answer, and the agencies' own answers.
    CSV opens intact in Excel and LibreOffice (UTF-8, ids such as 1.10 kept as text, formulas inert).
    """
    import datetime as dt

    from baseline import combine, render  # combine, not workflow: summary imports no workbook writer

    if table_name and fmt != "csv":
        raise click.UsageError("--table chooses the table of --format csv; the other formats show every table.")
    day = _date_option(as_of, "--as-of")
    with render.progress_reader() as progress:
        outcome = combine.summarise_files(files, as_of=day, today=dt.date.today(), latest=latest, keep=keep,
                                            agencies=_agency_filter(agencies), sections=sections, statuses=statuses,
                                            progress=progress, agency_map=_agency_map(as_agency, sectors),
                                            config=config, meanwhile=lambda: render.preload("print_summary"))
    if outcome.summary is None:
        render.print_validation(outcome.report, only_problems=True, stderr=True)
        echo_err("Cannot summarise: fix the errors above (or summarise the files that are valid).")
        sys.exit(EXIT_INPUT_PROBLEM)
    render.print_config_notes(outcome.report)
    if fmt == "json":
        click.echo(render.to_json(outcome.summary.to_dict()))
    elif fmt == "csv":
        click.echo(render.summary_csv(outcome.summary, table_name or by), nl=False)
    elif fmt == "markdown":
        click.echo(render.summary_markdown(outcome.summary))
    else:
        render.print_summary(outcome.summary, by)


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False), metavar="CONFIG.yaml")
@click.argument("files", nargs=-1, required=True, type=click.Path(), metavar="RETURNS...")
@as_of_option()
@format_option("table", "json", "markdown")
def status(config: str, files: tuple[str, ...], as_of: str | None, fmt: str) -> None:
    """Who has returned: one row per agency of CONFIG.yaml (valid, invalid, blank, duplicate or missing; overdue
    when past its return-by date), with each file's last-saved time and Completed by, then the files that belong
    to no agency of the config (another area, an agency not in it, not a workbook).

    RETURNS are returned workbooks, or folders of them. --format markdown is a chase list to paste into an email.
    Exit 0 only when every agency has a valid return, 1 otherwise.
    """
    from baseline import intake, render  # intake, not workflow: status imports no workbook writer

    with render.progress_reader() as progress:
        report = intake.track_returns(config, files, as_of=_as_of(as_of), progress=progress)
    if fmt == "json":
        click.echo(render.tracker_json(report))
    elif fmt == "markdown":
        click.echo(render.tracker_markdown(report))
    else:
        render.print_tracker(report)
    if not report.complete:
        sys.exit(EXIT_INPUT_PROBLEM)


# --- actions -------------------------------------------------------------------------------------------------


@cli.command()
@click.argument("merged", metavar="MERGED.xlsx", type=click.Path(dir_okay=False))
@click.option("--by", type=click.Choice(["owner", "agency"]), default="owner", show_default=True,
              help="One group (and with -o one file) per owner, or per agency.")
@agency_filter_option
@click.option("--owner", "owners", multiple=True, metavar="NAME", help="Only these owners (repeatable).")
@click.option("--overdue", is_flag=True, help="Only overdue actions.")
@as_of_option("the merged workbook's own as-of date")
@format_option("table", "json", "csv", "markdown")
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write one file per owner or agency into DIR, ready to send: an .xlsx each (with --format "
                   "markdown, csv or json: .md, .csv or .json files).")
@force_option("files in DIR")
def actions(merged: str, by: str, agencies: tuple[str, ...], owners: tuple[str, ...], overdue: bool,
            as_of: str | None, fmt: str, output_dir: str | None, force: bool) -> None:
    """The group's action plan from a merged workbook's Actions sheet, by owner or by agency.

    Uses the plan as the group keeps it (their statuses, owners, deadlines and notes), not what the returns said.
    Within each group, actions whose agency flagged a risk if not done come first, then guideline order. The paths
    written with -o go to stdout, one per line.
    """
    import datetime as dt

    from baseline import render, workflow

    text = {"json": lambda listed, outcome: render.to_json(listed.to_dict()) + "\n",
            "csv": lambda listed, outcome: render.action_list_csv(listed, outcome.themes),
            "markdown": lambda listed, outcome: render.action_list_markdown(listed, outcome.heading)}.get(fmt)
    outcome = workflow.actions_file(merged, by=by, agencies=_agency_filter(agencies), owners=owners, overdue=overdue,
                                    as_of=_date_option(as_of, "--as-of"), today=dt.date.today(),
                                    output_dir=output_dir, fmt=fmt, text=text, force=force)
    listed = outcome.actions
    for note in outcome.notes:
        echo_err(f"Warning: {note}")
    if output_dir is not None:
        for path in outcome.written:
            click.echo(str(path))
        echo_err(f"Wrote {render.counted(len(outcome.written), 'file')}, one per {by}, to {output_dir} ({outcome.heading}).")
        for group in outcome.unowned:
            echo_err(f"No file for {render.counted(len(group.rows), 'action')} of {group.agency} with no owner: "
                     f"give {'it' if len(group.rows) == 1 else 'them'} an owner in the Actions sheet "
                     f"({', '.join(r.action_id for r in group.rows)}).")
    elif fmt == "json":
        click.echo(render.to_json(listed.to_dict()))
    elif fmt == "csv":
        click.echo(render.action_list_csv(listed, outcome.themes), nl=False)
    elif fmt == "markdown":
        click.echo(render.action_list_markdown(listed, outcome.heading), nl=False)
    else:
        render.print_action_list(listed, outcome.heading)


# --- generate ------------------------------------------------------------------------------------------------


@cli.command(cls=click.Command)  # the collector on: each agency's workbook (xlsxwriter's) is a web of cycles
@click.argument("config", required=False, type=click.Path(dir_okay=False), metavar="[CONFIG.yaml]")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="With CONFIG: the folder for the workbooks (created if missing). With --as-agency: the .xlsx file.")
@agency_filter_option
@click.option("--as-agency", "as_agency", metavar="NAME", help="One workbook for this agency (instead of CONFIG).")
@click.option("--sector", "sectors", multiple=True, metavar="S",
              help="With --as-agency: the agency's sector id (repeatable).")
@click.option("--area", default="", help="With --as-agency: the local area being assessed.")
@click.option("--return-by", "return_by", metavar="DATE", help="With --as-agency: the date to return it by.")
@click.option("--guideline", "guideline_ref", metavar="GUIDELINE[@VERSION]",
              help="With --as-agency: the guideline (default NG225). With CONFIG it comes from the config.")
@click.option("--all-recommendations", is_flag=True,
              help="List every recommendation, not only those that apply to the agency's sector(s).")
@click.option("--prefill", type=click.Path(dir_okay=False), metavar="MERGED.xlsx",
              help="With CONFIG: last round's merged workbook; each workbook carries its agency's last answers and "
                   "the group's latest action updates.")
@force_option("workbooks")
def generate(config: str | None, output: str, agencies: tuple[str, ...], as_agency: str | None,
             sectors: tuple[str, ...], area: str, return_by: str | None, guideline_ref: str | None,
             all_recommendations: bool, prefill: str | None, force: bool) -> None:
    """Generate one Excel workbook per agency for the agencies to fill in.

    \b
    baseline generate CONFIG.yaml -o DIR [--agency NAME ...] [--prefill MERGED.xlsx]
    baseline generate --as-agency NAME --sector S [--sector S2] [--area A] -o FILE.xlsx

    Each workbook lists the recommendations that apply to the agency's sector(s), with instructions, dropdowns,
    date checks and a live summary. With --prefill (the next round), each holds its agency's answers from that
    merged workbook and asks the agency to review every row. Existing files are never overwritten without --force.
    The paths written go to stdout, one per line.
    """
    from pathlib import Path

    from baseline import catalogue, generation
    from baseline.text import counted  # not render's re-export: generate prints no table, and rich costs 30 ms

    if config is None and as_agency is None:
        raise click.UsageError("say what to generate: CONFIG.yaml (one workbook per agency of the config) or "
                               "--as-agency NAME --sector S (one workbook).")
    if config is not None and as_agency is not None:
        raise click.UsageError("give either CONFIG.yaml or --as-agency NAME, not both.")
    if config is not None:
        given = [name for name, value in (("--sector", sectors), ("--area", area), ("--return-by", return_by),
                                          ("--guideline", guideline_ref)) if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} only go with --as-agency; with CONFIG.yaml they come from "
                                   "the config.")
        from baseline.intake import load_config

        assessment_config, model = load_config(config)
        written = generation.generate_workbooks(assessment_config, model, output, force=force,
                                              all_recommendations=all_recommendations,
                                              agencies=_agency_filter(agencies), prefill=prefill,
                                              note=lambda text: echo_err(f"Note: {text}"))
        for item in written:
            click.echo(str(item.path))
            echo_err(f"{item.agency}: {item.recommendations} recommendations -> {item.path.name}"
                     + (" (prefilled with last round's answers)" if item.prefilled else ""))
        echo_err(f"Generated {counted(len(written), 'workbook')} for {assessment_config.area} ({model.ref}) in {output}"
                 + (f", {sum(i.prefilled for i in written)} prefilled from {prefill}." if prefill else "."))
    else:
        if agencies:
            raise click.UsageError("--agency chooses agencies of CONFIG.yaml; with --as-agency there is one.")
        if prefill:
            raise click.UsageError("--prefill goes with CONFIG.yaml (it re-issues every agency's workbook).")
        if not as_agency.strip():
            raise click.BadParameter("the agency name is empty", param_hint="--as-agency")
        model = catalogue.load(guideline_ref or "NG225")
        if not sectors:
            raise click.UsageError(f"--as-agency needs --sector (one or more of: {', '.join(model.sectors)}).")
        unknown = [s for s in sectors if s not in model.sectors]
        if unknown:
            raise click.BadParameter(f"unknown sector {', '.join(map(repr, unknown))}; known: {', '.join(model.sectors)}",
                                     param_hint="--sector")
        if Path(output).is_dir():
            raise click.BadParameter("with --as-agency, give a file name ending in .xlsx, not a folder",
                                     param_hint="-o/--output")
        if not output.lower().endswith(".xlsx"):
            raise click.BadParameter("the workbook must be an .xlsx file", param_hint="-o/--output")
        item = generation.generate_workbook(output, model, agency=as_agency, sectors=list(sectors), area=area,
                                          return_by=_date_option(return_by, "--return-by"),
                                          all_recommendations=all_recommendations, force=force)
        click.echo(str(item.path))
        echo_err(f"{item.agency}: {item.recommendations} recommendations -> {item.path}")
    if not model.encoding_complete:
        echo_err(f"Note: the {model.ref} encoding is partial; each workbook says so on its Start here sheet.")


# --- rounds and versions: compare, migrate ---------------------------------------------------------------------


@cli.command()
@click.argument("old", metavar="OLD.xlsx", type=click.Path(dir_okay=False))
@click.argument("new", metavar="NEW.xlsx", type=click.Path(dir_okay=False))
@format_option("table", "json", "markdown")
def compare(old: str, new: str, fmt: str) -> None:
    """Progress between two rounds: two merged workbooks of the same guideline version.

    Per recommendation the system status then and now (improved, worse, same, scope changed, new, removed); per
    section and per agency the counts then and now; the group's actions closed, new, still open and still overdue.
    Workbooks of two guideline versions: migrate the older one first (the message says how).
    """
    from baseline import render, workflow

    comparison = workflow.compare_files(old, new)
    for note in comparison.notes:
        echo_err(f"Note: {note}")
    if fmt == "json":
        click.echo(render.to_json(comparison.to_dict()))
    elif fmt == "markdown":
        click.echo(render.compare_markdown(comparison), nl=False)
    else:
        render.print_compare(comparison)


@cli.command()
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--to", "target", required=True, metavar="GUIDELINE@VERSION",
              help="The guideline version to move the answers to, e.g. NG225@2022-09-07.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The workbook to write (.xlsx).")
@force_option("the output file")
def migrate(file: str, target: str, output: str, force: bool) -> None:
    """Move a return or a merged workbook to another version of its guideline.

    FILE is an agency's return or a merged workbook. Answers (and the group's actions) of the recommendations both
    versions share are kept; recommendations new in the target version are left blank and flagged; answers and
    actions of recommendations it no longer has are listed here and on a Removed sheet in the output. Moving there
    and back loses nothing both versions share.
    """
    from baseline import render, workflow

    if not output.lower().endswith(".xlsx"):
        raise click.BadParameter("the migrated workbook must be an .xlsx file", param_hint="-o/--output")
    outcome = workflow.migrate_file(file, target, output, force=force)
    click.echo(str(outcome.path))
    for line in render.migration_lines(outcome):
        echo_err(line)


# --- report --------------------------------------------------------------------------------------------------


@cli.command()
@click.argument("merged", metavar="MERGED.xlsx", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The report to write (.html).")
@click.option("--compare", "compare_with", metavar="OLD.xlsx", type=click.Path(dir_okay=False),
              help="The last round's merged workbook (same guideline version): show the progress since.")
@as_of_option("the merged workbook's own as-of date")
@force_option("the output file")
def report(merged: str, output: str, compare_with: str | None, as_of: str | None, force: bool) -> None:
    """A board report from a merged workbook: one self-contained HTML file that prints to A4.

    The headline in both views (worst-of system status and agency answers), status by section, agencies by
    section, the gaps with our summaries and flagged risks, owners and overdue actions, and the encoding caveat
    when the encoding is partial; with --compare, the progress since the last round (status changes, each section
    then and now, actions closed, new and still overdue). No scripts and nothing fetched: it reads the same offline
    and printed.
    """
    import datetime as dt

    from baseline import workflow
    from baseline.report.html import render_report  # matplotlib and Jinja2: only this command loads them

    if not output.lower().endswith((".html", ".htm")):
        raise click.BadParameter("the report must be an .html file", param_hint="-o/--output")
    result = workflow.report_file(merged, output, render_report, compare_with=compare_with,
                                  as_of=_date_option(as_of, "--as-of"), today=dt.date.today(), force=force)
    click.echo(str(result.path))
    echo_err(f"Wrote the report on {len(result.summary.agencies)} agencies as of {result.summary.as_of.isoformat()} "
             f"to {result.path}.")


def main() -> None:
    """`baseline` itself (the console script, `python -m baseline`): the group in a process of its own, which ends
    with the command. What the command leaves alive ends with the process too: the collector does not walk it when the
    command ends (CommandWithoutCollector), and the interpreter does not tear it down object by object at exit
    (_exit_now: 4 ms of a 300 ms summary)."""
    try:
        cli(obj=OWN_PROCESS)
    except SystemExit as exc:
        _exit_now(exc)
        raise


def _exit_now(exc: SystemExit) -> None:
    """End the process with `exc`'s code as the usual exit does, exit handlers then stdout and stderr flushed, but
    without the interpreter's teardown (os._exit). Returns, for the usual exit, when the code is not a number, when
    another thread still runs (the usual exit waits for it), or when the output cannot be flushed (a closed pipe: the
    interpreter says so as usual; the handlers, run once, are not run again)."""
    import threading

    code = 0 if exc.code is None else exc.code
    if not isinstance(code, int) or threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)
