"""A descriptor must be UTF-8 text; binary files and other encodings are reported and not parsed.

A UTF-8 byte-order mark is accepted. The finding names the offset of the first bad byte."""

from catalint.model import Severity

ID = "file-encoding"
SEVERITY = Severity.ERROR
SUMMARY = "descriptor files must be UTF-8 text"
BACKSTAGE = True

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
