"""path-escape: what would leave the repository is refused and never read, however it is spelled."""

from __future__ import annotations

from pathlib import Path

from catalint.rules import path_escape
from tests.descriptors import HEADER, location
from tests.helpers import RunExample, found, lint_tree

ID = path_escape.ID
SECRET = "TOP-SECRET-5521"


def api(target: str) -> str:
    return (
        f"{HEADER}kind: API\nmetadata:\n  name: pets\nspec:\n  type: openapi\n  lifecycle: production\n"
        f"  owner: team-a\n  definition:\n    $text: {target}\n"
    )


def repository_beside_a_secret(tmp_path: Path) -> Path:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "api.yaml").write_text(f"{HEADER}kind: Group\nmetadata:\n  name: {SECRET.lower()}\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    return repo


def test_a_symlink_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    repo = repository_beside_a_secret(tmp_path)
    (repo / "link.yaml").symlink_to(tmp_path / "secret" / "api.yaml")
    (repo / "docs").symlink_to(tmp_path / "secret", target_is_directory=True)
    (repo / "catalog-info.yaml").write_text(api("./link.yaml") + "---\n" + location("./docs/api.yaml"))
    result = lint_tree(repo)
    assert [(line, message) for _, line, message in found(result, ID)] == [
        (10, "$text target './link.yaml' leaves the repository; not read"),
        (18, 'target "./docs/api.yaml" leaves the repository; not read'),
    ]
    assert [d.path for d in result.documents] == ["catalog-info.yaml", "catalog-info.yaml"]
    assert not any(SECRET.lower() in f.message for f in result.findings)


def test_dot_dot_from_the_root_and_from_a_subfolder(tmp_path: Path) -> None:
    repo = repository_beside_a_secret(tmp_path)
    (repo / "svc").mkdir()
    (repo / "svc" / "catalog-info.yaml").write_text(api("../../secret/api.yaml"))
    (repo / "catalog-info.yaml").write_text(api("/../secret/api.yaml"))
    assert sorted((path, line) for path, line, _ in found(lint_tree(repo), ID)) == [
        ("catalog-info.yaml", 10),
        ("svc/catalog-info.yaml", 10),
    ]


def test_a_bitbucket_url_climbing_out_of_its_repository(run_example: RunExample) -> None:
    climbing = "https://bitbucket.org/acme/svc/src/main/%2e%2e/%2e%2e/other/src/main/catalog-info.yaml"
    text = location(climbing) + "# bitbucket: acme/other main catalog-info.yaml\n" + HEADER
    [(path, line, message)] = found(run_example(text), ID)
    assert (path, line) == ("catalog-info.yaml", 7) and "leaves the repository" in message
