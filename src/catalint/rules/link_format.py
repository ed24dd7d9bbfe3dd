"""Each of `metadata.links` needs an absolute URL, and a non-blank `title` and `icon` if given.

Backstage accepts any URL that `new URL()` parses, in any scheme (`mailto:` too), but not a
relative one such as `/docs`. Titles and icons that are only whitespace are rejected.
"""

from collections.abc import Iterator

from catalint.backstage import formats
from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem

ID = "link-format"
SEVERITY = Severity.ERROR
SUMMARY = "links have absolute URLs and non-blank titles and icons"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  links:
    - url: /wiki/payments
      title: "  "
spec:
  owner: team-a
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  links:
    - url: https://wiki.example.com/payments
      title: Wiki
    - url: mailto:payments@example.com
spec:
  owner: team-a
"""


def check(doc: EntityDoc) -> Iterator[Problem]:
    links = doc.metadata.get("links")
    if not isinstance(links, list):
        return
    for i, link in enumerate(links):
        if not isinstance(link, dict):
            continue
        url = link.get("url")
        if isinstance(url, str) and url and not formats.is_url(url):
            yield Problem(
                f'metadata.links[{i}].url is not valid: expected an absolute URL such as "https://…", found "{url}"',
                ("metadata", "links", i, "url"),
            )
        for field in ("title", "icon"):
            value = link.get(field)
            if isinstance(value, str) and value and not formats.is_non_empty_string(value):
                yield Problem(
                    f"metadata.links[{i}].{field} is not valid: expected a non-empty string",
                    ("metadata", "links", i, field),
                )
