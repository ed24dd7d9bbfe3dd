"""`catalint rules` and `catalint explain RULE`: the rules, documented by their own modules."""

from __future__ import annotations

import click

from catalint.cli.common import die


@click.command("rules")
def list_rules() -> None:
    """List every rule with its id, default severity and summary."""
    from catalint.rules import REGISTRY

    width = max(len(r) for r in REGISTRY)
    for rule in REGISTRY.values():
        marker = "B" if rule.backstage else " "
        click.echo(f"{rule.id:<{width}}  {rule.severity.label:<7}  {marker}  {rule.summary}")
    click.echo("\nB: Backstage itself rejects an entity with this problem. yamllint/<rule> ids come from yamllint.")


@click.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Explain one rule, with failing and passing examples."""
    from catalint.rules import REGISTRY

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
