"""A descriptor should be UTF-8 text; NUL bytes and invalid UTF-8 are reported as warnings.

Backstage reads the file anyway: each invalid byte sequence becomes U+FFFD and NUL is an
ordinary character, so catalint judges the text Backstage would see. A UTF-8 byte-order mark
is accepted. The finding names the offset of the first bad byte."""

from catalint.model import Severity

ID = "file-encoding"
SEVERITY = Severity.WARNING
SUMMARY = "descriptor files should be UTF-8 text"
BACKSTAGE = False

# The description ends in a NUL byte (invisible when printed).
FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  description: payments\x00
spec:
  owner: team-a
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
