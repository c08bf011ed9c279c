"""Intrinsic functions as objects, parsed once and evaluated late.

`parse()` turns template data into a tree in which every {"Fn::X": args} is a Function
object. Each Function validates its arguments as it is built (appending Findings, never
raising), reports the resources it depends on, and computes its result only when asked,
against a Scope that knows parameters, conditions and live resources. GetAtt therefore
resolves after its target exists, and the same tree serves validation, the dependency
graph and creation.
"""

from __future__ import annotations

import base64
import difflib
import ipaddress
import json
import re
from collections.abc import Iterator

from heat.common.exception import InvalidInput
from heat.engine.findings import Finding, format_path
from heat.engine.parameters import NO_VALUE

# The section a value lives in decides what it may reference.
PARAMETERS_ONLY = "parameters"  # Conditions, Rules
ANYTHING = "anything"  # Resources, Outputs


class ParseContext:
    """What the template declares, so functions can check their references as they are built."""

    def __init__(
        self,
        *,
        parameters=frozenset(),
        resources=None,
        conditions=frozenset(),
        mappings=None,
        attribute_check=None,
        findings=None,
    ):
        self.parameters = parameters  # names, pseudo parameters included
        self.resources = resources if resources is not None else {}  # name -> type
        self.conditions = conditions
        self.mappings = mappings if mappings is not None else {}
        # attribute_check(type_name, attribute) -> None if fine, else a message
        self.attribute_check = attribute_check
        self.findings = findings if findings is not None else []
        self.scope = ANYTHING
        # Functions allowed only in one section (the rule functions in Rules).
        self.extra_functions: dict = {}

    def add(self, code: str, path, message: str) -> None:
        self.findings.append(Finding(code, tuple(path), message))


class Function:
    """Base of all intrinsic functions. Subclasses set `name` and implement the hooks."""

    __slots__ = ("path", "args")
    name = ""

    def __init__(self, path, args):
        self.path = path
        self.args = args

    def validate(self, ctx: ParseContext) -> None:
        """Append findings about the arguments to ctx; never raise."""

    def dependencies(self, condition=None) -> Iterator[str]:
        """Names of the resources this function needs to exist before it can give a result.

        See the module-level dependencies() for `condition`.
        """
        yield from dependencies(self.args, condition)

    def result(self, scope):
        raise NotImplementedError

    def error(self, message: str) -> InvalidInput:
        return InvalidInput(f"{format_path(self.path)}: {message}")

    def __repr__(self):
        return f"{{{self.name!r}: {self.args!r}}}"


def resolve(value, scope):
    """The value with every function replaced by its result; AWS::NoValue drops the entry."""
    if isinstance(value, Function):
        return resolve(value.result(scope), scope)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = resolve(item, scope)
            if item is not NO_VALUE:
                out[key] = item
        return out
    if isinstance(value, list):
        return [item for item in (resolve(v, scope) for v in value) if item is not NO_VALUE]
    return value


def dependencies(value, condition=None) -> Iterator[str]:
    """Every resource name a (parsed) value refers to.

    Without `condition` both branches of every Fn::If count (the graph orders both, as an
    update may switch branches); with `condition` (name -> bool) only the branch taken does.
    """
    if isinstance(value, Function):
        yield from value.dependencies(condition)
    elif isinstance(value, dict):
        for item in value.values():
            yield from dependencies(item, condition)
    elif isinstance(value, list):
        for item in value:
            yield from dependencies(item, condition)


def _is_literal(value) -> bool:
    return not isinstance(value, Function)


def as_string(value, function: Function) -> str:
    """CloudFormation's string view of a scalar: numbers as written, booleans lowercase."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise function.error(f"expected a string, got {_describe(value)}")


def _describe(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"


def _suggest(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def expect_list(fn: Function, ctx: ParseContext, lengths: tuple[int, ...]) -> bool:
    args = fn.args
    if not isinstance(args, list) or len(args) not in lengths:
        want = " or ".join(str(n) for n in lengths)
        noun = "argument" if lengths == (1,) else "arguments"
        ctx.add("function-arguments", fn.path, f"{fn.name} takes a list of {want} {noun}")
        return False
    return True


# -- references --


class Ref(Function):
    __slots__ = ()
    name = "Ref"

    def validate(self, ctx):
        target = self.args
        if not isinstance(target, str):
            ctx.add(
                "function-arguments", self.path, "Ref takes the name of a parameter or resource"
            )
        elif target in ctx.parameters:
            return
        elif target in ctx.resources and ctx.scope == ANYTHING:
            return
        elif target in ctx.resources:
            ctx.add(
                "invalid-reference", self.path, f'Ref to resource "{target}" is not allowed here'
            )
        else:
            known = ctx.parameters | (ctx.resources.keys() if ctx.scope == ANYTHING else set())
            ctx.add(
                "unknown-reference",
                self.path,
                f'Ref to unknown parameter or resource "{target}"{_suggest(target, known)}',
            )

    def dependencies(self, condition=None):
        yield self.args  # the graph ignores names that are parameters

    def result(self, scope):
        return scope.ref(self.args)


class GetAtt(Function):
    __slots__ = ()
    name = "Fn::GetAtt"

    def __init__(self, path, args):
        # The dotted form "Res.Attr.Nested" names resource Res and attribute "Attr.Nested".
        if isinstance(args, str):
            resource, _, attribute = args.partition(".")
            args = [resource, attribute]
        super().__init__(path, args)

    def validate(self, ctx):
        if not expect_list(self, ctx, (2,)):
            return
        resource, attribute = self.args
        if not isinstance(resource, str) or not resource:
            ctx.add("function-arguments", self.path, "Fn::GetAtt needs a resource name")
            return
        if ctx.scope != ANYTHING or resource not in ctx.resources:
            known = ctx.resources.keys() if ctx.scope == ANYTHING else ()
            ctx.add(
                "unknown-reference",
                self.path,
                f'Fn::GetAtt of unknown resource "{resource}"{_suggest(resource, known)}',
            )
            return
        if not isinstance(attribute, str) or not attribute:
            if _is_literal(attribute):
                ctx.add("function-arguments", self.path, "Fn::GetAtt needs an attribute name")
            return
        if ctx.attribute_check is not None:
            problem = ctx.attribute_check(ctx.resources[resource], attribute)
            if problem:
                ctx.add("unknown-attribute", self.path, problem)

    def dependencies(self, condition=None):
        if isinstance(self.args, list) and self.args:
            yield self.args[0]

    def result(self, scope):
        resource, attribute = self.args
        return scope.attribute(resource, as_string(resolve(attribute, scope), self))


# -- strings and lists --


class Join(Function):
    __slots__ = ()
    name = "Fn::Join"

    def validate(self, ctx):
        if not expect_list(self, ctx, (2,)):
            return
        delimiter, items = self.args
        if not isinstance(delimiter, str):
            ctx.add("function-arguments", self.path, "Fn::Join delimiter must be a string")
        if not isinstance(items, list | Function):
            ctx.add("function-arguments", self.path, "Fn::Join needs a list of values to join")

    def result(self, scope):
        delimiter, items = self.args
        items = resolve(items, scope)
        if not isinstance(items, list):
            raise self.error(f"Fn::Join needs a list, got {_describe(items)}")
        return delimiter.join(as_string(item, self) for item in items)


class Base64(Function):
    __slots__ = ()
    name = "Fn::Base64"

    def result(self, scope):
        text = as_string(resolve(self.args, scope), self)
        return base64.b64encode(text.encode("utf-8")).decode("ascii")


class Select(Function):
    __slots__ = ()
    name = "Fn::Select"

    def validate(self, ctx):
        if expect_list(self, ctx, (2,)):
            index = self.args[0]
            if _is_literal(index) and _as_index(index) is None:
                ctx.add("function-arguments", self.path, "Fn::Select index must be an integer")

    def result(self, scope):
        index, items = (resolve(arg, scope) for arg in self.args)
        position = _as_index(index)
        if position is None:
            raise self.error(f"Fn::Select index must be an integer, got {_describe(index)}")
        if not isinstance(items, list):
            raise self.error(f"Fn::Select needs a list, got {_describe(items)}")
        if not 0 <= position < len(items):
            raise self.error(f"Fn::Select index {position} is out of range for {len(items)} items")
        return items[position]


def _as_index(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


class Split(Function):
    __slots__ = ()
    name = "Fn::Split"

    def validate(self, ctx):
        if expect_list(self, ctx, (2,)) and (not isinstance(self.args[0], str) or not self.args[0]):
            ctx.add(
                "function-arguments", self.path, "Fn::Split delimiter must be a non-empty string"
            )

    def result(self, scope):
        delimiter, text = self.args
        return as_string(resolve(text, scope), self).split(delimiter)


class Length(Function):
    __slots__ = ()
    name = "Fn::Length"

    def result(self, scope):
        items = resolve(self.args, scope)
        if not isinstance(items, list):
            raise self.error(f"Fn::Length needs a list, got {_describe(items)}")
        return len(items)


class ToJsonString(Function):
    __slots__ = ()
    name = "Fn::ToJsonString"

    def result(self, scope):
        return json.dumps(resolve(self.args, scope), separators=(",", ":"), sort_keys=False)


class Replace(Function):
    """Heat's Fn::Replace: [{"old": "new", ...}, "text"]."""

    __slots__ = ()
    name = "Fn::Replace"

    def validate(self, ctx):
        if expect_list(self, ctx, (2,)) and not isinstance(self.args[0], dict | Function):
            ctx.add("function-arguments", self.path, "Fn::Replace needs a mapping of replacements")

    def result(self, scope):
        mapping, text = (resolve(arg, scope) for arg in self.args)
        text = as_string(text, self)
        if not isinstance(mapping, dict):
            raise self.error(f"Fn::Replace needs a mapping, got {_describe(mapping)}")
        # Longest keys first, so that a key that contains another is replaced whole.
        for old in sorted(mapping, key=len, reverse=True):
            new = mapping[old]
            text = text.replace(old, "" if new is None else as_string(new, self))
        return text


class MemberListToMap(Function):
    """Heat's Fn::MemberListToMap: turns AWS query-style member lists into a mapping.

    ["Name", "Value", [".member.0.Name=key", ".member.0.Value=door"]] -> {"key": "door"}
    """

    __slots__ = ()
    name = "Fn::MemberListToMap"
    _MEMBER = re.compile(r"^\.?member\.(\d+)\.([^=]+)=(.*)$", re.S)

    def validate(self, ctx):
        expect_list(self, ctx, (3,))

    def result(self, scope):
        key_name, value_name, members = (resolve(arg, scope) for arg in self.args)
        if not isinstance(members, list):
            raise self.error(f"Fn::MemberListToMap needs a list, got {_describe(members)}")
        entries: dict = {}
        for member in members:
            match = self._MEMBER.match(as_string(member, self))
            if match is None:
                raise self.error(f'Fn::MemberListToMap: malformed member "{member}"')
            number, field, value = match.groups()
            entries.setdefault(number, {})[field] = value
        return {
            entry[key_name]: entry.get(value_name)
            for _, entry in sorted(entries.items(), key=lambda item: int(item[0]))
            if key_name in entry
        }


# -- lookups --


class FindInMap(Function):
    __slots__ = ()
    name = "Fn::FindInMap"

    def validate(self, ctx):
        if not expect_list(self, ctx, (3,)):
            return
        name, top, second = self.args
        if not isinstance(name, str):
            return
        if name not in ctx.mappings:
            ctx.add(
                "unknown-mapping",
                self.path,
                f'Fn::FindInMap of unknown mapping "{name}"{_suggest(name, ctx.mappings)}',
            )
            return
        mapping = ctx.mappings[name]
        if isinstance(top, str) and isinstance(mapping, dict):
            if top not in mapping:
                ctx.add("unknown-mapping-key", self.path, f'mapping "{name}" has no key "{top}"')
            elif isinstance(second, str) and isinstance(mapping[top], dict):
                if second not in mapping[top]:
                    ctx.add(
                        "unknown-mapping-key",
                        self.path,
                        f'mapping "{name}" has no key "{second}" under "{top}"',
                    )

    def result(self, scope):
        name, top, second = (as_string(resolve(arg, scope), self) for arg in self.args)
        try:
            return scope.mappings[name][top][second]
        except (KeyError, TypeError):
            raise self.error(f'mapping "{name}" has no value for "{top}"/"{second}"') from None


class GetAZs(Function):
    __slots__ = ()
    name = "Fn::GetAZs"

    def result(self, scope):
        region = resolve(self.args, scope)
        return list(scope.availability_zones(as_string(region or "", self)))


class ImportValue(Function):
    __slots__ = ()
    name = "Fn::ImportValue"

    def validate(self, ctx):
        if not isinstance(self.args, str | Function):
            ctx.add("function-arguments", self.path, "Fn::ImportValue takes an export name")

    def result(self, scope):
        return scope.import_value(as_string(resolve(self.args, scope), self))


class Cidr(Function):
    __slots__ = ()
    name = "Fn::Cidr"

    def validate(self, ctx):
        expect_list(self, ctx, (3,))

    def result(self, scope):
        block, count, bits = (resolve(arg, scope) for arg in self.args)
        try:
            network = ipaddress.ip_network(as_string(block, self), strict=False)
            count, bits = int(count), int(bits)
        except ValueError as exc:
            raise self.error(f"Fn::Cidr: {exc}") from None
        prefix = network.max_prefixlen - bits
        if bits <= 0 or prefix < network.prefixlen:
            raise self.error(f"Fn::Cidr: {bits} host bits do not fit in {network}")
        subnets = network.subnets(new_prefix=prefix)
        out = [str(subnet) for _, subnet in zip(range(count), subnets, strict=False)]
        if len(out) < count or count < 1:
            raise self.error(f"Fn::Cidr: {network} does not hold {count} subnets of /{prefix}")
        return out


class Sub(Function):
    """Fn::Sub: "${Param}", "${Res.Attr}", "${!Literal}" and the [text, {vars}] form."""

    __slots__ = ("parts",)
    name = "Fn::Sub"
    _VARIABLE = re.compile(r"\$\{([^}]*)\}")

    def __init__(self, path, args):
        super().__init__(path, args)
        self.parts: list = []  # literal strings and ("var"|"ref"|"attr", name[, attr])

    def validate(self, ctx):
        args = self.args
        text, variables = (args, {}) if isinstance(args, str) else (None, None)
        if isinstance(args, list) and len(args) == 2 and isinstance(args[0], str):
            text, variables = args
            if not isinstance(variables, dict):
                ctx.add("function-arguments", self.path, "Fn::Sub variables must be a mapping")
                return
        if text is None:
            ctx.add("function-arguments", self.path, "Fn::Sub takes a string or [string, {vars}]")
            return
        position = 0
        for match in self._VARIABLE.finditer(text):
            self.parts.append(text[position : match.start()])
            position = match.end()
            self.parts.append(self._reference(match.group(1), variables, ctx))
        self.parts.append(text[position:])

    def _reference(self, name: str, variables: dict, ctx: ParseContext):
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        name = name.strip()
        if name in variables:
            return ("var", name)
        if name in ctx.parameters or (name in ctx.resources and ctx.scope == ANYTHING):
            return ("ref", name)
        resource, dot, attribute = name.partition(".")
        if dot and ctx.scope == ANYTHING and resource in ctx.resources:
            if ctx.attribute_check is not None:
                problem = ctx.attribute_check(ctx.resources[resource], attribute)
                if problem:
                    ctx.add("unknown-attribute", self.path, problem)
            return ("attr", resource, attribute)
        ctx.add("unknown-reference", self.path, f'Fn::Sub refers to unknown name "{name}"')
        return ""

    def dependencies(self, condition=None):
        if isinstance(self.args, list) and len(self.args) == 2:
            yield from dependencies(self.args[1], condition)
        for part in self.parts:
            if isinstance(part, tuple) and part[0] != "var":
                yield part[1]

    def result(self, scope):
        variables = self.args[1] if isinstance(self.args, list) else {}
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part[0] == "var":
                out.append(as_string(resolve(variables[part[1]], scope), self))
            elif part[0] == "ref":
                out.append(as_string(_join_list(scope.ref(part[1])), self))
            else:
                out.append(as_string(scope.attribute(part[1], part[2]), self))
        return "".join(out)


def _join_list(value):
    # ${ListParam} in Fn::Sub gives the comma-joined list, as Ref does in a string context.
    return ",".join(value) if isinstance(value, list) else value


# -- conditions --


class If(Function):
    __slots__ = ()
    name = "Fn::If"

    def validate(self, ctx):
        if not expect_list(self, ctx, (3,)):
            return
        _check_condition_name(self, self.args[0], ctx)

    def dependencies(self, condition=None):
        # Both branches may be taken on a later update, so both order the graph.
        if not isinstance(self.args, list) or len(self.args) != 3:
            return
        if condition is None:
            yield from dependencies(self.args[1:])
        else:
            taken = self.args[1] if condition(self.args[0]) else self.args[2]
            yield from dependencies(taken, condition)

    def result(self, scope):
        condition, when_true, when_false = self.args
        return when_true if scope.condition(condition) else when_false


def _check_condition_name(fn, name, ctx) -> None:
    if not isinstance(name, str):
        ctx.add("function-arguments", fn.path, f"{fn.name} needs a condition name")
    elif name not in ctx.conditions:
        ctx.add(
            "unknown-condition",
            fn.path,
            f'{fn.name} names unknown condition "{name}"{_suggest(name, ctx.conditions)}',
        )


class ConditionRef(Function):
    __slots__ = ()
    name = "Condition"

    def validate(self, ctx):
        _check_condition_name(self, self.args, ctx)

    def result(self, scope):
        return scope.condition(self.args)


class Equals(Function):
    __slots__ = ()
    name = "Fn::Equals"

    def validate(self, ctx):
        expect_list(self, ctx, (2,))

    def result(self, scope):
        left, right = (_comparable(resolve(arg, scope)) for arg in self.args)
        return left == right


def _comparable(value):
    # CloudFormation compares scalars as strings: "1" equals 1, "true" equals true.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


class _Logical(Function):
    __slots__ = ()

    def validate(self, ctx):
        if not isinstance(self.args, list) or not 2 <= len(self.args) <= 10:
            ctx.add("function-arguments", self.path, f"{self.name} takes 2 to 10 conditions")

    def _values(self, scope):
        for arg in self.args:
            value = resolve(arg, scope)
            if not isinstance(value, bool):
                raise self.error(f"{self.name} needs conditions, got {_describe(value)}")
            yield value


class And(_Logical):
    __slots__ = ()
    name = "Fn::And"

    def result(self, scope):
        return all(self._values(scope))


class Or(_Logical):
    __slots__ = ()
    name = "Fn::Or"

    def result(self, scope):
        return any(self._values(scope))


class Not(Function):
    __slots__ = ()
    name = "Fn::Not"

    def validate(self, ctx):
        expect_list(self, ctx, (1,))

    def result(self, scope):
        value = resolve(self.args[0], scope)
        if not isinstance(value, bool):
            raise self.error(f"Fn::Not needs a condition, got {_describe(value)}")
        return not value


# -- the table and the parser --

FUNCTIONS = {
    cls.name: cls
    for cls in (
        Ref,
        GetAtt,
        Join,
        Base64,
        Select,
        Split,
        Length,
        ToJsonString,
        Replace,
        MemberListToMap,
        FindInMap,
        GetAZs,
        ImportValue,
        Cidr,
        Sub,
        If,
        Equals,
        And,
        Or,
        Not,
    )
}

UNSUPPORTED = {
    "Fn::Transform": "Fn::Transform (macros) is not supported",
}

_DYNAMIC_REFERENCE = "{{resolve:"


def parse(value, path: tuple, ctx: ParseContext, conditions: bool = False):
    """Template data -> the same data with Function objects in place of function mappings.

    With `conditions`, a {"Condition": name} mapping is a condition reference (it is plain
    data elsewhere, e.g. a property called Condition).
    """
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, args),) = value.items()
            cls = FUNCTIONS.get(key) or ctx.extra_functions.get(key)
            if cls is None and key == "Condition" and conditions:
                cls = ConditionRef
            if cls is not None:
                fn_path = path + (key,)
                fn = cls(fn_path, parse(args, fn_path, ctx, conditions))
                fn.validate(ctx)
                return fn
            if key in UNSUPPORTED:
                ctx.add("unsupported-function", path + (key,), UNSUPPORTED[key])
            elif key.startswith("Fn::"):
                ctx.add(
                    "unknown-function",
                    path + (key,),
                    f"unknown function {key}{_suggest(key, [*FUNCTIONS, *ctx.extra_functions])}",
                )
        return {key: parse(item, path + (key,), ctx, conditions) for key, item in value.items()}
    if isinstance(value, list):
        return [parse(item, path + (i,), ctx, conditions) for i, item in enumerate(value)]
    if isinstance(value, str) and _DYNAMIC_REFERENCE in value:
        ctx.add(
            "unsupported-dynamic-reference",
            path,
            "dynamic references ({{resolve:...}}) are not supported",
        )
    return value
