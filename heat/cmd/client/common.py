"""What every `heat` command shares: usage errors, -P parsing, template files, output tables."""

from __future__ import annotations

import json
import sys
from urllib.parse import urlparse

from heat.engine import template_format


class UsageError(Exception):
    """A command line that cannot be carried out as written."""


def parse_parameters(specs: list[str] | None) -> dict[str, str]:
    """-P "K=V;K2=V2" (repeatable) -> {"K": "V", "K2": "V2"}."""
    values: dict[str, str] = {}
    for spec in specs or ():
        for pair in spec.split(";"):
            if not pair.strip():
                continue
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise UsageError(f'malformed parameter "{pair}": expected KEY=VALUE')
            values[key.strip()] = value
    return values


def read_template(path: str) -> tuple[str, bytes]:
    """(path, its bytes), reading at most one byte more than a template may have."""
    try:
        with open(path, "rb") as handle:
            return path, handle.read(template_format.DEFAULT_MAX_SIZE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read template {path}: {exc.strerror}") from None


def template_body(args) -> dict:
    """The request members naming the template of -f FILE or -u URL.

    A file is sent as its text (so the server's findings carry its lines); an http(s) URL
    is fetched by the server, a file:// URL is read here.
    """
    if getattr(args, "template_file", None):
        path, data = read_template(args.template_file)
        return {"template": _text(path, data)}
    url = getattr(args, "template_url", None)
    if url:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path, data = read_template(parsed.path)
            return {"template": _text(path, data)}
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UsageError(f"unsupported template URL {url}: use http(s):// or file://")
        return {"template_url": url}
    return {}


def _text(path: str, data: bytes) -> str:
    if len(data) > template_format.DEFAULT_MAX_SIZE:
        raise UsageError(
            f"template {path} is larger than the limit of {template_format.DEFAULT_MAX_SIZE} bytes"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"template {path} is not UTF-8 text") from None


def cell(value) -> str:
    """A value as one table cell: None is empty, lists and objects are compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def print_table(headers: list[str], rows: list[list], out=None) -> None:
    """Aligned columns under a header line and a rule; the last column is not padded."""
    out = out or sys.stdout
    cells = [[cell(v).replace("\n", " ") for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))

    def line(values):
        padded = [v.ljust(widths[i]) for i, v in enumerate(values[:-1])]
        return "  ".join([*padded, values[-1]]).rstrip()

    out.write(line(headers) + "\n")
    out.write(line(["-" * w for w in widths]) + "\n")
    for row in cells:
        out.write(line(row) + "\n")


def print_fields(fields: list[tuple[str, object]], out=None) -> None:
    """A record as "name  value" lines; multi-line values are indented under their name."""
    out = out or sys.stdout
    width = max((len(name) for name, _ in fields), default=0)
    for name, value in fields:
        lines = cell(value).splitlines() or [""]
        out.write(f"{name.ljust(width)}  {lines[0]}".rstrip() + "\n")
        for more in lines[1:]:
            out.write(f"{' ' * width}  {more}".rstrip() + "\n")


def print_json(value, out=None) -> None:
    (out or sys.stdout).write(json.dumps(value, indent=2, sort_keys=True) + "\n")
