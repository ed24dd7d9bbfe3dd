"""A placeholder, Location target or TechDocs folder that would leave the repository is refused.

`../../etc/passwd` or a symlink pointing outside the checkout is never read: catalint reports it
instead. Backstage's URL resolution can climb out of a repository; it is almost always a mistake."""

from catalint.model import Severity

ID = "path-escape"
SEVERITY = Severity.ERROR
SUMMARY = "targets must stay inside the repository"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ../../../../etc/passwd
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
