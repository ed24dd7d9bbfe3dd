"""JUnit XML for GitLab, Jenkins and Bitbucket test reports.

A `<testsuite>` per file. Each document is a test case; a clean document passes once, and each
finding is its own failing case, named with its rule and line so that readers that keep one
failure per case, or only the first case of a given name, lose nothing. Findings outside any
document (a file that does not parse, say) belong to the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

from catalint.model import DocumentSummary, Finding, RunResult
from catalint.report.paths import PathMapper

# Characters XML 1.0 forbids even when escaped (most C0 controls, surrogates, U+FFFE/U+FFFF).
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _INVALID_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _document_label(doc: DocumentSummary | None, index: int | None) -> str:
    if doc is None:
        return "file" if index is None else f"document {index + 1}"
    label = f"document {doc.index + 1}"
    return f"{label} ({doc.entity})" if doc.entity else label


@dataclass(slots=True)
class JunitReporter:
    paths: PathMapper = field(default_factory=PathMapper.identity)
    name: str = "junit"

    def render(self, result: RunResult) -> str:
        by_file: dict[str, list[Finding]] = defaultdict(list)
        docs_by_file: dict[str, dict[int, DocumentSummary]] = defaultdict(dict)
        for finding in result.findings:
            by_file[finding.path].append(finding)
        for doc in result.documents:
            docs_by_file[doc.path][doc.index] = doc
        files = sorted(set(by_file) | set(docs_by_file))
        suites = ET.Element("testsuites", name="catalint")
        total_tests = total_failures = 0
        for path in files:
            rel = self.paths.relative(path)
            suite = ET.SubElement(suites, "testsuite", name=xml_text(rel))
            findings_by_doc: dict[int | None, list[Finding]] = defaultdict(list)
            for finding in by_file.get(path, []):
                findings_by_doc[finding.document].append(finding)
            docs = docs_by_file.get(path, {})
            numbered = sorted(set(docs) | {k for k in findings_by_doc if k is not None})
            keys: list[int | None] = list(numbered)
            if None in findings_by_doc or not keys:
                keys.insert(0, None)
            tests = failures = 0
            seen: dict[str, int] = {}
            for key in keys:
                label = _document_label(docs.get(key) if key is not None else None, key)
                found = findings_by_doc.get(key, [])
                if not found:
                    self._case(suite, rel, label)
                    tests += 1
                    continue
                for finding in found:
                    span = finding.span
                    name = f"{label} [{finding.rule}] line {span.line}:{span.column}"
                    seen[name] = seen.get(name, 0) + 1
                    if seen[name] > 1:
                        name += f" #{seen[name]}"
                    case = self._case(suite, rel, name)
                    failure = ET.SubElement(
                        case,
                        "failure",
                        message=xml_text(f"{finding.severity.label}: {finding.message}"),
                        type=xml_text(finding.rule),
                    )
                    failure.text = xml_text(
                        f"{rel}:{span.line}:{span.column}: {finding.severity.label} [{finding.rule}] {finding.message}"
                    )
                    tests += 1
                    failures += 1
            suite.set("tests", str(tests))
            suite.set("failures", str(failures))
            suite.set("errors", "0")
            suite.set("skipped", "0")
            suite.set("time", "0")
            total_tests += tests
            total_failures += failures
        suites.set("tests", str(total_tests))
        suites.set("failures", str(total_failures))
        suites.set("errors", "0")
        ET.indent(suites)
        body = ET.tostring(suites, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"

    @staticmethod
    def _case(suite: ET.Element, rel: str, name: str) -> ET.Element:
        return ET.SubElement(
            suite, "testcase", classname=xml_text(rel), name=xml_text(name), file=xml_text(rel), time="0"
        )
