"""A file that cannot be read (permissions, a broken symlink, a folder where a file was expected).

catalint reports it and goes on with the other files."""

from catalint.model import Severity

ID = "file-unreadable"
SEVERITY = Severity.ERROR
SUMMARY = "a descriptor file must be readable"
BACKSTAGE = False

# Needs a file the run cannot read (permissions, a broken symlink, a private repository):
# tests/rules/test_unreadable.py makes one.
FAILS = ""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
