"""The XML documents of the AWS Query APIs, written directly as text.

Values map to elements the way botocore's query parser reads them back: a dict is a
structure (None members left out), a list is a sequence of <member> elements, a bool is
"true"/"false" and a datetime (naive UTC, as stored) is ISO 8601 with milliseconds and "Z".

Text is escaped, and characters XML 1.0 cannot carry at all (NUL and most other C0 controls,
lone surrogates) are replaced by U+FFFD, so that any stored or echoed string, however odd,
still yields a well-formed document.
"""

from __future__ import annotations

import datetime
import re

# Everything outside XML 1.0's Char production; \r is kept but escaped so it survives parsing.
_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def text(value: str) -> str:
    """`value` as XML character data."""
    return _INVALID.sub("\ufffd", value).translate(_ESCAPES)


def timestamp(value: datetime.datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as AWS writes timestamps."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def render(value) -> str:
    """The content of an element holding `value`."""
    if isinstance(value, dict):
        return "".join(element(k, v) for k, v in value.items() if v is not None)
    if isinstance(value, (list, tuple)):
        return "".join(element("member", item) for item in value if item is not None)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return timestamp(value)
    return text(str(value))


def element(name: str, value) -> str:
    """<name>value</name>."""
    return f"<{name}>{render(value)}</{name}>"


def document(root: str, content: str, namespace: str) -> bytes:
    """A complete document with root element `root` in `namespace`."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{namespace}">{content}</{root}>'
    ).encode()


def response(action: str, result: dict | None, request_id: str, namespace: str) -> bytes:
    """<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...</...>."""
    content = element(f"{action}Result", result) if result is not None else ""
    content += element("ResponseMetadata", {"RequestId": request_id})
    return document(f"{action}Response", content, namespace)
