"""A reference whose name or namespace breaks Backstage's formats can never match an entity.

Backstage parses `user:jane@example.com` or ` team-a` (leading space) without complaint, but no
entity can carry such a name, so the relation dangles forever. Names follow the `metadata.name`
rule and namespaces the namespace rule.
"""

from collections.abc import Iterator

from catalint.backstage import formats
from catalint.backstage.refs import RefError
from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem
from catalint.rules.entity_ref_format import parsed_refs

ID = "ref-target-format"
SEVERITY = Severity.WARNING
SUMMARY = "references use names and namespaces that an entity could have"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: user:jane@example.com
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
        if isinstance(ref, RefError):
            continue
        if not formats.is_object_name(ref.name):
            yield Problem(
                f'{pointer[1]}: "{text}" can never match an entity: "{ref.name}" is not a valid name', pointer
            )
        elif not formats.is_namespace(ref.namespace):
            yield Problem(
                f'{pointer[1]}: "{text}" can never match an entity: "{ref.namespace}" is not a valid namespace', pointer
            )
