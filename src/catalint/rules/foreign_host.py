"""A target on a host that is neither Bitbucket nor allowed is not checked — and is probably wrong.

catalint reads Bitbucket Cloud and nothing else: a Location target, TechDocs folder or
`backstage.io/source-location` on another host is never fetched, and a Backstage without an
integration or a `backend.reading.allow` entry for that host cannot read it either. Hosts you
do use go under `allowed-hosts` in `.catalint.yaml`; with `--app-config`, the hosts of its
`integrations` and of `backend.reading.allow` count as allowed too. (A `$text`/`$json`/`$yaml`
placeholder on such a host is a `placeholder` error instead: Backstage refuses to read it.)
"""

from catalint.model import Severity

ID = "foreign-host"
SEVERITY = Severity.WARNING
SUMMARY = "targets are on Bitbucket or on a host listed as allowed"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: elsewhere
spec:
  targets:
    - https://git.example.org/team/catalog-info.yaml
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: elsewhere
spec:
  targets:
    - https://git.example.org/team/catalog-info.yaml
# file: .catalint.yaml
allowed-hosts: [git.example.org]
"""
