"""baseline: multi-agency NICE guideline baseline assessments.

Kept free of imports so that `baseline --version` and `--help` stay fast.
"""

__version__ = "0.1.0"
