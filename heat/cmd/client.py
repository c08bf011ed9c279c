"""`heat`: the command-line client.

Errors are one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from heat.common.exception import HeatError, TemplateError
from heat.engine import template_format
from heat.engine.parameters import MASK, StackIdentity
from heat.engine.stack_definition import StackDefinition
from heat.engine.template import Template

OFFLINE_IDENTITY = StackIdentity(
    project_id="offline", stack_name="validate", stack_id="00000000-0000-0000-0000-000000000000"
)


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


def _read_template(path: str) -> tuple[str, bytes]:
    try:
        with open(path, "rb") as handle:
            return path, handle.read(template_format.DEFAULT_MAX_SIZE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read template {path}: {exc.strerror}") from None


def validate_offline(args) -> int:
    filename, text = _read_template(args.template_file)
    values = parse_parameters(args.parameters)
    template = Template.parse(text, filename)
    definition = StackDefinition(template, values, OFFLINE_IDENTITY, require_all_parameters=False)
    if definition.findings:
        raise TemplateError(definition.findings)
    summary = _summary(template, definition)
    if args.format == "json":
        print(json.dumps(summary, indent=2))
    else:
        _print_summary(summary)
    return 0


def _summary(template: Template, definition: StackDefinition) -> dict:
    """Description and Parameters, as CloudFormation's ValidateTemplate answers."""
    params = {}
    for name, schema in definition.parameters.schemas.items():
        entry = {
            "Type": schema.type,
            "NoEcho": schema.no_echo,
            "Description": schema.description or "",
        }
        if schema.default is not None:
            entry["Default"] = MASK if schema.no_echo else _plain(schema.default)
        if schema.allowed_values:
            entry["AllowedValues"] = [_plain(v) for v in schema.allowed_values]
        if schema.constraint_description:
            entry["ConstraintDescription"] = schema.constraint_description
        params[name] = entry
    return {"Description": template.description, "Parameters": params}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _print_summary(summary: dict) -> None:
    print(f"Description: {summary['Description']}")
    print("Parameters:" if summary["Parameters"] else "Parameters: none")
    for name, entry in summary["Parameters"].items():
        print(f"  {name}:")
        for key, value in entry.items():
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            print(f"    {key}: {value}")


def _print_findings(error: TemplateError, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps({"findings": [f.as_dict() for f in error.findings]}, indent=2))
        return
    for finding in error.findings:
        print(f"{finding}  [{finding.code}]")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heat", description="Heat orchestration client")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    validate = commands.add_parser(
        "template-validate", help="Validate a template; print its description and parameters"
    )
    validate.add_argument("-f", "--template-file", required=True, help="the template file")
    validate.add_argument(
        "-P", "--parameters", action="append", metavar="K=V;K2=V2", help="parameter values"
    )
    validate.add_argument(
        "--offline", action="store_true", help="validate locally, without a Heat server"
    )
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(handler=validate_template)
    return parser


def validate_template(args) -> int:
    if not args.offline:
        raise UsageError("only --offline validation is available in this version")
    return validate_offline(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except TemplateError as exc:
        _print_findings(exc, getattr(args, "format", "text"))
        return 1
    except (HeatError, UsageError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
