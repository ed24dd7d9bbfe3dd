"""A target could not be checked: the network failed, Bitbucket timed out or rate-limited us.

This is never a claim that the target is broken — only that catalint could not verify it this run."""

from catalint.model import Severity

ID = "unverified"
SEVERITY = Severity.WARNING
SUMMARY = "a target could not be checked"
BACKSTAGE = False

FAILS = """\
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
