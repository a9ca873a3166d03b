"""Schemathesis over every operation of a service's own OpenAPI document, in process.

Each operation gets a bounded number of generated requests (hypothesis, derandomized: the
same cases every run); every answer is checked: no 5xx, the status is documented, the
content type is documented, the body matches the documented schema, and data the
document calls invalid is refused. Failures are collected, not raised one by one, so a
run reports all of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

CHECKS = (
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
)


@dataclass
class FuzzReport:
    cases: int = 0
    operations: int = 0
    failures: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [
            f"{count}x {key}\n    e.g. {self.examples[key]}"
            for key, count in sorted(self.failures.items())
        ]


def _summary(exc: BaseException) -> str:
    text = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " / ".join(text[:2])[:200] or type(exc).__name__


def fuzz(app, document_path: str, headers: dict[str, str], *, max_examples: int) -> FuzzReport:
    schema = schemathesis.openapi.from_wsgi(document_path, app)
    report = FuzzReport()
    for result in schema.get_all_operations():
        check_operation(result.ok(), headers, max_examples, report)
    return report


def check_operation(operation, headers, max_examples: int, report: FuzzReport) -> None:
    report.operations += 1

    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        report.cases += 1
        response = case.call(headers=headers)
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check])
            except BaseException as exc:  # schemathesis raises exception groups
                for problem in getattr(exc, "exceptions", [exc]):
                    key = f"{operation.label}: {check.__name__}: {_summary(problem)}"
                    report.failures[key] += 1
                    report.examples.setdefault(
                        key,
                        f"{case.method} {case.formatted_path} query={case.query} "
                        f"body={str(case.body)[:150]} -> {response.status_code} "
                        f"{response.text[:150]}",
                    )

    run()
