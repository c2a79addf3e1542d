"""The board report: one self-contained HTML file (html.py) with inline SVG charts (charts.py)."""
