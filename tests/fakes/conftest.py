"""Makes the fakes' fixtures available to the tests in this folder (the root conftest may also load them)."""

from .fixtures import fake_bitbucket, foreign_server

__all__ = ["fake_bitbucket", "foreign_server"]
