"""Reading native-API requests: typed query and body values, templates (inline or URL).

Every malformed value is an InvalidInput (400) naming the field; nothing a client sends
may surface as a 500.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import requests

from heat.common.exception import InvalidInput
from heat.engine.template_format import DEFAULT_MAX_SIZE

TEMPLATE_URL_TIMEOUT = 10.0
_TRUE = ("true", "1", "yes", "on", "t", "y")
_FALSE = ("false", "0", "no", "off", "f", "n")


def as_bool(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidInput(
        f'Unrecognized value "{value}" for "{name}", acceptable values are: true, false.'
    )


def as_int(value, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
        number = int(value)
    else:
        raise InvalidInput(f"{name} must be an integer")
    if number < minimum:
        raise InvalidInput(f"{name} must be at least {minimum}")
    return number


def query_list(req, name: str) -> list[str]:
    """All values of a repeatable query parameter (also comma-separated)."""
    values = []
    for value in req.GET.getall(name):
        values.extend(v.strip() for v in value.split(",") if v.strip())
    return values


def parameters(body: dict) -> dict:
    """The stack parameters: the environment's parameter_defaults and parameters, then the
    explicit `parameters`, later ones winning."""
    merged: dict = {}
    env = body.get("environment")
    if isinstance(env, str):
        try:
            import yaml

            env = yaml.safe_load(env) if env.strip() else {}
        except Exception:
            raise InvalidInput("environment is not valid YAML or JSON") from None
    if env is not None and not isinstance(env, dict):
        raise InvalidInput("environment must be an object")
    for section in ("parameter_defaults", "parameters"):
        values = (env or {}).get(section) or {}
        if not isinstance(values, dict):
            raise InvalidInput(f"environment {section} must be an object")
        merged.update(values)
    given = body.get("parameters")
    if given is not None:
        if not isinstance(given, dict):
            raise InvalidInput("parameters must be an object")
        merged.update(given)
    for key, value in merged.items():
        if not isinstance(key, str):
            raise InvalidInput("parameter names must be strings")
        if isinstance(value, (dict, list)):
            merged[key] = (
                json.dumps(value) if isinstance(value, dict) else ",".join(str(v) for v in value)
            )
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            raise InvalidInput(f"parameter {key} has an unsupported value")
    return {k: (v if isinstance(v, str) or v is None else _scalar(v)) for k, v in merged.items()}


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def template_text(body: dict, required: bool = True) -> str | None:
    """The template of a request: `template` (object or text) or fetched from
    `template_url`; None if neither is given and not `required`."""
    template = body.get("template")
    if template is not None:
        if isinstance(template, dict):
            return json.dumps(template)
        if isinstance(template, str) and template.strip():
            return template
        raise InvalidInput("template must be an object or a non-empty string")
    url = body.get("template_url")
    if url is not None:
        return fetch_template(url)
    if required:
        raise InvalidInput("Need more arguments: no template or template_url given")
    return None


def fetch_template(url) -> str:
    if not isinstance(url, str):
        raise InvalidInput("template_url must be a string")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput(f"Could not retrieve template: unsupported URL {url[:200]!r}")
    try:
        with requests.get(url, timeout=TEMPLATE_URL_TIMEOUT, stream=True) as response:
            if response.status_code != 200:
                raise InvalidInput(
                    f"Could not retrieve template: {url} answered {response.status_code}"
                )
            data = b""
            for chunk in response.iter_content(65536):
                data += chunk
                if len(data) > DEFAULT_MAX_SIZE:
                    raise InvalidInput(
                        f"Could not retrieve template: larger than {DEFAULT_MAX_SIZE} bytes"
                    )
    except requests.RequestException as exc:
        raise InvalidInput(f"Could not retrieve template: {type(exc).__name__}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("Could not retrieve template: not UTF-8 text") from None


def tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return value
    raise InvalidInput("tags must be a comma-separated string or a list of strings")


def stack_name(value) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput("stack_name is required and must be a string")
    if (
        len(value) > 255
        or not (value[0].isalpha())
        or not all(c.isalnum() or c in "_-." for c in value)
    ):
        raise InvalidInput(
            f'Invalid stack name "{value[:255]}": it must start with a letter and contain '
            "only letters, digits, _, - and ."
        )
    return value
