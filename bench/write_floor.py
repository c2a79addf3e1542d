"""The write floor: a fresh Python process that writes given cells with xlsxwriter in constant-memory mode.

    python bench/write_floor.py CELLS.pickle OUT_DIR [--in-memory]

CELLS.pickle (made by cells.dump_cells, outside the timing) holds, per workbook, its file name and its sheets as
(name, rows of values). Loading the pickle is not writing: the seconds it took are printed on stdout, and the
harness takes them off the wall time, so the floor is start-up + import + writing the same cells.

--in-memory is for many small workbooks (generate's agency workbooks): constant-memory mode puts each sheet in a
temporary file, and creating and removing those costs more than the writing itself on a busy disk (~50 ms a
workbook here against ~7 ms in memory), so the fastest well-kept way to write such workbooks keeps them in memory.
"""

import pickle
import sys
import time
from pathlib import Path

import xlsxwriter


def write_workbook(path: Path, sheets: list[tuple[str, list[list]]], in_memory: bool = False) -> None:
    # Strings are written as strings (never turned into formulas or links): the cells as the merged workbook has them.
    mode = {"in_memory": True} if in_memory else {"constant_memory": True}
    workbook = xlsxwriter.Workbook(str(path), {
        **mode, "strings_to_formulas": False, "strings_to_urls": False,
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
        write_workbook(out_dir / file_name, sheets, in_memory="--in-memory" in sys.argv[3:])
    print(f"{loading:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
