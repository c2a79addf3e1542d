"""The read floor: a fresh Python process that only reads every sheet of the given workbooks with python-calamine.

    python bench/read_floor.py FILE_OR_DIR...

Nothing else is imported, so its time is interpreter start-up plus the reading itself: what no command that reads
these files can beat.
"""

import sys
from pathlib import Path

from python_calamine import CalamineWorkbook


def workbooks(arguments: list[str]) -> list[Path]:
    paths = []
    for argument in map(Path, arguments):
        paths.extend(sorted(argument.glob("*.xlsx")) if argument.is_dir() else [argument])
    return paths


def main() -> int:
    cells = 0
    for path in workbooks(sys.argv[1:]):
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            cells += sum(len(row) for row in workbook.get_sheet_by_name(name).to_python())
        workbook.close()
    print(cells)
    return 0


if __name__ == "__main__":
    sys.exit(main())
