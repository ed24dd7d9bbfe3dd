"""Anchors and aliases may not expand into an enormous document (an "alias bomb").

Aliases are shared while parsing, but everything that walks the data pays for each expansion;
catalint refuses a document whose aliases expand to more than 100,000 nodes, as Backstage's
parser refuses excessive alias use."""

from catalint.model import Severity

ID = "yaml-aliases"
SEVERITY = Severity.ERROR
SUMMARY = "aliases must not expand without bound"
BACKSTAGE = True

FAILS = """\
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  labels: &labels
    example.com/tier: gold
spec:
  owner: team-a
"""
