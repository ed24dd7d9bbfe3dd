from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from catalint.model import RunResult, Severity
from catalint.report.junit import JunitReporter
from catalint.report.paths import PathMapper
from tests.cli_run import RunCli
from tests.report.conftest import finding, sample_result

SCHEMAS = Path(__file__).with_name("schemas")  # vendored; sources and licences in schemas/README.md


@pytest.fixture(scope="module", params=["junit-10.xsd", "JUnit.xsd"], ids=["jenkins-xunit", "ant-windyroad"])
def schema(request: pytest.FixtureRequest) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(SCHEMAS / request.param))


def _parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))


def _errors(schema: xmlschema.XMLSchema10, text: str) -> list[str]:
    return [str(e.reason) for e in schema.iter_errors(text)]


def test_a_suite_per_file_a_case_per_document_and_per_finding(repo_paths: PathMapper) -> None:
    root = _parse(JunitReporter(repo_paths, fail_on=Severity.ERROR).render(sample_result()))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"sub/catalog/a.yaml", "sub/catalog/broken.yaml", "sub/catalog/clean.yaml"}
    a = suites["sub/catalog/a.yaml"]
    cases = a.findall("testcase")
    failing = [c for c in cases if c.find("failure") is not None]
    # 5 findings in a.yaml: 3 in document 1, 1 in document 2, 1 outside any document (yamllint);
    # only the two errors fail, the warnings and the info pass and are listed in system-out
    assert len(cases) == 5 and len(failing) == 2
    assert a.get("tests") == "5" and a.get("failures") == "2"
    names = [c.get("name") for c in cases]
    assert len(set(names)) == len(names)
    assert "document 1 (component:default/a) error [field-format] line 4:9" in names
    assert "file warning [yamllint/line-length] line 14:121" in names
    out = a.findtext("system-out") or ""
    assert "sub/catalog/a.yaml:14:121: warning [yamllint/line-length]" in out
    assert "field-format" not in out
    for case in cases:
        assert case.get("classname") == "sub/catalog/a.yaml" and case.get("file") is None
    clean = suites["sub/catalog/clean.yaml"]
    (case,) = clean.findall("testcase")
    assert case.get("name") == "document 1 (system:default/s)" and case.find("failure") is None
    assert clean.get("failures") == "0"
    assert sum(int(s.get("failures") or 0) for s in suites.values()) == 3


def test_valid_against_published_junit_schemas(schema: xmlschema.XMLSchema10, repo_paths: PathMapper) -> None:
    for fail_on in (Severity.ERROR, Severity.INFO, None):
        text = JunitReporter(repo_paths, fail_on=fail_on).render(sample_result())
        assert _errors(schema, text) == []
    assert _errors(schema, JunitReporter(repo_paths).render(RunResult())) == []


def test_the_strict_schema_rejects_what_junit_used_to_write(repo_paths: PathMapper) -> None:
    """The strict Ant schema does reject a `file` attribute on a testcase, so the test above means something."""
    strict = xmlschema.XMLSchema10(str(SCHEMAS / "JUnit.xsd"))
    text = JunitReporter(repo_paths).render(sample_result())
    broken = text.replace("<testcase ", '<testcase file="sub/catalog/a.yaml" ', 1)
    assert any("file" in error for error in _errors(strict, broken))


def test_a_passing_run_shows_no_failed_test(repo_paths: PathMapper) -> None:
    # warnings only with the default --fail-on error: exit 0, so no failure at all
    result = RunResult(files=1, findings=[finding("owner-kind", Severity.WARNING, "owner is a Component")])
    root = _parse(JunitReporter(repo_paths, fail_on=Severity.ERROR).render(result))
    assert list(root.iter("failure")) == [] and {s.get("failures") for s in root.iter("testsuite")} == {"0"}
    # errors under --fail-on never: the run passes, and so do the tests
    errors = RunResult(files=1, findings=[finding()])
    assert list(_parse(JunitReporter(repo_paths, fail_on=None).render(errors)).iter("failure")) == []
    # --fail-on warning with warnings only: the run fails on them, and they are the failures
    assert len(list(_parse(JunitReporter(repo_paths, fail_on=Severity.WARNING).render(result)).iter("failure"))) == 1


def test_escaping_keeps_the_xml_valid(repo_paths: PathMapper) -> None:
    text = JunitReporter(repo_paths).render(sample_result())
    root = _parse(text)
    failure = root.find("testsuite[@name='sub/catalog/broken.yaml']/testcase/failure")
    assert failure is not None
    # markup characters survive a round trip; the control character (illegal in XML 1.0) is spelled out
    assert failure.get("message") == 'error: broken <&> "quoted" \\x01 text'
    assert failure.get("type") == "yaml-syntax"
    assert failure.text is not None and failure.text.startswith("sub/catalog/broken.yaml:1:1: error [yaml-syntax]")
    assert "\x01" not in text


def test_identical_findings_get_distinct_names(repo_paths: PathMapper) -> None:
    result = RunResult(files=1, findings=[finding(), finding()])
    names = [c.get("name") for c in _parse(JunitReporter(repo_paths).render(result)).iter("testcase")]
    assert len(names) == 2 and len(set(names)) == 2


def test_empty_run(repo_paths: PathMapper) -> None:
    root = _parse(JunitReporter(repo_paths).render(RunResult()))
    assert root.tag == "testsuites" and root.findall("testsuite") == []


BOTH = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Bad_Name!
spec:
  type: service
  lifecycle: production
  owner: nobody-declares-this
"""


@pytest.mark.parametrize(("fail_on", "failures"), [("error", {"error"}), ("warning", {"error", "warning"}), ("never", set())])
def test_a_finding_is_a_failed_test_exactly_when_it_fails_the_run(
    tmp_path: Path, run_cli: RunCli, fail_on: str, failures: set[str]
) -> None:
    """`--fail-on warning` with an error and a warning: the warning fails the run too, so it is a failure."""
    (tmp_path / "catalog-info.yaml").write_text(BOTH)
    code, _, _ = run_cli("lint", "--no-cache", "--no-style", "--format", "text", "--fail-on", fail_on,
                         "--output", "junit:junit.xml", "catalog-info.yaml", cwd=tmp_path)
    root = _parse((tmp_path / "junit.xml").read_text(encoding="utf-8"))
    failed = {f.get("message", "").split(":")[0] for f in root.iter("failure")}
    cases = {c.get("name", "").split(" [")[0].split()[-1] for c in root.iter("testcase")}
    assert cases >= {"error", "warning"}  # both findings are there, failed or not
    assert failed == failures
    assert code == (1 if failures else 0)
