"""Kinds that the app-config's `catalog.rules` (or a location's `rules.allow`) would reject.

Without `catalog.rules`, a Backstage catalog accepts only Component, API and Location from
registered locations — Groups, Users, Systems and Templates are silently refused. With
`--app-config`, catalint applies the same rules to each entity, checked against the location it
was found through. A refused kind is charged to the location that read the file, which holds
back the file's other entities too.
"""

from catalint.model import Severity

ID = "catalog-rules"
SEVERITY = Severity.ERROR
SUMMARY = "kinds are allowed by the app-config's catalog.rules and location rules"
BACKSTAGE = False

FAILS = """\
# app-config: catalog: {rules: [{allow: [Component]}]}
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
PASSES = """\
# app-config: catalog: {rules: [{allow: [Component, System]}]}
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
