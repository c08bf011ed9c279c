"""template-validate: offline (the local template pipeline) or by heat-api's validate."""

from __future__ import annotations

import json

from heat.cmd.client.common import UsageError, parse_parameters, read_template, template_body
from heat.common.exception import TemplateError
from heat.engine.parameters import MASK, StackIdentity
from heat.engine.stack_definition import StackDefinition
from heat.engine.template import Template

OFFLINE_IDENTITY = StackIdentity(
    project_id="offline", stack_name="validate", stack_id="00000000-0000-0000-0000-000000000000"
)


def register(commands) -> None:
    validate = commands.add_parser(
        "template-validate", help="Validate a template; print its description and parameters"
    )
    source = validate.add_mutually_exclusive_group(required=True)
    source.add_argument("-f", "--template-file", metavar="FILE", help="the template file")
    source.add_argument("-u", "--template-url", metavar="URL", help="the template's URL")
    validate.add_argument(
        "-P", "--parameters", action="append", metavar="K=V;K2=V2", help="parameter values"
    )
    validate.add_argument(
        "--offline", action="store_true", help="validate locally, without a Heat server"
    )
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(handler=validate_online, offline_handler=validate_offline)


def validate_online(api, args) -> int:
    body = template_body(args)
    if args.parameters:
        body["parameters"] = parse_parameters(args.parameters)
    _, summary, _ = api.request("POST", "/validate", body)
    summary = {"Description": summary.get("Description"), "Parameters": summary["Parameters"]}
    _show(summary, args.format)
    return 0


def validate_offline(args) -> int:
    if not args.template_file:
        raise UsageError("--offline validates a local file: use -f FILE")
    filename, text = read_template(args.template_file)
    values = parse_parameters(args.parameters)
    template = Template.parse(text, filename)
    definition = StackDefinition(template, values, OFFLINE_IDENTITY, require_all_parameters=False)
    if definition.findings:
        raise TemplateError(definition.findings)
    _show(_summary(template, definition), args.format)
    return 0


def _show(summary: dict, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(summary, indent=2))
    else:
        _print_summary(summary)


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


def print_findings(error: TemplateError, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps({"findings": [f.as_dict() for f in error.findings]}, indent=2))
        return
    for finding in error.findings:
        print(f"{finding}  [{finding.code}]")
