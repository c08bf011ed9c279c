"""Where a request's template comes from: TemplateBody, or TemplateURL fetched over HTTP(S).

Only http and https URLs are fetched (never file:, ftp: or anything a library might
otherwise open), within a size and a time limit, and without following redirects to other
schemes.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import requests

from heat.api.aws.errors import ValidationError
from heat.api.cfn.params import QueryParams

MAX_URL_LENGTH = 1024


class TemplateFetcher:
    """Reads TemplateBody/TemplateURL within `max_size` bytes and `timeout` seconds."""

    def __init__(self, max_size: int, timeout: float, session: requests.Session | None = None):
        self.max_size = max_size
        self.timeout = timeout
        self.session = session or requests.Session()

    def from_params(self, params: QueryParams, *, required=True, allow_previous=False):
        """The template text of a request; None with UsePreviousTemplate (or when optional)."""
        body = params.get("TemplateBody")
        url = params.get("TemplateURL")
        previous = params.boolean("UsePreviousTemplate") if allow_previous else None
        given = [name for name, v in (("TemplateBody", body), ("TemplateURL", url)) if v]
        if previous:
            if given:
                raise ValidationError(f"You cannot specify both usePreviousTemplate and {given[0]}")
            return None
        if len(given) > 1:
            raise ValidationError("Specify exactly one of TemplateBody or TemplateURL.")
        if not given:
            if not required:
                return None
            raise ValidationError("Either Template URL or Template Body must be specified.")
        if body:
            size = len(body.encode("utf-8", "surrogatepass"))
            if size > self.max_size:
                raise ValidationError(
                    f"Template body is {size} bytes, more than the limit of {self.max_size}"
                )
            return body
        return self.fetch(url)

    def fetch(self, url: str) -> str:
        if len(url) > MAX_URL_LENGTH:
            raise ValidationError(f"TemplateURL is longer than {MAX_URL_LENGTH} characters")
        try:
            parts = urlsplit(url)
        except ValueError:
            raise ValidationError("TemplateURL is not a valid URL") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValidationError("TemplateURL must be an http or https URL")
        deadline = time.monotonic() + self.timeout
        try:
            with self.session.get(
                url, timeout=self.timeout, stream=True, allow_redirects=False
            ) as answer:
                if answer.status_code != 200:
                    raise ValidationError(
                        f"TemplateURL could not be retrieved: HTTP {answer.status_code}"
                    )
                data = bytearray()
                for chunk in answer.iter_content(65536):
                    data += chunk
                    if len(data) > self.max_size:
                        raise ValidationError(
                            f"The template at TemplateURL is more than {self.max_size} bytes"
                        )
                    if time.monotonic() > deadline:
                        raise ValidationError(
                            f"TemplateURL could not be retrieved within {self.timeout:g}s"
                        )
        except requests.Timeout:
            raise ValidationError(
                f"TemplateURL could not be retrieved within {self.timeout:g}s"
            ) from None
        except requests.RequestException as exc:
            raise ValidationError(
                f"TemplateURL could not be retrieved: {type(exc).__name__}"
            ) from None
        try:
            return bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The template at TemplateURL is not UTF-8 text") from None
