"""A `$text`, `$json` or `$yaml` placeholder must name a file that exists and parses.

Backstage substitutes placeholders before validating; one that fails rejects the whole entity.
Relative paths resolve against the descriptor's own location (a leading `/` is the repository
root). `$json`/`$yaml` files must parse, and `$yaml` must hold exactly one document. A
placeholder into another repository is refused by Backstage (catalog-backend 4.0.3 and later)."""

from catalint.model import Severity
from catalint.resolve import placeholders as resolved
from catalint.rules import backstage_url, offline, path_escape, unverified

ID = "placeholder"
SEVERITY = Severity.ERROR
SUMMARY = "$text, $json and $yaml placeholders must read and parse"
BACKSTAGE = True

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
    $text: ./does-not-exist.yaml
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: |
    openapi: 3.0.0
"""

# What substituting a placeholder can run into, and the rule each is a finding of.
RULE_OF = {
    resolved.REJECTED: ID,
    resolved.ESCAPES: path_escape.ID,
    resolved.UNANSWERED: unverified.ID,
    resolved.UNFETCHED: offline.ID,
    resolved.MISREAD: backstage_url.ID,
}
