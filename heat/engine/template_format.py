"""Template text -> Python data, in CFN JSON or CFN YAML (long form and short-form tags).

Parsing uses the C parsers (json, libyaml) so that a large valid template parses fast.
Source positions are not attached to every value up front: a SourceMap re-reads the text
once, on the first request, and answers "where is this path?" for every node. A valid
template never builds that index; a template with findings builds it once.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring

import yaml
from oslo_config import cfg

from heat.common.exception import TemplateError
from heat.engine.findings import Finding

OPTS = [
    cfg.IntOpt(
        "max_template_size",
        default=512 * 1024,
        min=1,
        help="Largest template accepted, in bytes.",
    ),
]

DEFAULT_MAX_SIZE = 512 * 1024

# YAML short forms: `!Ref x` is {"Ref": x}, `!Condition c` is {"Condition": c}, and every
# other tag is the Fn:: function of the same name.
_SHORT_FUNCTIONS = (
    "Base64 Cidr FindInMap GetAZs GetAtt If ImportValue Join Select Split Sub "
    "Equals And Or Not Length ToJsonString Transform"
).split()
SHORT_TAGS = {"!Ref": "Ref", "!Condition": "Condition"}
SHORT_TAGS.update({f"!{name}": f"Fn::{name}" for name in _SHORT_FUNCTIONS})


def _short_form_key(tag: str) -> str:
    return SHORT_TAGS[tag]


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe YAML loader that reads scalars the way CloudFormation does.

    YAML 1.1 turns `Yes`, `No`, `On` and `Off` into booleans and `2010-09-09` into a date;
    CloudFormation keeps them as the strings they look like. Only `true`/`false` are
    booleans here, and dates stay strings.
    """


_CfnLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CfnLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_short_form(loader, node):
    key = _short_form_key(node.tag)
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            # `!GetAtt Res.Attr.Nested` names resource Res and attribute "Attr.Nested".
            resource, _, attribute = value.partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


for _tag in SHORT_TAGS:
    _CfnLoader.add_constructor(_tag, _construct_short_form)


def parse(text: str | bytes, filename: str = "<template>", max_size: int = DEFAULT_MAX_SIZE):
    """Parse template text; return (data, SourceMap). Raise TemplateError on bad input."""
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > max_size:
        raise TemplateError(
            [
                Finding(
                    "template-too-large",
                    (),
                    f"{filename}: template is {size} bytes, more than the limit of {max_size}",
                )
            ]
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TemplateError(
                [Finding("parse-error", (), f"{filename}: not UTF-8 text ({exc.reason})")]
            ) from None
    text = text.lstrip("\ufeff")
    kind = "json" if text.lstrip()[:1] == "{" else "yaml"
    data = _load_json(text, filename) if kind == "json" else _load_yaml(text, filename)
    if not isinstance(data, dict):
        raise TemplateError(
            [Finding("not-a-mapping", (), f"{filename}: a template must be a mapping of sections")]
        )
    return data, SourceMap(text, kind, filename)


def _load_json(text: str, filename: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(
            [
                Finding(
                    "parse-error", (), f"{filename}: invalid JSON: {exc.msg}", exc.lineno, exc.colno
                )
            ]
        ) from None
    except RecursionError:
        raise TemplateError(
            [Finding("parse-error", (), f"{filename}: invalid JSON: nested too deeply")]
        ) from None


def _load_yaml(text: str, filename: str):
    try:
        return yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise TemplateError(
            [Finding("parse-error", (), f"{filename}: invalid YAML: {problem}", line, column)]
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise TemplateError(
            [Finding("parse-error", (), f"{filename}: invalid YAML: {exc}")]
        ) from None


class SourceMap:
    """Answers where in the text a path of the parsed data comes from (1-based line, column).

    A path that leads to a mapping key points at the key; a list item at the item. A path
    that does not exist (a required property that is missing, say) is placed at its longest
    existing prefix, which is where the user has to add it.
    """

    def __init__(self, text: str, kind: str, filename: str = "<template>"):
        self.text = text
        self.kind = kind
        self.filename = filename
        self._index: dict | None = None

    def locate(self, path) -> tuple[int | None, int | None]:
        if self._index is None:
            self._index = _index_json(self.text) if self.kind == "json" else _index_yaml(self.text)
        path = tuple(path)
        while path:
            found = self._index.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self._index.get((), (None, None))

    def locate_all(self, findings):
        """The findings with line:column filled in where they had none."""
        return [f if f.line is not None else f.located(*self.locate(f.path)) for f in findings]


# -- the position index for JSON: a small scanner over the text the C parser accepted --

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


def _index_json(text: str) -> dict:
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(offset):
        line = bisect.bisect_right(line_starts, offset)
        return line, offset - line_starts[line - 1] + 1

    index: dict = {}

    def skip(i):
        return _WS.match(text, i).end()

    def value(i, path):
        i = skip(i)
        index.setdefault(path, where(i))
        char = text[i]
        if char == "{":
            i = skip(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                key_at = i
                key, i = scanstring(text, i + 1)
                index[path + (key,)] = where(key_at)
                i = skip(i) + 1  # the colon
                i = skip(value(i, path + (key,)))
                if text[i] == "}":
                    return i + 1
                i = skip(i + 1)  # the comma
        if char == "[":
            i = skip(i + 1)
            if text[i] == "]":
                return i + 1
            position = 0
            while True:
                i = skip(value(i, path + (position,)))
                position += 1
                if text[i] == "]":
                    return i + 1
                i = i + 1
        if char == '"':
            return scanstring(text, i + 1)[1]
        return _SCALAR.match(text, i).end()

    value(0, ())
    return index


# -- the position index for YAML: libyaml's node graph carries the marks --


def _index_yaml(text: str) -> dict:
    index: dict = {}
    root = yaml.compose(text, Loader=_CfnLoader)

    def mark_of(node):
        return node.start_mark.line + 1, node.start_mark.column + 1

    def walk(node, path):
        index.setdefault(path, mark_of(node))
        if node.tag in SHORT_TAGS:
            path = path + (_short_form_key(node.tag),)
            index.setdefault(path, mark_of(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                index[path + (key,)] = mark_of(key_node)
                walk(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                walk(item, path + (position,))

    if root is not None:
        walk(root, ())
    return index
