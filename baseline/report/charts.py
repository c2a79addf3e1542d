"""SVG charts for the board report, drawn with matplotlib's SVG backend (no pyplot, no global state, no raster).

Every chart is an inline <svg> string that can be pasted into HTML as is: no XML prolog or DOCTYPE, no metadata
(which would carry a date and a URL), text kept as text (searchable, printable, read by screen readers), element ids
prefixed per chart so two charts in one page never share one, a <title> and <desc> for a text alternative, and
the same output for the same numbers. Colour is never the only signal: each status also has its own hatch pattern,
a legend with words, and the counts written on the bars. The report shows the same numbers in a table beside it.
"""

from __future__ import annotations

import io
import re
from typing import Mapping, Sequence
from xml.sax.saxutils import escape

import matplotlib.style
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from baseline.assessment import STATUS_ORDER, Status
from baseline.records import record


@record(frozen=True)
class StatusLook:
    """How a status is drawn on the charts: bar colour, hatch pattern and the colour of its count."""

    colour: str
    hatch: str  # a pattern on the bar, so a status reads without colour (and in greyscale print)
    ink: str  # colour of a count written on the bar


# Colour-blind-safe colours (Okabe-Ito), with the hatch the legend repeats.
STATUS_LOOKS = {
    Status.MET: StatusLook("#009E73", "", "#ffffff"),
    Status.PARTIALLY_MET: StatusLook("#E69F00", "///", "#000000"),
    Status.NOT_MET: StatusLook("#D55E00", "xx", "#ffffff"),
    Status.NOT_ASSESSED: StatusLook("#CC79A7", "---", "#000000"),
    Status.NOT_APPLICABLE: StatusLook("#BBBBBB", "", "#000000"),
}

_RC = {
    "svg.fonttype": "none",  # text as <text>, not paths
    "svg.hashsalt": "baseline-report",  # stable ids: the same numbers give the same file
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
    "font.size": 9,
    "text.parse_math": False,  # a "$" in a label is a dollar sign
    "hatch.linewidth": 0.8,
    "hatch.color": "#000000",
}
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
# Namespace declarations are implied for <svg> inside HTML; dropped so that the page names no URL but NICE's.
_NAMESPACES = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')


def stacked_bars(rows: Sequence[tuple[str, Mapping[str, int]]], *, title: str, description: str, chart_id: str,
                 proportions: bool = False, width_inches: float = 7.0) -> str:
    """Horizontal bars, one per (label, counts) row, stacked by status in display order.

    `proportions` scales each bar to 100% (two views of different sizes side by side); the counts are written on
    the segments either way. Returns an inline <svg> element.
    """
    height = 0.8 + 0.32 * max(len(rows), 1)
    # matplotlib's defaults plus ours: a matplotlibrc in the user's home must not change the report.
    with matplotlib.style.context(["default", _RC]):
        figure = Figure(figsize=(width_inches, height))
        axes = figure.add_subplot()
        labels = [label for label, _ in rows]
        positions = list(range(len(rows)))[::-1]  # first row on top
        lefts = [0.0] * len(rows)
        for status in STATUS_ORDER:
            look = STATUS_LOOKS[status]
            values = []
            for _, counts in rows:
                total = sum(counts.values())
                n = counts.get(status.value, 0)
                values.append(100 * n / total if proportions and total else float(n))
            bars = axes.barh(positions, values, left=lefts, color=look.colour, hatch=look.hatch,
                             edgecolor="#333333", linewidth=0.5, height=0.62, label=status.label)
            for bar, (_, counts) in zip(bars, rows):
                n = counts.get(status.value, 0)
                if n and bar.get_width() >= (4 if proportions else 0.6):
                    axes.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, str(n),
                              ha="center", va="center", fontsize=8, color=look.ink, fontweight="bold",
                              bbox={"boxstyle": "round,pad=0.12", "facecolor": look.colour, "edgecolor": "none"})
            lefts = [left + value for left, value in zip(lefts, values)]
        axes.set_yticks(positions, labels)
        axes.set_xlim(0, 100 if proportions else max(max(lefts, default=0), 1))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.5 of a recommendation
        axes.set_xlabel("% of answers and recommendations" if proportions else "Recommendations")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.legend(loc="lower center", bbox_to_anchor=(0.4, 1.0), ncols=len(STATUS_ORDER), frameon=False,
                    fontsize=8, handlelength=1.6, columnspacing=1.0)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.04, metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return _inline(buffer.getvalue(), chart_id=chart_id, title=title, description=description)


def _inline(svg: str, *, chart_id: str, title: str, description: str) -> str:
    """matplotlib's SVG document -> an accessible inline element with ids of its own."""
    svg = _PROLOG.sub("", svg, count=1)
    svg = _METADATA.sub("", svg)
    head_end = svg.index(">") + 1
    svg = _NAMESPACES.sub("", svg[:head_end]) + svg[head_end:]
    for old in dict.fromkeys(_ID.findall(svg)):
        new = f"{chart_id}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"#{old})", f"#{new})").replace(f'"#{old}"', f'"#{new}"')
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" ', 1)
    head_end = svg.index(">", svg.index("<svg")) + 1
    alternative = (f'<title id="{chart_id}-title">{escape(title)}</title>'
                   f'<desc id="{chart_id}-desc">{escape(description)}</desc>')
    return svg[:head_end] + alternative + svg[head_end:]
