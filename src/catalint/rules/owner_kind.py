"""An `owner` should be a Group or a User.

Backstage stores `owner: component:x` without complaint, but ownership only means something for
people and teams: the alpha catalog model drops such owners, and the UI shows no owner at all.
"""

from collections.abc import Iterator

from catalint.backstage.refs import RefError
from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem
from catalint.rules.entity_ref_format import parsed_refs

ID = "owner-kind"
SEVERITY = Severity.WARNING
SUMMARY = "owners are Groups or Users"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: component:payments-api
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: user:jane.doe
"""


def check(doc: EntityDoc) -> Iterator[Problem]:
    for pointer, text, _, ref in parsed_refs(doc):
        if pointer[1] != "owner" or isinstance(ref, RefError):
            continue
        if ref.kind.lower() not in ("group", "user"):
            yield Problem(f'owner "{text}" is a {ref.kind}; owners should be a Group or a User', pointer)
