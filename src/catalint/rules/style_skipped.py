"""yamllint's style checks were skipped for this file, because of its size or a very long line.

yamllint's checks cost time that grows with the square of a line's length (a 200 KB one-line
flow collection takes most of a minute), so a file with a line over 2,000 characters, flow
collections nested over 50 deep, or over 512 KiB in all, gets no style checks; everything else
is still linted. Break long lines up
(a block sequence instead of a flow one) to have them checked again."""

from catalint.model import Severity

ID = "style-skipped"
SEVERITY = Severity.INFO
SUMMARY = "style checks are skipped on very long lines and very large files"
BACKSTAGE = False

# Flow lists nested 51 deep.
FAILS = (
    "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n"
    f"  matrix: {'[' * 51}{']' * 51}\nspec:\n  type: team\n  children: []\n"
)
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a, title: Team A}
spec: {type: team, children: [team-b, team-c]}
"""
