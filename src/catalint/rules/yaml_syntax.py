"""A document that is not valid YAML is rejected by Backstage — and so is the rest of its file.

Backstage charges a YAML error to the location that read the file, and a location with an error
stores nothing that round: every entity of the file stays as it was (a new one never appears)
until the error is fixed. catalint reads YAML 1.2 as Backstage does: `yes`, `on` and dates stay
strings, `017` is 17, `<<` is an ordinary key. A broken document does not hide the others from
catalint: each `---` section is parsed on its own, so every other problem is still reported,
and the error is reported at its line and column."""

from catalint.model import Severity

ID = "yaml-syntax"
SEVERITY = Severity.ERROR
SUMMARY = "the file must be valid YAML"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: [payments
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
