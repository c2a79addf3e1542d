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


# --- validate ------------------------------------------------------------------------------------------------


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def validate(files: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check returned workbooks and say exactly which cell to fix.

    FILES are returned workbooks (.xlsx, .xlsm, .ods), or folders of them. Each file gets a one-line OK or a table
    of issues (cell, recommendation, code, message); a file that cannot be read is reported and the others are
    still checked. Exit 0 when every file is valid (warnings allowed, unless --strict), 1 otherwise.
    """
    from baseline import render
    from baseline.validate import validate_files

    report = validate_files(files, strict=strict)
    if fmt == "json":
        click.echo(render.to_json(report.to_dict()))
    else:
        render.print_validation(report)
    echo_err(render.validation_count(report) + ".")
    if not report.valid:
        sys.exit(EXIT_INPUT_PROBLEM)


def main() -> None:  # pragma: no cover - console entry point alias
    cli()
