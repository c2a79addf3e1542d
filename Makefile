# `make demo` and `make test` are the whole set-up on a fresh machine: each creates .venv and installs
# the project (with its test extras) when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install mutate clean

WHEELHOUSE := $(VENV)/wheelhouse

# The distribution was called `baseline` before (a name taken on PyPI): an older .venv loses it first, as both
# install bin/baseline. The wheelhouse holds the runtime dependencies as wheels, so that tests/test_wheel.py can
# install the built wheel into a fresh virtual environment without reaching an index.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip uninstall --quiet --yes baseline 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -c "from importlib.metadata import requires; \
	print('\n'.join(r for r in requires('nice-baseline-assessment') if 'extra ==' not in r))" > $(VENV)/runtime-requirements.txt
	$(BIN)/python -m pip download --quiet --only-binary :all: -d $(WHEELHOUSE) -r $(VENV)/runtime-requirements.txt
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The whole cycle on the bundled example (workbooks/examples/), into demo-output/ (rebuilt each time).
DEMO := demo-output
AS_OF := 2027-03-01
LATER := 2027-04-01
AS_OF_2 := 2027-09-01
demo: $(STAMP)
	rm -rf $(DEMO)
	@echo "== 1. The guideline encoding (what the workbooks are built from)"
	$(BIN)/baseline recs list NG225 --sector education
	@echo "== 2. Generate one blank workbook per agency of the example assessment"
	$(BIN)/baseline generate workbooks/examples/assessment.yaml -o $(DEMO)/blank
	@echo "== 3. The agencies fill them in (a deterministic script stands in for them; one uses LibreOffice)"
	$(BIN)/python workbooks/examples/make_example_returns.py $(DEMO)/returns --problem-dir $(DEMO)/late
	@echo "== 4. Who has returned? One agency never did, one sent a late return with mistakes (exit 1 is expected)"
	-$(BIN)/baseline status workbooks/examples/assessment.yaml $(DEMO)/returns $(DEMO)/late --as-of $(AS_OF)
	-$(BIN)/baseline status workbooks/examples/assessment.yaml $(DEMO)/returns $(DEMO)/late --as-of $(AS_OF) \
		--format markdown > $(DEMO)/chase-list.md
	@echo "== 5. Validate the late return: validate points at each cell (exit 1 is expected here)"
	-$(BIN)/baseline validate $(DEMO)/late
	-$(BIN)/baseline validate $(DEMO)/late --format text > $(DEMO)/late-return-email.txt
	@echo "== 6. Validate the returns that are in, merge them, summarise the gaps and action owners"
	$(BIN)/baseline validate $(DEMO)/returns --config workbooks/examples/assessment.yaml
	$(BIN)/baseline merge $(DEMO)/returns -o $(DEMO)/merged.xlsx --as-of $(AS_OF) \
		--config workbooks/examples/assessment.yaml
	$(BIN)/baseline summary $(DEMO)/merged.xlsx --config workbooks/examples/assessment.yaml
	$(BIN)/baseline summary $(DEMO)/merged.xlsx --config workbooks/examples/assessment.yaml \
		--format markdown > $(DEMO)/summary.md
	$(BIN)/baseline summary $(DEMO)/merged.xlsx --format csv --table gaps > $(DEMO)/gaps.csv
	@echo "== 7. The board report: one self-contained HTML file (prints to A4)"
	$(BIN)/baseline report $(DEMO)/merged.xlsx -o $(DEMO)/report.html
	@echo "== 8. The group's action plan: who is behind, and one workbook per owner to send"
	$(BIN)/baseline actions $(DEMO)/merged.xlsx --as-of $(AS_OF) --overdue
	$(BIN)/baseline actions $(DEMO)/merged.xlsx --as-of $(AS_OF) -o $(DEMO)/to-send
	@echo "== 9. A month of the group's work in the Actions sheet (a script stands in for the group), then a late return"
	$(BIN)/python workbooks/examples/a_month_later.py $(DEMO)/merged.xlsx --late-return $(DEMO)/returns/northshire-ambulance-service.xlsx
	$(BIN)/baseline summary $(DEMO)/merged.xlsx --as-of $(LATER) --by owner
	@echo "== 10. Merge the late return into the same workbook, carrying the group's work forward (--force alone would refuse)"
	$(BIN)/baseline validate $(DEMO)/returns/northshire-ambulance-service.xlsx
	$(BIN)/baseline merge $(DEMO)/returns -o $(DEMO)/merged.xlsx --update $(DEMO)/merged.xlsx --as-of $(LATER)
	$(BIN)/baseline actions $(DEMO)/merged.xlsx --as-of $(LATER) --format markdown > $(DEMO)/actions.md
	@echo "== 11. The next round: re-issue each agency's workbook with its last answers and the group's latest action updates"
	$(BIN)/baseline generate workbooks/examples/assessment.yaml -o $(DEMO)/round2 --prefill $(DEMO)/merged.xlsx
	@echo "== 12. The agencies review their rows (a deterministic script); one sends its workbook back untouched"
	$(BIN)/python workbooks/examples/make_round_two.py $(DEMO)/round2
	$(BIN)/baseline validate $(DEMO)/round2
	$(BIN)/baseline merge $(DEMO)/round2 -o $(DEMO)/merged-round2.xlsx --as-of $(AS_OF_2)
	@echo "== 13. What changed since the first round"
	$(BIN)/baseline compare $(DEMO)/merged.xlsx $(DEMO)/merged-round2.xlsx
	$(BIN)/baseline compare $(DEMO)/merged.xlsx $(DEMO)/merged-round2.xlsx --format markdown > $(DEMO)/progress.md
	$(BIN)/baseline report $(DEMO)/merged-round2.xlsx --compare $(DEMO)/merged.xlsx -o $(DEMO)/report-round2.html
	@echo "== Done: open $(DEMO)/merged.xlsx and $(DEMO)/merged-round2.xlsx; the board reports are $(DEMO)/report.html"
	@echo "   and $(DEMO)/report-round2.html (with the progress since round 1, also in $(DEMO)/progress.md), a summary in"
	@echo "   $(DEMO)/summary.md, the gaps for a spreadsheet in $(DEMO)/gaps.csv, the late return's email in"
	@echo "   $(DEMO)/late-return-email.txt, action lists to send in $(DEMO)/to-send and the plan in $(DEMO)/actions.md;"
	@echo "   the chase list for agencies not yet returned in $(DEMO)/chase-list.md"

# What users wait for, against the read and write floors (issue 16); a report, exit 0. More: make bench ARGS="--returns 2000".
ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/bench.py $(ARGS)

# Mutation testing (mutmut) of the pure core — assessment, summary, merge, guideline, issues, checks, text, actions,
# tracker, rounds — and xlsx/cells.py, the cell rules every reader shares (scope: pyproject.toml, [tool.mutmut]).
# mutmut copies the code to mutants/, changes one thing at a time (~4,500 mutants) and runs the tests that reach
# the changed function; a change no test notices "survived". The tests it runs are the unit tests of these modules
# (pytest_add_cli_args_test_selection), not the CLI and workbook tests: those reach every core function through
# hundreds of slow tests, which made a run take over 40 minutes; the unit tests pin the same behaviour directly.
# A run from scratch took 5 to 11 minutes on this machine's 2 cores (5½ when nothing else ran; 2026-11-30). Writers,
# readers other than cells.py, render/ and report/ are not mutated: their tests build workbooks (seconds each).
# While working on a module: `$(BIN)/mutmut run 'baseline.tracker*'`; `$(BIN)/mutmut results` lists the survivors,
# `$(BIN)/mutmut show NAME` shows one, `$(BIN)/mutmut run NAME` re-checks it after a new test.
MUTATE_JOBS ?= 2
mutate: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutate]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATE_JOBS)
	$(BIN)/mutmut export-cicd-stats
	@$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	caught = s['killed'] + s['timeout']; \
	print(f\"Mutation score: {s['killed']} killed of {s['total']} mutants ({100 * s['killed'] / s['total']:.1f} %); \
	with the {s['timeout']} that made a test hang, {caught} caught ({100 * caught / s['total']:.1f} %). \
	{s['survived']} survived, {s['no_tests']} reached by no test\" + (f\", {unchecked} not checked (interrupted)\" \
	if (unchecked := s['total'] - caught - s['survived'] - s['no_tests'] - s['suspicious'] - s['skipped']) else \"\") \
	+ \". Equivalent mutants: README, Mutation testing.\")"

clean:
	rm -rf $(VENV) .pytest_cache demo-output .benchmarks .bench mutants
