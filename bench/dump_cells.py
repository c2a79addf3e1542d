"""Read the cells of workbooks for the write floor to write again (set-up, never timed).

    python bench/dump_cells.py OUT.pickle WORKBOOK...

OUT.pickle holds, per workbook, its file name and its sheets as (name, rows of values) as python-calamine reads
them. A script of its own, run as a subprocess, so the harness stays small (a child's peak memory as the kernel
reports it starts from the parent's).
"""

import pickle
import sys
from pathlib import Path

from python_calamine import CalamineWorkbook


def cell_values(path: Path) -> list:
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        return [(name, workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names]
    finally:
        workbook.close()


def main() -> int:
    books = [(Path(path).name, cell_values(Path(path))) for path in sys.argv[2:]]
    with open(sys.argv[1], "wb") as handle:
        pickle.dump(books, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
