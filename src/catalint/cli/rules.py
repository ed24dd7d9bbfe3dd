"""`catalint rules` and `catalint explain RULE`: the rules, documented by their own modules, and
the organisation's policies, documented by their own `description` in `.catalint.yaml`."""

from __future__ import annotations

from pathlib import Path

import click

from catalint.cli.common import config_option, die, run_settings


@click.command("rules")
@config_option
def list_rules(config: Path | None) -> None:
    """List every rule with its id, default severity and summary, then the config's policies."""
    from catalint.rules import REGISTRY

    policies = run_settings(config, (), Path.cwd()).policies
    width = max(len(r) for r in [*REGISTRY, *(p.rule_id for p in policies)])
    for rule in REGISTRY.values():
        marker = "B" if rule.backstage else " "
        click.echo(f"{rule.id:<{width}}  {rule.severity.label:<7}  {marker}  {rule.summary}")
    for policy in policies:
        summary = policy.description.split(". ")[0].rstrip(".")
        click.echo(f"{policy.rule_id:<{width}}  {policy.severity.label:<7}     {summary}")
    click.echo("\nB: Backstage itself rejects an entity with this problem. yamllint/<rule> ids come from yamllint.")
    if policies:
        click.echo("policy/<name>: the policies of .catalint.yaml.")


@click.command()
@click.argument("rule_id")
@config_option
def explain(rule_id: str, config: Path | None) -> None:
    """Explain one rule, with failing and passing examples, or a policy of .catalint.yaml."""
    from catalint.rules import REGISTRY
    from catalint.rules.policy import PREFIX

    if rule_id.startswith(PREFIX):
        _explain_policy(rule_id, config)
        return
    rule = REGISTRY.get(rule_id)
    if rule is None:
        if rule_id.startswith("yamllint/"):
            click.echo(f"{rule_id} is yamllint's rule {rule_id[9:]!r}; see https://yamllint.readthedocs.io/en/stable/rules.html")
            return
        die(f"unknown rule {rule_id!r}; `catalint rules` lists them")
    click.echo(f"{rule.id} ({rule.severity.label}{', Backstage rejects' if rule.backstage else ''})")
    click.echo(f"  {rule.summary}\n")
    click.echo(rule.doc + "\n")
    for title, attr in (("Fails", "FAILS"), ("Passes", "PASSES")):
        example = getattr(rule.module, attr, "")
        if example:
            click.echo(f"{title}:\n")
            for line in example.rstrip("\n").splitlines():
                click.echo(f"    {line}")
            click.echo()


def _explain_policy(rule_id: str, config: Path | None) -> None:
    import json

    policies = {p.rule_id: p for p in run_settings(config, (), Path.cwd()).policies}
    policy = policies.get(rule_id)
    if policy is None:
        known = ", ".join(sorted(policies)) or "none"
        die(f"no policy {rule_id!r} in the configuration (policies: {known})")
    types = f", spec.type {' or '.join(policy.types)}" if policy.types else ""
    click.echo(f"{policy.rule_id} ({policy.severity.label}; a policy of this organisation)")
    click.echo(f"  applies to kind {' or '.join(policy.kinds)}{types}\n")
    click.echo(policy.description + "\n")
    click.echo("Schema:\n")
    for line in json.dumps(json.loads(policy.schema), indent=2).splitlines():
        click.echo(f"    {line}")
