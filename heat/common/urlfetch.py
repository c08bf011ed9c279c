"""Fetching a template from a URL: http and https only, within a size and a time limit.

Never file:, ftp: or anything else a library might open, and no redirects (a redirect to
another scheme or host would dodge the check).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import requests

from heat.common.exception import InvalidInput

MAX_URL_LENGTH = 1024


def fetch(url: str, max_size: int, timeout: float, session: requests.Session | None = None) -> str:
    """The text at `url`; InvalidInput (naming the URL's problem) if it cannot be had."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"TemplateURL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidInput("TemplateURL is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"TemplateURL must be an http or https URL, not {url!r}")
    deadline = time.monotonic() + timeout
    getter = session or requests
    try:
        with getter.get(url, timeout=timeout, stream=True, allow_redirects=False) as answer:
            if answer.status_code != 200:
                raise InvalidInput(
                    f"TemplateURL {url} could not be retrieved: HTTP {answer.status_code}"
                )
            data = bytearray()
            for chunk in answer.iter_content(65536):
                data += chunk
                if len(data) > max_size:
                    raise InvalidInput(f"The template at {url} is more than {max_size} bytes")
                if time.monotonic() > deadline:
                    raise InvalidInput(
                        f"TemplateURL {url} could not be retrieved within {timeout:g}s"
                    )
    except requests.Timeout:
        raise InvalidInput(
            f"TemplateURL {url} could not be retrieved within {timeout:g}s"
        ) from None
    except requests.RequestException as exc:
        raise InvalidInput(
            f"TemplateURL {url} could not be retrieved: {type(exc).__name__}"
        ) from None
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"The template at {url} is not UTF-8 text") from None
