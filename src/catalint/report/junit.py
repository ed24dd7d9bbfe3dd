"""JUnit XML for GitLab, Jenkins and Bitbucket test reports.

A `<testsuite>` per file. Each document is a test case; a clean document passes once, and each
finding is its own case, named with its severity, rule and line so that readers that keep one
failure per case, or only the first case of a given name, lose nothing. Findings outside any
document (a file that does not parse, say) belong to the file.

A finding is a failed case exactly when it fails the run (its severity is at or above the run's
`--fail-on`), so a run that exits 0 shows no failed test; the others are passing cases whose text
is in the suite's `<system-out>`.

The output validates against both common schemas: Jenkins xunit's `junit-10.xsd` and the strict
Apache Ant schema (windyroad's `JUnit.xsd`), which has no `file` or `skipped` attributes, wants
`package`, `id`, `timestamp` and `hostname` on each suite, `properties`, `system-out` and
`system-err` in it, and no attributes on `<testsuites>`.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

from catalint.model import DocumentSummary, Finding, RunResult, Severity
from catalint.report.paths import PathMapper

# Characters XML 1.0 forbids even when escaped (most C0 controls, surrogates, U+FFFE/U+FFFF).
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
HOSTNAME = "localhost"  # the schema's word for "not recorded"; the machine's name is no one's business


def xml_text(text: str) -> str:
    return _INVALID_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _document_label(doc: DocumentSummary | None, index: int | None) -> str:
    if doc is None:
        return "file" if index is None else f"document {index + 1}"
    label = f"document {doc.index + 1}"
    return f"{label} ({doc.entity})" if doc.entity else label


@dataclass(slots=True)
class _Suite:
    """One file's cases, counted as they are added."""

    element: ET.Element
    rel: str
    failing: Severity | None
    tests: int = 0
    failures: int = 0
    passed_findings: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    def case(self, name: str) -> ET.Element:
        self.tests += 1
        return ET.SubElement(self.element, "testcase", name=xml_text(name), classname=xml_text(self.rel), time="0")

    def finding(self, label: str, finding: Finding) -> None:
        span = finding.span
        name = f"{label} {finding.severity.label} [{finding.rule}] line {span.line}:{span.column}"
        self.seen[name] = self.seen.get(name, 0) + 1
        if self.seen[name] > 1:
            name += f" #{self.seen[name]}"
        case = self.case(name)
        text = f"{self.rel}:{span.line}:{span.column}: {finding.severity.label} [{finding.rule}] {finding.message}"
        if self.failing is not None and finding.severity >= self.failing:
            failure = ET.SubElement(
                case,
                "failure",
                message=xml_text(f"{finding.severity.label}: {finding.message}"),
                type=xml_text(finding.rule),
            )
            failure.text = xml_text(text)
            self.failures += 1
        else:
            self.passed_findings.append(xml_text(text))


@dataclass(slots=True)
class JunitReporter:
    paths: PathMapper = field(default_factory=PathMapper.identity)
    name: str = "junit"
    # The run's `--fail-on` (None: `never`): findings this severe or more fail the run, and their tests.
    fail_on: Severity | None = Severity.ERROR

    def render(self, result: RunResult) -> str:
        by_file: dict[str, list[Finding]] = defaultdict(list)
        docs_by_file: dict[str, dict[int, DocumentSummary]] = defaultdict(dict)
        for finding in result.findings:
            by_file[finding.path].append(finding)
        for doc in result.documents:
            docs_by_file[doc.path][doc.index] = doc
        failing = self.fail_on
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        suites = ET.Element("testsuites")
        for number, path in enumerate(sorted(set(by_file) | set(docs_by_file))):
            rel = xml_text(self.paths.relative(path))
            element = ET.SubElement(
                suites, "testsuite", name=rel, package=rel, id=str(number), timestamp=stamp, hostname=HOSTNAME
            )
            ET.SubElement(element, "properties")
            suite = _Suite(element, rel, failing)
            self._fill(suite, by_file.get(path, []), docs_by_file.get(path, {}))
            ET.SubElement(element, "system-out").text = "\n".join(suite.passed_findings)
            ET.SubElement(element, "system-err").text = ""
            element.set("tests", str(suite.tests))
            element.set("failures", str(suite.failures))
            element.set("errors", "0")
            element.set("time", "0")
        ET.indent(suites)
        body = ET.tostring(suites, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"

    @staticmethod
    def _fill(suite: _Suite, findings: list[Finding], docs: dict[int, DocumentSummary]) -> None:
        findings_by_doc: dict[int | None, list[Finding]] = defaultdict(list)
        for finding in findings:
            findings_by_doc[finding.document].append(finding)
        keys: list[int | None] = list(sorted(set(docs) | {k for k in findings_by_doc if k is not None}))
        if None in findings_by_doc or not keys:
            keys.insert(0, None)
        for key in keys:
            label = _document_label(docs.get(key) if key is not None else None, key)
            found = findings_by_doc.get(key, [])
            if not found:
                suite.case(label)
            for finding in found:
                suite.finding(label, finding)
