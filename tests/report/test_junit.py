from __future__ import annotations

import xml.etree.ElementTree as ET

from catalint.model import RunResult
from catalint.report.junit import JunitReporter
from catalint.report.paths import PathMapper
from tests.report.conftest import finding, sample_result


def _parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))


def test_a_suite_per_file_a_case_per_document_a_failure_per_finding(repo_paths: PathMapper) -> None:
    root = _parse(JunitReporter(repo_paths).render(sample_result()))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"sub/catalog/a.yaml", "sub/catalog/broken.yaml", "sub/catalog/clean.yaml"}
    a = suites["sub/catalog/a.yaml"]
    cases = a.findall("testcase")
    failing = [c for c in cases if c.find("failure") is not None]
    # 5 findings in a.yaml: 3 in document 1, 1 in document 2, 1 outside any document (yamllint)
    assert len(failing) == 5 and len(cases) == 5
    assert a.get("tests") == "5" and a.get("failures") == "5"
    names = [c.get("name") for c in cases]
    assert len(set(names)) == len(names)
    assert "document 1 (component:default/a) [field-format] line 4:9" in names
    assert "file [yamllint/line-length] line 14:121" in names
    for case in cases:
        assert case.get("classname") == "sub/catalog/a.yaml" and case.get("file") == "sub/catalog/a.yaml"
    clean = suites["sub/catalog/clean.yaml"]
    (case,) = clean.findall("testcase")
    assert case.get("name") == "document 1 (system:default/s)" and case.find("failure") is None
    assert clean.get("failures") == "0"
    assert root.get("tests") == "7" and root.get("failures") == "6"


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
    assert root.tag == "testsuites" and root.get("tests") == "0" and root.findall("testsuite") == []
