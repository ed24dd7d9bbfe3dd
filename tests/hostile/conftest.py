"""The report tests' fixtures, for the hostile tests that write reports."""

from tests.report.conftest import repo_paths

__all__ = ["repo_paths"]
