"""`baseline actions` for people: the action list as a terminal table, CSV and Markdown (JSON is the library's
ActionList.to_dict()).

Every text came from a return or from the group: it is shown as text (rich Text, never markup), inert in CSV
(render.to_csv, which also keeps ids such as 1.10 as text) and escaped in Markdown (text.markdown_text).
"""

from __future__ import annotations

from rich.text import Text

from baseline.actions import FIELD_LABELS, ActionGroup, ActionList, CarryReport, Orphan, PlanRow
from baseline.render.common import console, print_table_or_blocks, say, to_csv
from baseline.text import counted, markdown_text, one_line, quote

CSV_HEADER = ("Action ID", "Theme", "Recommendation", "Agency", "Owner", "Specific action", "Deadline", "Status",
              "Overdue", "Risk", "Links to other actions", "Progress notes", "Last updated")
MARKDOWN_HEADER = ("Action ID", "Rec.", "Specific action", "Owner", "Deadline", "Status", "Overdue", "Risk",
                   "Progress notes")


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _status(row: PlanRow) -> str:
    return row.status.value if row.status else ""


def _notes(text: str) -> str:
    """Progress notes keep their lines; each line loses anything that could move the cursor."""
    return "\n".join(one_line(line) for line in text.splitlines() if line.strip())


def group_line(group: ActionGroup) -> str:
    """"CAMHS Lead (North CAMHS): 2 actions, 2 open, 1 overdue since 31/01/2027"."""
    earliest = group.earliest_open_deadline
    line = f"{one_line(group.name)}: {len(group.rows)} action{'s' if len(group.rows) != 1 else ''}, {group.open} open"
    if group.overdue:
        line += f", {group.overdue} overdue since {earliest:%d/%m/%Y}"
    elif earliest:
        line += f", earliest open deadline {earliest:%d/%m/%Y}"
    return line


def _counts(listed: ActionList) -> str:
    rows = listed.rows
    overdue = sum(r.is_overdue(listed.as_of) for r in rows)
    risks = sum(r.risk for r in rows)
    return (f"{counted(len(rows), 'action')} in {counted(len(listed.groups), 'group')} by {listed.by}: "
            f"{sum(r.is_open for r in rows)} open, {overdue} overdue, {risks} with a risk flagged by the agency "
            f"(listed first in each group).")


ACTION_TABLE_HEADER = ("Action ID", "Rec.", "Specific action", "Deadline", "Status", "Overdue", "Risk",
                      "Progress notes")


def print_action_list(listed: ActionList, heading: str) -> None:
    """Each group as a table when it fits the terminal without breaking a word, else one block per action
    (render.print_table_or_blocks, as summary and compare); overdue actions in red."""
    out = console()
    say(out, Text(one_line(heading), style="bold"))
    say(out, Text(_counts(listed)))
    out.print()
    for group in listed.groups:
        rows, styles = [], []
        for r in group.rows:
            overdue = r.is_overdue(listed.as_of)
            rows.append([r.action_id, r.recommendation, one_line(r.action) or "(no action written)",
                         r.deadline_shown, _status(r), _yes(overdue), "Yes" if r.risk else "",
                         " / ".join(_notes(r.progress_notes).splitlines())])
            styles.append("red" if overdue else None)
        print_table_or_blocks(out, one_line(group_line(group)), ACTION_TABLE_HEADER, rows, label_columns=2,
                              no_wrap=(0, 1, 3, 4, 5, 6), prefer=(2, 7), styles=styles)
    if not listed.groups:
        say(out, "No actions match.")


def action_list_csv(listed: ActionList, themes: dict[str, str] | None = None) -> str:
    themes = themes or {}
    return to_csv(CSV_HEADER, (
        [r.action_id, themes.get(r.section, r.section), r.recommendation, r.agency, r.owner, r.action, r.deadline_shown,
         _status(r), _yes(r.is_overdue(listed.as_of)), _yes(r.risk), r.links_shown, r.progress_notes,
         r.last_updated.strftime("%d/%m/%Y") if r.last_updated else ""]
        for r in listed.rows), keep_text=("Recommendation",))


def action_list_markdown(listed: ActionList, heading: str) -> str:
    """One section per group: a facilitator can paste a group's part into an email, or send the file."""
    parts = [f"# Actions: {markdown_text(heading)}", "", markdown_text(_counts(listed))]
    for group in listed.groups:
        parts += ["", f"## {markdown_text(group_line(group))}", "",
                  "| " + " | ".join(MARKDOWN_HEADER) + " |", "|" + "|".join("---" for _ in MARKDOWN_HEADER) + "|"]
        for r in group.rows:
            cells = (r.action_id, r.recommendation, r.action, r.owner, r.deadline_shown, _status(r),
                     _yes(r.is_overdue(listed.as_of)), "Yes" if r.risk else "", r.progress_notes)
            parts.append("| " + " | ".join(markdown_text(c) for c in cells) + " |")
    if not listed.groups:
        parts += ["", "No actions match."]
    return "\n".join(parts) + "\n"


_KEPT_REASONS = {
    Orphan.CLEARED: "gone from the agency's return",
    Orphan.NOT_MERGED: "its agency's return is not in this merge",
    Orphan.RETIRED: "its recommendation is not in this encoding",
}


def carry_lines(carry: CarryReport, previous: str) -> list[str]:
    """What `merge --update` did with the group's work, for stderr: the counts, then each overridden edit and each
    action newly kept, so nothing changes in the plan without the facilitator being told."""
    lines = [f"Action plan carried forward from {previous}: carried {len(carry.carried)} group edit(s), "
             f"{len(carry.overridden)} overridden, {len(carry.kept)} kept, {len(carry.added)} added, "
             f"{len(carry.restored)} restored."]
    for edit in carry.overridden:
        lines.append(f"Overridden: {edit.action_id} ({one_line(edit.agency)}, {edit.recommendation}) "
                     f"{FIELD_LABELS[edit.field]}: the group's {quote(edit.group_value)} replaced by the agency's new "
                     f"return ({quote(edit.return_value)}); the group's value is kept in its Progress notes.")
    for kept in carry.kept:
        if kept.newly:
            lines.append(f"Kept: {kept.action_id} ({one_line(kept.agency)}, {kept.recommendation}): "
                         f"{_KEPT_REASONS[kept.reason]}; kept as the group left it and noted in its Progress notes.")
    for action in carry.restored:
        lines.append(f"Restored: {action} was missing from {previous}'s Actions sheet; back from the agency's return.")
    return lines
