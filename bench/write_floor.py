"""The write floor: a fresh Python process that writes given cells with xlsxwriter in constant-memory mode.

    python bench/write_floor.py CELLS.pickle OUT_DIR

CELLS.pickle (made by cells.dump_cells, outside the timing) holds, per workbook, its file name and its sheets as
(name, rows of values). Loading the pickle is not writing: the seconds it took are printed on stdout, and the
harness takes them off the wall time, so the floor is start-up + import + writing the same cells.
"""

import pickle
import sys
import time
from pathlib import Path

import xlsxwriter


def write_workbook(path: Path, sheets: list[tuple[str, list[list]]]) -> None:
    # Strings are written as strings (never turned into formulas or links): the cells as the merged workbook has them.
    workbook = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd",
    })
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name)
        for row_number, row in enumerate(rows):
            sheet.write_row(row_number, 0, row)
    workbook.close()


def main() -> int:
    started = time.perf_counter()
    with open(sys.argv[1], "rb") as handle:
        books = pickle.load(handle)
    loading = time.perf_counter() - started
    out_dir = Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    for file_name, sheets in books:
        write_workbook(out_dir / file_name, sheets)
    print(f"{loading:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
