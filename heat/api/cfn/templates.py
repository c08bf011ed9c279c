"""Template actions: GetTemplate, GetTemplateSummary, ValidateTemplate, EstimateTemplateCost."""

from __future__ import annotations

import json

from heat.api.aws.errors import NotImplementedAction, ValidationError
from heat.api.cfn import change_sets
from heat.api.cfn.service import stack_ref
from heat.engine import template_format
from heat.engine.parameters import MASK

VERSION_KEYS = ("AWSTemplateFormatVersion", "HeatTemplateFormatVersion")


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_scalar(v) for v in value)
    return str(value)


def _no_echo(decl: dict) -> bool:
    return str(decl.get("NoEcho", "false")).lower() == "true"


def parameter_declarations(data: dict, with_constraints: bool) -> list[dict]:
    """The declared parameters of a validated template, as AWS describes them."""
    out = []
    for name, decl in (data.get("Parameters") or {}).items():
        if not isinstance(decl, dict):
            continue
        no_echo = _no_echo(decl)
        default = decl.get("Default")
        entry = {
            "ParameterKey": str(name),
            "DefaultValue": None if default is None else MASK if no_echo else _scalar(default),
            "NoEcho": no_echo,
            "Description": decl.get("Description"),
        }
        if with_constraints:
            entry["ParameterType"] = decl.get("Type")
            allowed = decl.get("AllowedValues")
            entry["ParameterConstraints"] = {
                "AllowedValues": [_scalar(v) for v in allowed] if isinstance(allowed, list) else []
            }
        out.append(entry)
    return out


def resource_types(data: dict) -> list[str]:
    resources = data.get("Resources") or {}
    return sorted(
        {str(r["Type"]) for r in resources.values() if isinstance(r, dict) and "Type" in r}
    )


def capabilities(data: dict) -> dict:
    """CAPABILITY_IAM where IAM resources are declared, as AWS reports it."""
    iam = [t for t in resource_types(data) if t.startswith("AWS::IAM::")]
    if not iam:
        return {"Capabilities": []}
    return {
        "Capabilities": ["CAPABILITY_IAM"],
        "CapabilitiesReason": f"The following resource(s) require capabilities: [{', '.join(iam)}]",
    }


def _description(data: dict):
    value = data.get("Description")
    return None if value is None else str(value)


def _parse(text: str, svc) -> dict:
    return template_format.parse(text, max_size=svc.fetcher.max_size)[0]


def get_template(svc, ctx, params) -> dict:
    ref = stack_ref(params.string("StackName", required=True, max_len=255))
    if params.get("ChangeSetName"):
        text = svc.engine.get_change_set_template(ctx, *change_sets.reference(params))
        if text is not None:
            return {"TemplateBody": text, "StagesAvailable": ["Original", "Processed"]}
    data = svc.engine.get_template(ctx, ref)
    return {
        "TemplateBody": json.dumps(data, indent=2),
        "StagesAvailable": ["Original", "Processed"],
    }


def get_template_summary(svc, ctx, params) -> dict:
    name = params.string("StackName", max_len=255)
    text = svc.fetcher.from_params(params, required=not name)
    if text is not None:
        if name:
            raise ValidationError("Specify only one of StackName, TemplateBody or TemplateURL.")
        svc.engine.validate_template(ctx, text)
        data = _parse(text, svc)
    else:
        data = svc.engine.get_template(ctx, stack_ref(name))
    version = next((data[k] for k in VERSION_KEYS if k in data), None)
    metadata = data.get("Metadata")
    return {
        "Parameters": parameter_declarations(data, with_constraints=True),
        "Description": _description(data),
        **capabilities(data),
        "ResourceTypes": resource_types(data),
        "Version": None if version is None else _scalar(version),
        "Metadata": None if metadata is None else json.dumps(metadata, default=str),
        "DeclaredTransforms": [],
    }


def validate_template(svc, ctx, params) -> dict:
    text = svc.fetcher.from_params(params)
    svc.engine.validate_template(ctx, text)
    data = _parse(text, svc)
    return {
        "Parameters": parameter_declarations(data, with_constraints=False),
        "Description": _description(data),
        **capabilities(data),
        "DeclaredTransforms": [],
    }


def estimate_template_cost(svc, ctx, params) -> dict:
    raise NotImplementedAction(
        "EstimateTemplateCost is not supported: this cloud publishes no prices to estimate from."
    )


ACTIONS = {
    "GetTemplate": get_template,
    "GetTemplateSummary": get_template_summary,
    "ValidateTemplate": validate_template,
    "EstimateTemplateCost": estimate_template_cost,
}
