"""catalint itself failed on this file: a bug in catalint, not in the descriptor.

The run goes on with the other files, and the finding names the exception so it can be
reported. The file's verdict is unknown, so treat the file as unchecked until it is fixed."""

from catalint.model import Severity

ID = "internal-error"
SEVERITY = Severity.ERROR
SUMMARY = "catalint could not check this file (a catalint bug; please report it)"
BACKSTAGE = False

# Needs a bug in catalint: tests/rules/test_no_traceback.py plants one.
FAILS = ""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
