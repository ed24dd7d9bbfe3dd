"""catalint: lint, resolve and sync Backstage catalog descriptors on Bitbucket Cloud."""

__version__ = "0.1.0"
