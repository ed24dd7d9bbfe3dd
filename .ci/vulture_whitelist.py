"""Names vulture cannot see being used: `vulture src/catalint .ci/vulture_whitelist.py --min-confidence 60`.

Each entry is used by something outside catalint's own calls (click, PyYAML, requests, logging,
a lookup by name, bench/). Add an entry only with the reason it is not dead.
"""
# ruff: noqa: B018, F821

# Rule modules: the examples are read with getattr (explain, tests/rules/test_rule_examples.py).
FAILS
PASSES
# A rule about a change (its examples have a base side): read with getattr by tests/rules/.
CHANGE

# Reporters: picked by name from report.REPORTERS and imported on first use.
TextReporter
JsonReporter
GithubReporter
SarifReporter
JunitReporter
CodeClimateReporter
MermaidReporter
DotReporter

# Commands: catalint.cli.COMMANDS names them, _LazyGroup imports them on first use.
auth_command
discover_command
sync_group
list_rules
explain
merge_command
# click.Group's hooks, overridden by _LazyGroup.
_.list_commands
_.get_command
# `catalint sync file|backstage`: registered on sync_group by its decorator, reached only through click.
sync_file_command
sync_backstage_command
# click.Group's hook, overridden by cli.sync._SyncGroup to rewrite the legacy `sync --to DEST`.
_.parse_args

# logging.Filter: the record logging formats afterwards (redact.Redactor.filter).
_.msg
# requests.Session: read by requests on every request (bitbucket/client.py).
_.trust_env
# PyYAML's resolver table, replaced wholesale (yaml/resolver.py).
_.yaml_implicit_resolvers

# Called by bench/remote.py and the Bitbucket tests: the remote pipeline without a command line.
lint_remote
# Switches the style pass between the fast driver and yamllint's own: the differential tests in
# tests/style/test_fast_pass.py run both.
use_fast_pass

# The run memo's tee under sys.stdout: io.TextIOWrapper asks its buffer whether it is writable.
writable

# A lazy result becomes an ordinary cached result once its index is decoded (lint/cache.py).
_.__class__
