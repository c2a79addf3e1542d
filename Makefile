# `make demo` and `make test` are the whole set-up on a fresh machine: each creates .venv and installs
# the project (with its test extras) when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The whole cycle on the bundled example (workbooks/examples/), into demo-output/ (rebuilt each time).
DEMO := demo-output
AS_OF := 2027-03-01
LATER := 2027-04-01
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
	@echo "== Done: open $(DEMO)/merged.xlsx; the board report is $(DEMO)/report.html, a summary in $(DEMO)/summary.md,"
	@echo "   the gaps for a spreadsheet in $(DEMO)/gaps.csv, the late return's email in $(DEMO)/late-return-email.txt,"
	@echo "   action lists to send in $(DEMO)/to-send and the plan after the late return in $(DEMO)/actions.md,"
	@echo "   the chase list for agencies not yet returned in $(DEMO)/chase-list.md"

# What users wait for, against the read and write floors (issue 16); a report, exit 0. More: make bench ARGS="--returns 2000".
ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/bench.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache demo-output .benchmarks .bench
