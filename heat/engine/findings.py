"""Validation findings: what is wrong, where (path and line:column) and under which code.

Validation never stops at the first problem: each check appends Findings to a list, and
the caller raises TemplateError with all of them at the end. The path of a finding is a
tuple of keys and indexes into the template data; its line and column are filled in only
when the finding is reported (see template_format.SourceMap), so that a valid template,
the common case, never pays for source positions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

Path = tuple  # of str (mapping keys) and int (list indexes)


def format_path(path: Path) -> str:
    """('Resources', 'Web', 'Properties', 'Groups', 0) -> 'Resources.Web.Properties.Groups[0]'."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(f".{part}" if out else str(part))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation problem. `code` is stable: tests and tools may match on it."""

    code: str
    path: Path
    message: str
    line: int | None = None
    column: int | None = None

    def located(self, line: int | None, column: int | None) -> Finding:
        return replace(self, line=line, column=column)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "path": format_path(self.path),
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = format_path(self.path)
        text = f"{where}: {self.message}" if where else self.message
        if self.line is not None:
            text += f" (line {self.line}:{self.column})"
        return text


def sort_key(finding: Finding):
    """Findings are reported in source order, then by path, so output is deterministic."""
    return (finding.line or 0, finding.column or 0, format_path(finding.path), finding.code)
