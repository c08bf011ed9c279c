"""Generated CFN JSON templates for the benchmarks."""

import json

KINDS = ("none", "random", "chain")


def generate(kind: str, n: int, checks: int = 1) -> str:
    """N resources of one kind, as CFN JSON text.

    none:   N x OS::Heat::None, each with a distinct property
    random: N x OS::Heat::RandomString
    chain:  N x OS::Heat::TestResource, each Ref-ing the previous one and completing on
            its `checks`-th status check
    """
    resources = {}
    for i in range(n):
        if kind == "none":
            body = {"Type": "OS::Heat::None", "Properties": {"index": i}}
        elif kind == "random":
            body = {"Type": "OS::Heat::RandomString", "Properties": {"length": 16}}
        elif kind == "chain":
            props = {"value": {"Ref": f"R{i - 1}"}} if i else {"value": "first"}
            if checks != 1:
                props["checks"] = checks
            body = {"Type": "OS::Heat::TestResource", "Properties": props}
        else:
            raise ValueError(f"unknown kind {kind}; choose from {', '.join(KINDS)}")
        resources[f"R{i}"] = body
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
