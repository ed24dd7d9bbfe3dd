"""Test doubles for catalint: a fake Bitbucket Cloud server and a foreign host that records requests."""

from .bitbucket import FakeBitbucket, ForeignServer, RecordedRequest

__all__ = ["FakeBitbucket", "ForeignServer", "RecordedRequest"]
