"""The real Backstage backend (session-scoped) for the end-to-end sync tests."""

from tests.backstage.conftest import backstage

__all__ = ["backstage"]
