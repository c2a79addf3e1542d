"""The board report (baseline/report/): HTML content from hand-built summaries, escaping of hostile text, nothing
fetched from anywhere, the print layout in a real headless Chromium, and `baseline report` through the CLI."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from baseline import catalogue
from baseline.actions import build_plan
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.guideline import guideline_data, parse_guideline
from baseline.merge import merge_returns
from baseline.report.html import render_report
from baseline.rounds import RoundInfo, compare
from baseline.summary import summarise

from . import browser
from .factories import make_return

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
AS_OF = dt.date(2027, 3, 1)
HOSTILE_AGENCY = "<script>alert(1)</script> [bold]Trust[/bold]"
HOSTILE_OWNER = '<img src=x onerror="alert(2)"> Lead'
NICE_LINK = "https://www.nice.org.uk/guidance/tg1"


def tiny_guideline(*, complete: bool = True):
    """A five-recommendation encoding made up for these tests (not NICE's)."""
    return parse_guideline({
        "schema": 1, "guideline": "TG1", "title": "A test guideline", "version": "2030-01-01",
        "published": "2030-01-01", "source": NICE_LINK, "complete": complete,
        "sectors": {"health": "Health", "education": "Education"},
        "sections": [
            {"id": "1.1", "title": "First things", "complete": True, "recommendations": [
                {"id": "1.1.1", "summary": "Offer a written plan"},
                {"id": "1.1.2", "summary": "Review the plan <every> year & say so"},
                {"id": "1.1.3"}]},
            {"id": "1.2", "title": None, "complete": complete, "recommendations": [
                {"id": "1.2.1", "summary": "Train staff"}, {"id": "1.2.2", "summary": "Audit the service"}]},
        ],
    })


def tiny_summary(guideline, *, action: str = "=HYPERLINK(\"http://evil.example\")", **keywords):
    """Two agencies; by construction the system view is 1 met, 1 partially met, 2 not met, 1 not applicable
    (1 of 4 met, 25%) and the agency answers 4 met, 1 partially met, 2 not met, 1 not assessed, 2 not applicable
    (4 of 8 met, 50%)."""
    overdue = dict(owner="Service Manager", deadline=dt.date(2027, 1, 31), action_status=ActionStatus.IN_PROGRESS)
    a = make_return(guideline, HOSTILE_AGENCY, {
        "1.1.1": Answer("1.1.1", Y, Y),
        "1.1.2": Answer("1.1.2", Y, Y),
        "1.1.3": Answer("1.1.3", Y, N, action=action, risk=YesNo.YES, **overdue),
        "1.2.1": Answer("1.2.1", N),
        "1.2.2": Answer("1.2.2"),
    }, sectors=["*"])
    b = make_return(guideline, "North School", {
        "1.1.1": Answer("1.1.1", Y, Y),
        "1.1.2": Answer("1.1.2", Y, P, action="Write the review", owner=HOSTILE_OWNER, deadline=dt.date(2027, 6, 1)),
        "1.1.3": Answer("1.1.3", Y, Y),
        "1.2.1": Answer("1.2.1", N),
        "1.2.2": Answer("1.2.2", Y, N, action="Book an audit", **overdue),
    }, sectors=["*"])
    return summarise(merge_returns(guideline, [a, b]), as_of=AS_OF, **keywords)


class _Text(HTMLParser):
    """The text a reader sees (entities decoded), outside <style>."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag == "style"

    def handle_endtag(self, tag):
        self._skip -= tag == "style"

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture(scope="module")
def guideline():
    return tiny_guideline()


@pytest.fixture(scope="module")
def html(guideline):
    return render_report(tiny_summary(guideline, area="Northshire", round="2027"), guideline)


def test_header_names_area_round_guideline_and_date(html):
    text = visible_text(html)
    assert "Northshire: TG1 baseline assessment" in text
    assert "Round 2027" in text and "TG1@2030-01-01" in text and "As of 1 March 2027" in text
    assert "Agencies 2 returned" in text


def test_headline_in_both_views(html):
    text = visible_text(html)
    assert "1 of 4 recommendations met (25%)" in text
    assert "4 of 8 answers met (50%)" in text


def test_sections_table_and_grid(html):
    text = visible_text(html)
    # Section 1.1: 1.1.1 met, 1.1.2 partially met, 1.1.3 not met; 1.2: 1.2.1 not applicable, 1.2.2 not met.
    assert "1.1 First things 1 1 1 0 0 33%" in text
    assert "1.2 heading not yet encoded 0 0 1 0 1 0%" in text
    grid = html[html.index('id="h-grid"'):html.index('id="h-gaps"')]
    grid_text = visible_text(grid)
    # Each agency's own worst status per section, in words, and its met count.
    assert "1.1 First things ✗ Not met 2/3 met ◐ Partially met 2/3 met" in grid_text
    assert "1.2 ? Not assessed 0/1 met ✗ Not met 0/1 met" in grid_text
    assert "All sections ✗ Not met 2/4 met (50%) ✗ Not met 2/4 met (50%)" in grid_text


def test_gaps_show_our_summaries_and_risks(html):
    gaps = visible_text(html[html.index('id="h-gaps"'):html.index('id="h-actions"')])
    assert "Gaps (3): 1 flagged as a risk" in gaps
    assert "Review the plan <every> year & say so" in gaps  # our summary, escaped in the HTML
    assert "Review the plan &lt;every&gt; year &amp; say so" in html
    assert "1.1.3 no summary in this encoding" in gaps
    assert gaps.count("Risk flagged") == 1 and gaps.count("not flagged") == 2
    assert f"Not met: {HOSTILE_AGENCY}" in gaps and "Partially met: North School" in gaps


def test_owners_and_overdue_actions_by_agency(html):
    actions = visible_text(html[html.index('id="h-actions"'):html.index("</main>")])
    # The same job title in two agencies is two owners, each overdue since 31 January 2027.
    assert actions.count("Service Manager 1 1 1 overdue overdue since 31 January 2027") == 2
    assert f"North School {HOSTILE_OWNER} 1 1 0 1 June 2027" in actions
    assert f"{HOSTILE_AGENCY}: 1 overdue" in actions and "North School: 1 overdue" in actions
    assert "Service Manager 1.2.2 Book an audit 31 January 2027 29" in actions  # 29 days overdue on 1 March


def test_text_from_returns_is_escaped(html):
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; [bold]Trust[/bold]" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt; Lead" in html
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in html  # shown as text in the overdue list


def test_nothing_is_fetched_and_no_scripts(guideline):
    clean = render_report(tiny_summary(guideline, action="Plain action"), guideline)
    assert re.findall(r"https?://[^\s\"<]+", clean) == [NICE_LINK, NICE_LINK]  # the link and its visible text
    references = re.findall(r"\b(?:src|href|xlink:href|action|srcset|data)\s*=\s*\"([^\"]*)\"", clean)
    assert [r for r in references if not r.startswith("#")] == [NICE_LINK]
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", clean))
    for tag in ("<script", "<link", "<iframe", "<object", "<embed", "<img", "@import", "<base", "<meta http-equiv"):
        assert tag not in clean.lower()
    assert "<metadata" not in clean  # matplotlib's creator URL and date are gone


def test_a_source_that_is_not_nice_is_not_a_link(guideline):
    data = guideline_data(guideline)
    data["source"] = "javascript:alert(3)"
    other = parse_guideline(data)
    page = render_report(tiny_summary(other), other)
    assert "href=\"javascript" not in page and "javascript:alert(3)" not in page


def test_charts_are_inline_accessible_svg_with_unique_ids(html):
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg, name in zip(svgs, ("headline", "sections")):
        assert f'aria-labelledby="{name}-title {name}-desc"' in svg and 'role="img"' in svg
        assert f'<title id="{name}-title">' in svg
        assert "Met" in svg and "Not met" in svg  # the legend names statuses in words
    description = re.search(r'<desc id="sections-desc">(.*?)</desc>', html).group(1)
    assert "section 1.1: 1 met, 1 partially met, 1 not met, 0 not assessed, 0 not applicable" in description
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', html):
        assert ref in ids


def test_status_is_never_told_by_colour_alone(html):
    # Bars: each gap status has a hatch pattern of its own (met and not applicable are plain, told apart by colour
    # and by the legend's words, and the counts are on the bars).
    sections = next(svg for svg in re.findall(r"<svg\b.*?</svg>", html, re.S) if 'id="sections-title"' in svg)
    assert len(set(re.findall(r'<pattern id="([^"]+)"', sections))) == 3
    # Tables: every coloured status carries its symbol and its word.
    for value, word in (("met", "Met"), ("not_met", "Not met"), ("partially_met", "Partially met")):
        assert re.search(rf'<span class="status s-{value}"><span class="sym" aria-hidden="true">.</span> {word}</span>',
                         html)


def test_a_browser_test_cannot_skip_in_ci(monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM", None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        browser.require_chromium()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        browser.require_chromium()


def test_the_same_summary_gives_the_same_bytes(guideline):
    summary = tiny_summary(guideline)
    assert render_report(summary, guideline) == render_report(summary, guideline)


def test_encoding_caveat_only_when_partial(guideline):
    assert "Caveat:" not in render_report(tiny_summary(guideline), guideline)
    partial = tiny_guideline(complete=False)
    page = visible_text(render_report(tiny_summary(partial), partial))
    assert "Caveat: " + partial.completeness_sentence() in page
    assert "PARTIAL ENCODING" in page


def test_missing_agencies_and_uncovered_recommendations_are_said(guideline):
    health_only = guideline_data(guideline)
    health_only["sections"][1]["sectors"] = ["health"]
    narrowed = parse_guideline(health_only)
    summary = summarise(merge_returns(narrowed, [make_return(narrowed, "North School", sectors=["education"])]),
                        as_of=AS_OF, missing_agencies=["North CAMHS"])
    page = visible_text(render_report(summary, narrowed))
    assert "1 missing: North CAMHS" in page and "have not returned: North CAMHS" in page
    assert "they count as not assessed: 1.2.1, 1.2.2" in page
    assert "in no returned workbook: no agency was asked" in page


def test_progress_since_the_last_round(guideline):
    """--compare: the change counts, each section then and now, what improved or got worse, and the actions."""
    before = make_return(guideline, "North School", {
        "1.1.1": Answer("1.1.1", Y, N, action="Write a leaflet", owner="Lead", deadline=dt.date(2026, 12, 1)),
        "1.1.2": Answer("1.1.2", Y, Y),
        "1.2.2": Answer("1.2.2", Y, P, action="Book an audit", owner="Lead", deadline=dt.date(2026, 12, 1)),
    }, sectors=["*"])
    after = make_return(guideline, "North School", {
        "1.1.1": Answer("1.1.1", Y, Y, action="Write a leaflet", owner="Lead", deadline=dt.date(2026, 12, 1),
                        action_status=ActionStatus.COMPLETE),
        "1.1.2": Answer("1.1.2", Y, N),
        "1.2.2": Answer("1.2.2", Y, P, action="Book an audit", owner="Lead", deadline=dt.date(2026, 12, 1)),
    }, sectors=["*"])
    old, new = merge_returns(guideline, [before]), merge_returns(guideline, [after])
    comparison = compare(old, new, build_plan(old), build_plan(new),
                         old_meta=RoundInfo(round="2026", as_of=dt.date(2027, 1, 1)),
                         new_meta=RoundInfo(round="2027", as_of=AS_OF))
    page = visible_text(render_report(summarise(new, as_of=AS_OF), guideline, progress=comparison))
    assert "Progress since round 2026" in page and "(as of 1 January 2027)" in page
    assert "1 recommendation improved; 1 recommendation got worse; 3 recommendations stayed the same." in page
    assert "1.1 First things 1 of 3 (33%) 1 of 3 (33%)" in page
    assert "Improved (1) 1.1.1: ✗ Not met → ✓ Met" in page
    assert "Got worse (1) 1.1.2: ✓ Met → ✗ Not met" in page
    assert "Actions: 1 closed, 0 new, 1 still open, of which 1 overdue then and still overdue now." in page
    assert "Progress since" not in visible_text(render_report(summarise(new, as_of=AS_OF), guideline))


def test_a_report_with_no_actions_and_no_gaps(guideline):
    met = {r.id: Answer(r.id, Y, Y) for r in guideline.recommendations}
    summary = summarise(merge_returns(guideline, [make_return(guideline, "A", met, sectors=["*"])]), as_of=AS_OF)
    page = visible_text(render_report(summary, guideline))
    assert "5 of 5 recommendations met (100%)" in page
    assert "No gaps" in page and "No open actions." in page and "No action is overdue as of 1 March 2027." in page


# --- in a real browser -------------------------------------------------------------------------------------


def test_chromium_prints_the_report_to_a4_with_its_text(tmp_path, html):
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    pdf = browser.print_to_pdf(page, tmp_path / "report.pdf")
    pages = browser.pdf_pages(pdf)
    assert 2 <= len(pages) <= 4  # the grid starts a page of its own; a short report stays short
    for width, height in browser.pdf_page_sizes(pdf):
        assert (round(width), round(height)) == (595, 842)  # A4 in points, from the print stylesheet
    text = re.sub(r"\s+", " ", " ".join(pages))
    assert "Northshire: TG1 baseline assessment" in text
    assert "1 of 4 recommendations met (25%)" in text and "4 of 8 answers met (50%)" in text
    assert "Review the plan <every> year & say so" in text
    assert "<script>alert(1)</script> [bold]Trust[/bold]" in text  # shown as text, not run
    assert "Risk flagged" in text and "overdue since 31 January 2027" in text
    grid_page = next(p for p in pages if "Agencies by section" in p)
    assert grid_page.lstrip().startswith("Agencies by section")  # the page break before the grid


def test_chromium_shows_the_ng225_demo_size_report_with_the_caveat(tmp_path):
    ng225 = catalogue.load("NG225")
    agencies = [f"Agency {n}" for n in range(1, 8)]
    returns = [make_return(ng225, name, {r.id: Answer(r.id, Y, [Y, P, N][(i + k) % 3], action="Act",
                                                       owner="Service Manager", deadline=dt.date(2027, 1, 1))
                                         for k, r in enumerate(ng225.recommendations)}, sectors=["*"])
               for i, name in enumerate(agencies)]
    summary = summarise(merge_returns(ng225, returns), as_of=AS_OF)
    page = tmp_path / "ng225.html"
    page.write_text(render_report(summary, ng225), encoding="utf-8")
    pages = browser.pdf_pages(browser.print_to_pdf(page, tmp_path / "ng225.pdf"))
    text = re.sub(r"\s+", " ", " ".join(pages))
    assert "PARTIAL ENCODING" in pages[0]
    assert f"0 of {len(ng225.recommendations)} recommendations met (0%)" in text
    assert f"{summary.agency_answers['met']} of {summary.answers_assessed} answers met" in text
    assert text.count("Service Manager") >= 7  # one owner per agency
    assert 5 <= len(pages) <= 30  # 7 agencies x 51 overdue actions: about 20 pages


# --- through the CLI ---------------------------------------------------------------------------------------


def test_help_does_not_import_matplotlib_or_jinja2():
    code = ("import sys; from baseline.cli import cli\n"
            "try:\n    cli(['report', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('HEAVY:' + ','.join(m for m in ('matplotlib', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY:"


@pytest.fixture
def merged_workbook(tmp_path, run):
    """Two returns written by the real writer, merged by `baseline merge` as of 1 March 2027."""
    from baseline.xlsx.agency.writer import write_agency_workbook

    ng225 = catalogue.load("NG225")
    folder = tmp_path / "returns"
    folder.mkdir()
    stamp = dt.datetime(2026, 11, 1, 9, tzinfo=dt.timezone.utc)
    write_agency_workbook(folder / "camhs.xlsx", ng225, agency="<b>[bold]North CAMHS", sectors=["mental_health"],
                          area="Northshire", generated_at=stamp, prefill={
                              "1.1.1": Answer("1.1.1", Y, Y),
                              "1.1.2": Answer("1.1.2", Y, P, action="Leaflet", owner="Service Manager",
                                              deadline=dt.date(2027, 1, 31), risk=YesNo.YES)})
    write_agency_workbook(folder / "schools.xlsx", ng225, agency="North Schools", sectors=["education"],
                          area="Northshire", generated_at=stamp, prefill={
                              "1.1.1": Answer("1.1.1", Y, N, action="Train", owner="Service Manager",
                                              deadline=dt.date(2027, 6, 30))})
    out = tmp_path / "merged.xlsx"
    result = run("merge", folder, "-o", out, "--as-of", "2027-03-01")
    assert result.exit_code == 0, result.output
    return out


def test_cli_report_on_a_merged_workbook(run, merged_workbook, tmp_path):
    from baseline.xlsx.merged.reader import read_merged_workbook

    out = tmp_path / "board.html"
    result = run("report", merged_workbook, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}\n"
    assert "Wrote the report on 2 agencies as of 2027-03-01" in result.stderr
    page = out.read_text(encoding="utf-8")
    assessment = read_merged_workbook(merged_workbook)
    library = summarise(assessment, as_of=AS_OF)  # the workbook's own as-of date is the default
    assert page == render_report(library, assessment.guideline)
    text = visible_text(page)
    assert f"{library.totals['met']} of {library.assessed} recommendations met" in text
    assert "As of 1 March 2027" in text and "PARTIAL ENCODING" in text
    assert "&lt;b&gt;[bold]North CAMHS" in page and "<b>[bold]" not in page
    assert "overdue since 31 January 2027" in text and "Risk flagged" in text
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".board.html")]  # no temporary file left

    later = run("report", merged_workbook, "-o", out, "--as-of", "2027-07-01", "--force")
    assert later.exit_code == 0
    assert "As of 1 July 2027" in visible_text(out.read_text(encoding="utf-8"))


def test_cli_report_refusals(run, merged_workbook, tmp_path):
    out = tmp_path / "board.html"
    out.write_text("keep me", encoding="utf-8")
    refused = run("report", merged_workbook, "-o", out)
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    wrong_suffix = run("report", merged_workbook, "-o", tmp_path / "board.pdf")
    assert wrong_suffix.exit_code == 2 and ".html" in wrong_suffix.stderr
    agency_file = next((tmp_path / "returns").iterdir())
    not_merged = run("report", agency_file, "-o", tmp_path / "other.html")
    assert not_merged.exit_code == 1 and "not a merged baseline workbook" in not_merged.stderr
    assert not (tmp_path / "other.html").exists()
    bad_date = run("report", merged_workbook, "-o", tmp_path / "x.html", "--as-of", "someday")
    assert bad_date.exit_code == 2
