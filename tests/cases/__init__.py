"""Returned workbooks built in code, one per issue code (see builders.py)."""
