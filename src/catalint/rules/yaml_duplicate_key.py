"""A key written twice in one mapping makes Backstage reject the document.

PyYAML and many editors silently keep the last value; Backstage's parser refuses the file, so a
copy-pasted `annotations:` block or a second `owner:` breaks the entity."""

from catalint.model import Severity

ID = "yaml-duplicate-key"
SEVERITY = Severity.ERROR
SUMMARY = "a mapping must not repeat a key"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
  owner: team-b
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
