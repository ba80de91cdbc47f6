"""The validation report: one list of issues that the CLI, the API and the web pages all show.

An issue names the file, the row as the user sees it (CSV line or Excel row number, 1 = header), the column and
the rule, so a data steward can go straight to the cell. Errors block a load; warnings are shown and kept.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import pandas as pd


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    severity: Severity
    rule: str
    table: str
    message: str
    file: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    hint: str = ""


@dataclass
class ValidationReport:
    """Issues found in one source. `truncated` counts issues not listed because a rule fired too often."""

    source: str = ""
    issues: list[Issue] = field(default_factory=list)
    truncated: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def rules(self, severity: Severity | None = None) -> set[str]:
        return {i.rule for i in self.issues if severity is None or i.severity is severity}

    def extend(self, issues: list[Issue], *, limit: int = 50) -> None:
        """Keep at most `limit` issues per (table, rule, column): a broken column must not flood the report."""
        for issue in issues:
            key = f"{issue.table}:{issue.rule}:{issue.column}"
            shown = sum(1 for i in self.issues if f"{i.table}:{i.rule}:{i.column}" == key)
            if shown < limit:
                self.issues.append(issue)
            else:
                self.truncated[key] = self.truncated.get(key, 0) + 1

    def to_frame(self) -> pd.DataFrame:
        columns = list(Issue.__dataclass_fields__)
        frame = pd.DataFrame([asdict(i) for i in self.issues], columns=columns)
        frame["severity"] = frame["severity"].astype(str)
        return frame

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [{**asdict(i), "severity": str(i.severity)} for i in self.issues],
            "not_listed": self.truncated,
        }

    def write(self, path: Path) -> None:
        """Write as JSON or CSV, chosen by the file's suffix."""
        if path.suffix.lower() == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=2, default=str), encoding="utf-8")
        else:
            self.to_frame().to_csv(path, index=False)
