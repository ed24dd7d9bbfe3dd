"""Formats of apiVersion, kind, name, namespace, label and annotation keys, label values and tags.

These are Backstage's FieldFormat policy rules (catalog-model's default `makeValidator()`):

- `apiVersion`: `[prefix/]version`, the prefix a lowercase DNS subdomain, the version `[a-zA-Z0-9]{1,63}`;
- `kind`: `[a-zA-Z][a-zA-Z0-9]*`, at most 63 characters;
- `metadata.name`: 1–63 characters, `[a-zA-Z0-9]` at both ends and `[-_.a-zA-Z0-9]` inside;
- `metadata.namespace`: a DNS label — lowercase letters, digits and `-` only (the docs are wrong here);
- label and annotation keys: `[prefix/]name`; label values are empty or follow the name rule;
- `tags`: lowercase `[a-z0-9:+#]` runs joined by single `-` (so `c++`, `c#` pass and `Java`, `a_b` fail).
"""

from collections.abc import Iterator
from typing import Any

from catalint.backstage import formats
from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem

ID = "field-format"
SEVERITY = Severity.ERROR
SUMMARY = "apiVersion, kind, name, namespace, labels, annotations and tags follow Backstage's formats"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Payments Service
  namespace: Payments
  tags: [Java, c++]
spec:
  type: service
  lifecycle: production
  owner: team-a
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments_service.v2
  namespace: payments
  labels:
    example.com/tier: gold
  tags: [java, c++, "c#"]
spec:
  type: service
  lifecycle: production
  owner: team-a
"""


def _bad(field: str, expectation: str, value: object) -> str:
    return f'{field} is not valid: expected {expectation}, found "{value}"'


def check(doc: EntityDoc) -> Iterator[Problem]:
    data = doc.data
    if not isinstance(data, dict):
        return
    yield from _envelope(data)
    meta = doc.metadata
    yield from _names(meta)
    yield from _labels(meta.get("labels"))
    yield from _annotations(meta.get("annotations"))
    yield from _tags(meta.get("tags"))


def _envelope(data: dict[str, Any]) -> Iterator[Problem]:
    api_version = data.get("apiVersion")
    if isinstance(api_version, str) and api_version and not formats.is_api_version(api_version):
        yield Problem(_bad("apiVersion", formats.EXPECT_PREFIXED, api_version), ("apiVersion",))
    kind = data.get("kind")
    if isinstance(kind, str) and kind and not formats.is_kind(kind):
        yield Problem(_bad("kind", formats.EXPECT_KIND, kind), ("kind",))


def _names(meta: dict[str, Any]) -> Iterator[Problem]:
    name = meta.get("name")
    if isinstance(name, str) and name and not formats.is_object_name(name):
        yield Problem(_bad("metadata.name", formats.EXPECT_NAME, name), ("metadata", "name"))
    namespace = meta.get("namespace")
    if isinstance(namespace, str) and namespace and not formats.is_namespace(namespace):
        yield Problem(_bad("metadata.namespace", formats.EXPECT_NAMESPACE, namespace), ("metadata", "namespace"))


def _labels(labels: object) -> Iterator[Problem]:
    if not isinstance(labels, dict):
        return
    for key, value in labels.items():
        if not formats.is_label_key(key):
            yield Problem(_bad("label key", formats.EXPECT_PREFIXED, key), ("metadata", "labels", key), "key")
        if isinstance(value, str) and not formats.is_label_value(value):
            yield Problem(_bad(f'label "{key}"', formats.EXPECT_NAME, value), ("metadata", "labels", key))


def _annotations(annotations: object) -> Iterator[Problem]:
    if not isinstance(annotations, dict):
        return
    for key in annotations:
        if not formats.is_annotation_key(key):
            yield Problem(_bad("annotation key", formats.EXPECT_PREFIXED, key), ("metadata", "annotations", key), "key")


def _tags(tags: object) -> Iterator[Problem]:
    if not isinstance(tags, list):
        return
    for i, tag in enumerate(tags):
        if isinstance(tag, str) and tag and not formats.is_tag(tag):
            yield Problem(_bad(f"tag {tag!r}", formats.EXPECT_TAG, tag), ("metadata", "tags", i))
