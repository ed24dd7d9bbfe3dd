"""A target that this run did not fetch: the run was offline, or the host is one catalint does not read.

An absolute Bitbucket URL — a Location target, a `$text`/`$json`/`$yaml` placeholder, a TechDocs
folder, a `backstage.io/source-location` — is normally looked up on Bitbucket with the run's
credentials. With `--offline` nothing is fetched, and each such target is listed here instead, so
that a green run never hides what it did not look at. Targets on hosts listed under
`allowed-hosts` are accepted but never read (catalint reads only Bitbucket), and are listed here
too. The summary line counts them as not verified.
"""

from catalint.model import Severity

ID = "offline"
SEVERITY = Severity.INFO
SUMMARY = "targets not fetched: the run was offline, or the host is not Bitbucket"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: services
spec:
  targets:
    - https://bitbucket.org/acme/payments/src/main/catalog-info.yaml
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: services
spec:
  targets:
    - ./payments/catalog-info.yaml
# file: payments/catalog-info.yaml
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
