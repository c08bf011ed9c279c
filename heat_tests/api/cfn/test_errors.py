"""Errors arrive as botocore ClientErrors with AWS's codes, messages and HTTP statuses."""

import re

import pytest
import requests
from botocore.exceptions import ClientError

from heat_tests.api.cfn.templates import SECRET, WEB, make_resource, template
from heat_tests.api.cfn.test_security import error_of, send, v4_request


def error(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


def test_unknown_stack(cfn):
    for call in (cfn.describe_stacks, cfn.describe_stack_events, cfn.list_stack_resources):
        assert error(call, StackName="nope") == (
            400,
            {
                "Type": "Sender",
                "Code": "ValidationError",
                "Message": "Stack with id nope does not exist",
            },
        )


def test_stack_already_exists(cfn):
    params = [{"ParameterKey": "DbPassword", "ParameterValue": SECRET}]
    cfn.create_stack(StackName="web", TemplateBody=WEB, Parameters=params)
    assert error(cfn.create_stack, StackName="web", TemplateBody=WEB, Parameters=params) == (
        400,
        {
            "Type": "Sender",
            "Code": "AlreadyExistsException",
            "Message": "Stack [web] already exists",
        },
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"StackName": "1bad", "TemplateBody": WEB},
            "1 validation error detected: Value '1bad' at 'stackName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
        ),
        ({"StackName": "web"}, "Either Template URL or Template Body must be specified."),
        (
            {"StackName": "web", "TemplateBody": WEB, "TemplateURL": "http://example.com/t"},
            "Specify exactly one of TemplateBody or TemplateURL.",
        ),
        (
            {"StackName": "web", "TemplateURL": "file:///etc/passwd"},
            "TemplateURL must be an http or https URL, not 'file:///etc/passwd'",
        ),
        (
            {
                "StackName": "web",
                "TemplateBody": WEB,
                "DisableRollback": True,
                "OnFailure": "DELETE",
            },
            "You can specify either DisableRollback or OnFailure, but not both.",
        ),
        (
            {
                "StackName": "web",
                "TemplateBody": WEB,
                "Parameters": [{"ParameterKey": "DbPassword", "UsePreviousValue": True}],
            },
            "Invalid input for parameter key DbPassword. UsePreviousValue may not be set for "
            "a new stack",
        ),
        (
            {"StackName": "web", "TemplateBody": WEB},
            "Parameters.DbPassword: no value given and the parameter has no Default (line 1:185)",
        ),
        (
            {"StackName": "web", "TemplateBody": "{not json"},
            None,
        ),
    ],
)
def test_create_stack_validation(cfn, kwargs, message):
    status, err = error(cfn.create_stack, **kwargs)
    assert (status, err["Type"], err["Code"]) == (400, "Sender", "ValidationError")
    if message is not None:
        assert err["Message"] == message
    assert cfn.list_stacks()["StackSummaries"] == []


def test_template_url_is_fetched_over_http(cfn, cfn_server):
    # heat-api-cfn itself answers /v1 with an XML document: not a template, and not a 200.
    url = cfn_server.url + "/v1/?Action=ListStacks"
    status, err = error(cfn.validate_template, TemplateURL=url)
    assert (status, err["Message"]) == (400, f"TemplateURL {url} could not be retrieved: HTTP 403")
    status, err = error(cfn.validate_template, TemplateURL="http://127.0.0.1:1/t.json")
    assert err["Message"] == (
        "TemplateURL http://127.0.0.1:1/t.json could not be retrieved: ConnectionError"
    )


def test_invalid_template_names_the_place(cfn):
    bad = template({"R": make_resource(value={"Ref": "Missing"})})
    status, err = error(cfn.validate_template, TemplateBody=bad)
    assert status == 400
    assert err["Code"] == "ValidationError"
    assert err["Message"].startswith("Resources.R.Properties.value.Ref: ")


def test_estimate_template_cost_is_not_supported(cfn):
    assert error(cfn.estimate_template_cost, TemplateBody=WEB) == (
        501,
        {
            "Type": "Receiver",
            "Code": "NotImplemented",
            "Message": "EstimateTemplateCost is not supported: this cloud publishes no prices "
            "to estimate from.",
        },
    )


def test_cancel_update_without_an_update(cfn):
    cfn.create_stack(StackName="web", TemplateBody=template({"R": make_resource()}))
    cfn.get_waiter("stack_create_complete").wait(StackName="web", WaiterConfig={"Delay": 0.1})
    status, err = error(cfn.cancel_update_stack, StackName="web")
    assert (status, err["Code"]) == (400, "ValidationError")
    assert err["Message"] == (
        "Stack web has no update in progress that can be cancelled (it is CREATE_COMPLETE)"
    )


def test_unknown_and_missing_actions(cfn_server):
    answer = send(v4_request(cfn_server, {"Action": "LaunchMissiles", "Version": "2010-05-15"}))
    assert error_of(answer) == (
        400,
        "Sender",
        "InvalidAction",
        "Could not find operation LaunchMissiles for version 2010-05-15",
    )
    answer = send(v4_request(cfn_server, {"Version": "2010-05-15"}))
    assert error_of(answer) == (400, "Sender", "MissingAction", "Missing Action")
    answer = requests.put(cfn_server.url + "/v1/")
    assert error_of(answer)[:3] == (405, "Sender", "MethodNotAllowed")


def test_limits_botocore_does_not_check_itself(cfn_server):
    answer = send(
        v4_request(
            cfn_server,
            {
                "Action": "CreateStack",
                "Version": "2010-05-15",
                "StackName": "web",
                "TemplateBody": WEB,
                "TimeoutInMinutes": "0",
            },
        )
    )
    assert error_of(answer) == (
        400,
        "Sender",
        "ValidationError",
        "1 validation error detected: Value '0' at 'timeoutInMinutes' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1",
    )


def test_timestamps_are_iso_8601_utc(cfn, cfn_server):
    cfn.create_stack(StackName="web", TemplateBody=template({"R": make_resource()}))
    answer = send(v4_request(cfn_server, {"Action": "ListStacks", "Version": "2010-05-15"}))
    stamp = re.search(rb"<CreationTime>([^<]*)</CreationTime>", answer.content).group(1)
    assert re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
