"""The agency workbook's `Start here` sheet: who, what, by when, how to fill it in, what each answer means, how
complete the encoding is, attribution."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from baseline import __version__
from baseline.guideline import Guideline
from baseline.xlsx.agency.layout import WorkbookJob, iso_utc, recommendations_url
from baseline.xlsx.agency.styles import (
    BOLD,
    LABEL,
    LABEL_GREY,
    LABEL_PLAIN,
    TITLE,
    VALUE,
    VALUE_DATE,
    VALUE_GREY,
    VALUE_LINK,
    VALUE_WARNING,
)
from baseline.xlsx.sheets import StreamSheet, stream_print_setup, stream_protect


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"

def encoding_note(guideline: Guideline) -> str:
    """Plain words on how complete the guideline encoding is, for people filling in the workbook."""
    c = guideline.completeness()
    if c["complete"]:
        return (f"This workbook is based on a complete list of the {c['recommendations']} recommendations of "
                f"{guideline.guideline}.")
    text = (f"Please note: this list of {guideline.guideline} recommendations is NOT complete. It holds the "
            f"{c['recommendations']} recommendation numbers known so far, in {c['sections']} sections")
    if c["complete_sections"]:
        text += f"; only section{'s' if len(c['complete_sections']) > 1 else ''} {', '.join(c['complete_sections'])} "
        text += f"{'are' if len(c['complete_sections']) > 1 else 'is'} known to be complete"
    text += "."
    if not c["sections_list_complete"]:
        text += " NICE may have further sections not listed here."
    missing = c["recommendations"] - c["with_summary"]
    if missing:
        text += (f" {missing} of the {c['recommendations']} have no summary yet: read them on the NICE website "
                 "(each recommendation number links to it).")
    text += (f" {c['verified']} of the {c['recommendations']} have been checked against a NICE source. "
             "If you find a recommendation that applies to you but is missing here, tell the facilitator.")
    return text

def round_notes(job: WorkbookJob) -> list[tuple[str, str]]:
    """What Start here says about a re-issued workbook: prefilled from last round, or moved to a new version."""
    notes = []
    if job.continues is not None:
        merged = f", merged {job.continues.merged_at[:10]}" if job.continues.merged_at else ""
        notes.append(("Last round's answers",
                      f"This workbook already holds {job.agency}'s answers from the last round and the group's latest "
                      f"updates to its actions (from {job.continues.file}{merged}). Please review every row: change "
                      "what is no longer true, bring Deadline and Action status up to date, answer any row left "
                      "blank, and put your name under Completed by. Send it back even if nothing has changed."))
    if job.migrated_from:
        new = job.new_recommendations
        text = (f"These answers were moved from {job.migrated_from} to {job.guideline.ref}, keeping every answer to "
                f"a recommendation both versions share.")
        if new:
            text += (f" Recommendation{'s' if len(new) > 1 else ''} new in this version ({', '.join(new)}) "
                     "are marked NEW in the Summary column and are blank: please answer them.")
        if job.removed_answers:
            text += (f" {job.removed_answers} answer(s) to recommendations this version no longer has are listed "
                     "on the Removed sheet.")
        notes.append(("New guideline version", text))
    return notes


_HOW_TO = (
    "Go to the Assessment sheet. Each row is one NICE recommendation that applies to your service; the grey rows "
    "are section headings. Click a recommendation number to open NICE's recommendations page.",
    "Fill in the yellow cells only. Pick Relevant to us? and Meets it? from the dropdown in each cell.",
    "Say what you do now under Evidence / current activity (or why it is not relevant to you).",
    "If it is not fully met, say what needs to happen (Action needed), who owns it (Action owner) and by when "
    "(Deadline: a date such as 31/03/2027), then keep Action status up to date.",
    "Put your name and role under Completed by. My summary shows your progress as you go.",
    "Save the file (keep the .xlsx format and the file name) and send it back by the date above.",
)

_MEANINGS = (
    ("Relevant to us?", "Yes: it applies to your service. Partial: it applies to part of it (some teams, ages or "
                        "settings). No: it does not apply; say why under Evidence."),
    ("Meets it?", "Yes: you fully meet it today and can show it. Partial: you meet it in part or not consistently. "
                  "No: you do not meet it yet. Leave it blank if the recommendation is not relevant."),
    ("Evidence / current activity", "What you do now that shows it is met: a policy, pathway, audit, training "
                                    "record... Name documents rather than pasting them."),
    ("Action needed", "What needs to happen to meet it fully."),
    ("Action owner", "The person or role responsible for the action."),
    ("Deadline", "The date the action should be done by (a real date: the cell refuses anything else)."),
    ("Action status", "Not started, In progress or Complete."),
    ("Risk if not done?", "Yes if not meeting this recommendation is a risk to people who self-harm or to your "
                          "service; No otherwise."),
    ("Completed by", "Your name and role, so the facilitator knows whom to ask."),
)

def write_start(sheet: StreamSheet, job: WorkbookJob) -> None:
    g = job.guideline
    sheet.width(1, 30)
    sheet.width(2, 100)
    row = 1

    def put(label: str, value, *, label_style: str = LABEL, link: str | None = None, value_style: str = VALUE):
        nonlocal row
        sheet.text(row, 1, label, label_style)
        if isinstance(value, dt.date):
            sheet.value(row, 2, value, VALUE_DATE)
        elif link:
            sheet.link(row, 2, link, value, VALUE_LINK)
        else:
            sheet.text(row, 2, value, value_style)
        row += 1

    def gap() -> None:
        nonlocal row
        row += 1

    def heading(text: str) -> None:
        nonlocal row
        sheet.text(row, 1, text, TITLE)
        row += 1

    heading(f"NICE {g.guideline} baseline assessment")
    sheet.text(row, 1, g.title, BOLD)
    row = 4
    sector_labels = "; ".join(g.sectors[s] for s in job.sectors)
    put("Agency", job.agency)
    put("Area", job.area or "(not given)")
    if job.round:
        put("Round", job.round)
    put("Sector", sector_labels)
    published = dt.date.fromisoformat(g.published)
    put("Guideline", f"NICE guideline {g.guideline}: {g.title}. Published {_long_date(published)}"
                     + (f", updated {_long_date(dt.date.fromisoformat(g.updated))}" if g.updated else "")
                     + f". Encoding version {g.version}.")
    put("On the NICE website", g.source, link=g.source)
    put("Please return by", job.return_by or "Ask the person who sent you this workbook.")
    contact = job.facilitator_name
    if job.facilitator_email:
        contact = f"{contact} <{job.facilitator_email}>" if contact else job.facilitator_email
    mailto = f"mailto:{quote(job.facilitator_email, safe='@.+-_')}" if "@" in job.facilitator_email else None
    put("Questions to", contact or "The person who sent you this workbook.", link=mailto)
    total = len(g.recommendations)
    if job.all_recommendations:
        scope = f"All {total} recommendations in this encoding of {g.guideline}."
    else:
        scope = (f"{len(job.listed)} of the {total} recommendations in this encoding: those that apply to "
                 f"{sector_labels}, or to everybody.")
    put("Recommendations listed", scope)
    for label, text in round_notes(job):
        put(label, text, value_style=VALUE_WARNING)
    gap()
    complete = g.completeness()["complete"]
    put("About this list", encoding_note(g), value_style=VALUE if complete else VALUE_WARNING)
    gap()
    heading("How to fill it in")
    for number, step in enumerate(_HOW_TO, start=1):
        put(f"Step {number}", step, label_style=LABEL_PLAIN)
    gap()
    heading("What each answer means")
    for header, meaning in _MEANINGS:
        put(header, meaning)
    put("How answers are counted",
        "Met: relevant (Yes or Partial) and Meets it? Yes. Partially met: Meets it? Partial. Not met: Meets it? No. "
        "Not applicable: Relevant to us? No. Not assessed: not answered yet. My summary counts these for you.")
    gap()
    put("Please do not", "rename or delete sheets, change the column headings, or change the Recommendation "
                         "column: the facilitator's tool reads your answers by them. You can filter, resize "
                         "columns and rows (double-click the line under a row number to fit a long answer), and "
                         "add comments. The sheets are protected without a password only to "
                         "prevent accidents.")
    gap()
    put("Source and copyright",
        f"Based on NICE guideline {g.guideline} ({g.title}). © NICE. Summaries in this workbook are our own words, "
        "not NICE's text: read the full recommendations on the NICE website.")
    put("NICE's recommendations", recommendations_url(g), link=recommendations_url(g))
    put("Generated", f"{iso_utc(job.generated_at)} by baseline {__version__}", label_style=LABEL_GREY,
        value_style=VALUE_GREY)
    sheet.fit_rows()
    stream_print_setup(sheet.ws, landscape=False, title=f"{g.guideline} baseline assessment: {job.agency}")
    sheet.ws.print_area(0, 0, row - 2, 1)
    stream_protect(sheet.ws)
