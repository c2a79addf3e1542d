"""`compare` and `migrate` for people: progress between two rounds, and what a migration kept, added and removed."""

from __future__ import annotations

from rich.text import Text

from baseline.render.common import console, markdown_table, print_table_or_blocks, say
from baseline.render.summary import STATUS_HEADERS, percent_met

# --- compare and migrate -------------------------------------------------------------------------------------

CHANGE_LABELS = {"improved": "improved", "worse": "worse", "same": "same", "scope": "scope changed", "new": "new",
                 "removed": "removed"}
CHANGE_STYLES = {"improved": "green", "worse": "bold red", "scope": "yellow", "new": "cyan", "removed": "magenta"}
_COMPARED_STATUSES = ("met", "partially_met", "not_met", "not_assessed", "not_applicable")


def round_label(info) -> str:
    """One side of a comparison: its round label (else its merge date) and its as-of date."""
    name = f"round {info.round}" if info.round else f"merged {info.merged_at[:10] or 'at an unknown date'}"
    return name + (f" (as of {info.as_of.isoformat()})" if info.as_of else "")


def compare_headline(comparison) -> str:
    area = comparison.new.area or comparison.old.area
    return (f"{area + ' · ' if area else ''}{comparison.guideline} · "
            f"{round_label(comparison.old)} → {round_label(comparison.new)}")


def change_sentence(comparison) -> str:
    counts = comparison.change_counts
    parts = [f"{counts[change]} {label}" for change, label in CHANGE_LABELS.items() if counts[change]]
    return f"{len(comparison.recommendations)} recommendations: {', '.join(parts) or 'none'}."


def actions_sentence(comparison) -> str:
    a = comparison.actions
    return (f"Actions: {len(a.closed)} closed, {len(a.new)} new, {len(a.still_open)} still open "
            f"({len(a.still_overdue)} overdue then and still overdue now), {len(a.dropped)} open then and no longer "
            "in the plan.")


def agencies_warning(comparison) -> str:
    """"" when both rounds cover the same agencies; otherwise a sentence saying the totals compare different sets."""
    gone, joined = comparison.agencies_only_old, comparison.agencies_only_new
    if not gone and not joined:
        return ""
    parts = ([f"only in the old round: {', '.join(gone)}"] if gone else []) + (
        [f"only in the new round: {', '.join(joined)}"] if joined else [])
    return f"Warning: the rounds cover different agencies ({'; '.join(parts)}), so the totals are not like for like."


def _then_now(old, new) -> str:
    return f"{'–' if old is None else old} → {'–' if new is None else new}"


def _counts_then_now(old: dict | None, new: dict | None) -> list[str]:
    cells = [_then_now(old[s] if old else None, new[s] if new else None) for s in _COMPARED_STATUSES]
    return cells + [_then_now(percent_met(old) if old else None, percent_met(new) if new else None)]


def compare_tables(comparison) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table of a comparison, shared by the terminal and Markdown formats."""
    changed = [r for r in comparison.recommendations if r.change != "same"]
    counts_header = [STATUS_HEADERS[s] for s in _COMPARED_STATUSES] + ["% met"]
    return [
        (f"Recommendations that changed ({len(changed)})", ["Recommendation", "Section", "Then", "Now", "Change"],
         [[r.recommendation, r.section, STATUS_HEADERS[r.old.value] if r.old else "–",
           STATUS_HEADERS[r.new.value] if r.new else "–", CHANGE_LABELS[r.change]] for r in changed]),
        ("By section (system status, then → now)", ["Section", "Title", *counts_header],
         [[s["id"], s["title"] or "(heading not yet encoded)", *_counts_then_now(s["old"], s["new"])]
          for s in comparison.sections]),
        ("By agency (its own answers, then → now)", ["Agency", *counts_header],
         [[a["agency"], *_counts_then_now(a["old"], a["new"])] for a in comparison.agencies]),
    ]


def print_compare(comparison) -> None:
    """The comparison at any terminal width: tables when they fit without breaking a word, blocks otherwise."""
    out = console()
    say(out, Text(compare_headline(comparison), style="bold"))
    if agencies_warning(comparison):
        say(out, Text(agencies_warning(comparison), style="bold yellow"))
    say(out, Text(change_sentence(comparison)))
    out.print()
    for title, header, rows in compare_tables(comparison):
        if not rows:
            say(out, Text(f"{title}: none.", style="bold"))
            out.print()
            continue
        rows = [[str(v).replace(" → ", "→") for v in row] for row in rows]  # "33→35": one word, never split
        if header[-1] == "Change":
            change_of = {label: change for change, label in CHANGE_LABELS.items()}
            print_table_or_blocks(out, title, header, rows, no_wrap=(0, 1),
                                  styles=[CHANGE_STYLES.get(change_of[row[-1]]) for row in rows])
        else:
            labels = 2 if header[1] == "Title" else 1
            print_table_or_blocks(out, title, header, rows, label_columns=labels, no_wrap=(0,) if labels == 2 else (),
                                  right=range(labels, len(header)))
    say(out, Text(actions_sentence(comparison)))


def compare_markdown(comparison) -> str:
    parts = ["# Progress since the last round", "", compare_headline(comparison), "",
             *([agencies_warning(comparison), ""] if agencies_warning(comparison) else []),
             change_sentence(comparison), "", actions_sentence(comparison)]
    for title, header, rows in compare_tables(comparison):
        parts += ["", f"## {title}", "", markdown_table(header, rows) if rows else "None."]
    return "\n".join(parts) + "\n"


def migration_lines(outcome) -> list[str]:
    """What `baseline migrate` tells the facilitator (stderr): kept, new (blank), removed and where they went."""
    report = outcome.report
    lines = [f"Wrote {outcome.path}: answers moved from {report.old} to {report.new}, {report.kept} kept."]
    if report.added:
        lines.append(f"New in {report.new} (blank, flagged NEW, to be answered): {', '.join(report.added)}.")
    if report.blank:
        lines.append(f"{len(report.blank)} blank answer(s) added for recommendations the agencies are now asked "
                     "about.")
    # One line per removed recommendation (a merged workbook of 200 agencies would otherwise print 200 lines).
    answers: dict[str, list[str]] = {}
    for removed in report.removed:
        answers.setdefault(removed.recommendation, []).append(f"{removed.agency} ({removed.answer.status.label})")
    actions: dict[str, list[str]] = {}
    for action in report.removed_actions:
        actions.setdefault(action.recommendation, []).append(action.action_id)
    for recommendation, names in answers.items():
        lines.append(f"Removed: {recommendation}, answered by {_some(names)}: on the Removed sheet.")
    for recommendation, ids in actions.items():
        lines.append(f"Removed: {recommendation}, action{'s' if len(ids) > 1 else ''} {_some(ids)}: on the Removed "
                     "sheet.")
    for change in report.sections_renamed:
        lines.append(f"Section {change['id']} is now titled {change['new_title']!r}.")
    for move in report.moved:
        lines.append(f"Recommendation {move['recommendation']} moved from section {move['old_section']} to "
                     f"{move['new_section']}.")
    return lines


def _some(items: list[str], shown: int = 5) -> str:
    """The first few items, then how many more."""
    more = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {more} more" if more > 0 else "")
