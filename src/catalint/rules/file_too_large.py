"""Files larger than `max-file-size` (default 2 MiB) are reported and not parsed.

Catalog descriptors are small; a huge file is usually a mistake or hostile input. Raise the
limit in `.catalint.yaml` (`max-file-size: 10485760`) if you really mean it."""

from catalint.model import Severity

ID = "file-too-large"
SEVERITY = Severity.ERROR
SUMMARY = "descriptor files must stay under the size limit"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  description: a system whose descriptor is larger than this repository allows
spec:
  owner: team-a
# file: .catalint.yaml
max-file-size: 100
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
