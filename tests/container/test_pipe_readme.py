"""pipe/README.md follows Atlassian's layout for pipe READMEs and is generated from pipe.yml, so the two
cannot drift."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import yaml

from .support import ROOT, load_yaml

README = ROOT / "pipe" / "README.md"
SECTIONS = ["YAML Definition", "Variables", "Details", "Prerequisites", "Examples", "Support"]


def renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_readme", ROOT / "pipe" / "render_readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_readme_is_the_rendering_of_pipe_yml() -> None:
    rendered = renderer().render(load_yaml(ROOT / "pipe.yml"))
    assert README.read_text(encoding="utf-8") == rendered, "run `python pipe/render_readme.py` and commit"


def test_atlassian_layout() -> None:
    text = README.read_text(encoding="utf-8")
    pipe = load_yaml(ROOT / "pipe.yml")
    assert text.startswith(f"# Bitbucket Pipelines Pipe: {pipe['name']}\n")
    assert re.findall(r"^## (.+)$", text, re.M) == SECTIONS


def test_yaml_definition_and_table_list_every_variable() -> None:
    text = README.read_text(encoding="utf-8")
    pipe = load_yaml(ROOT / "pipe.yml")
    names = [v["name"] for v in pipe["variables"]]
    definition = text.split("## YAML Definition", 1)[1].split("## Variables", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", definition, re.S)
    assert yaml.safe_load(block) == [{"pipe": f"docker://{pipe['image']}", "variables": None}]
    assert re.findall(r"# (\w+): ", block) == names
    table = text.split("## Variables", 1)[1].split("## Details", 1)[0]
    assert re.findall(r"^\| (\w+) \| ", table, re.M)[1:] == names  # after the header row
    for variable in pipe["variables"]:
        row = next(line for line in table.splitlines() if line.startswith(f"| {variable['name']} |"))
        assert ("secured variable" in row) == bool(variable.get("secret")), variable["name"]


def test_examples_use_the_image_and_known_variables() -> None:
    text = README.read_text(encoding="utf-8")
    pipe = load_yaml(ROOT / "pipe.yml")
    known = {v["name"] for v in pipe["variables"]}
    examples = re.findall(r"```yaml\n(.*?)```", text.split("## Examples", 1)[1], re.S)
    assert len(examples) >= 3
    uses = []
    for example in examples:
        data = yaml.safe_load(example)
        text_of = str(data)
        uses.extend(re.findall(r"'pipe': '([^']+)'", text_of))
        for found in re.findall(r"'variables': \{([^}]*)\}", text_of):
            assert set(re.findall(r"'(\w+)': ", found)) <= known, found
    assert uses and set(uses) == {f"docker://{pipe['image']}"}


def test_renderer_changes_with_pipe_yml() -> None:
    pipe = load_yaml(ROOT / "pipe.yml")
    pipe["variables"].append({"name": "NEW_ONE", "description": "Something new.", "default": "x"})
    rendered = renderer().render(pipe)
    assert "# NEW_ONE: 'x' # Optional." in rendered and "| NEW_ONE | Something new. Default: `x`. |" in rendered
    assert rendered != README.read_text(encoding="utf-8")


def test_readme_is_reachable_from_the_docs() -> None:
    assert "pipe/README.md" in (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert Path(ROOT / "pipe" / "README.md").is_file()
