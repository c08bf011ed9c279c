"""Where a request's template comes from: TemplateBody, or TemplateURL fetched over HTTP(S)
(by heat.common.urlfetch: http and https only, size and time limited, no redirects)."""

from __future__ import annotations

import requests

from heat.api.aws.errors import ValidationError
from heat.api.cfn.params import QueryParams
from heat.common import urlfetch
from heat.common.exception import InvalidInput


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
        try:
            return urlfetch.fetch(url, self.max_size, self.timeout, self.session)
        except InvalidInput as exc:
            raise ValidationError(exc.message) from None
