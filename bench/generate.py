"""Generate a synthetic catalog corpus: N files over every kind, some multi-document, some invalid."""

from __future__ import annotations

import argparse
import random
from pathlib import Path

KINDS = ("Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template")


def entity(kind: str, name: str, rng: random.Random, invalid: bool) -> str:
    meta = f"metadata:\n  name: {name}\n  description: Synthetic {kind.lower()} {name} for benchmarks\n"
    meta += f"  tags: [bench, synthetic]\n  annotations:\n    example.com/team: team-{rng.randint(0, 50)}\n"
    meta += f"  links:\n    - url: https://example.com/{name}\n      title: Dashboard\n"
    api = "scaffolder.backstage.io/v1beta3" if kind == "Template" else "backstage.io/v1alpha1"
    owner = f"team-{rng.randint(0, 50)}"
    spec = {
        "Component": f"  type: service\n  lifecycle: production\n  owner: {owner}\n  system: sys-{rng.randint(0, 99)}\n"
        f"  providesApis: [api-{rng.randint(0, 999)}]\n  dependsOn: [resource:db-{rng.randint(0, 99)}]\n",
        "API": f"  type: openapi\n  lifecycle: production\n  owner: {owner}\n  definition: |\n"
        + "".join(f"    line {i}: value\n" for i in range(40)),
        "Resource": f"  type: database\n  owner: {owner}\n  system: sys-{rng.randint(0, 99)}\n",
        "System": f"  owner: {owner}\n  domain: domain-{rng.randint(0, 9)}\n",
        "Domain": f"  owner: {owner}\n",
        "Group": "  type: team\n  children: []\n  members: [user-1, user-2]\n",
        "User": "  profile:\n    displayName: Someone\n  memberOf: [team-1]\n",
        "Location": "  targets: [./other.yaml]\n  presence: optional\n",
        "Template": "  type: service\n  owner: team-1\n  steps:\n    - id: a\n      action: fetch:plain\n",
    }[kind]
    if invalid:
        spec = spec.replace("owner:", "ownr:")
        meta = meta.replace("tags: [bench", "tags: [Bench")
    return f"apiVersion: {api}\nkind: {kind}\n{meta}spec:\n{spec}"


def generate(out: Path, files: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    documents = 0
    for i in range(files):
        folder = out / f"repo-{i // 20:04d}" / f"svc-{i:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        count = 1 if rng.random() < 0.7 else rng.randint(2, 4)
        docs = [
            entity(rng.choice(KINDS), f"e{i}-{j}", rng, invalid=rng.random() < 0.08)
            for j in range(count)
        ]
        documents += count
        (folder / "catalog-info.yaml").write_text("---\n".join(docs))
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    print(f"{args.files} files, {generate(args.out, args.files)} documents in {args.out}")


if __name__ == "__main__":
    main()
