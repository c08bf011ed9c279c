"""Templates the CFN API tests share."""

import json

SECRET = "hunter2-very-secret"


def template(resources, outputs=None, parameters=None, description=None):
    data = {"AWSTemplateFormatVersion": "2010-09-09"}
    if description:
        data["Description"] = description
    if parameters:
        data["Parameters"] = parameters
    data["Resources"] = resources
    if outputs:
        data["Outputs"] = outputs
    return json.dumps(data)


def make_resource(**props):
    return {"Type": "OS::Heat::TestResource", "Properties": props}


WEB = template(
    {
        "Db": make_resource(value={"Ref": "DbName"}),
        "App": make_resource(value={"Fn::GetAtt": ["Db", "output"]}),
    },
    outputs={
        "Url": {"Description": "where it is", "Value": {"Fn::GetAtt": ["App", "output"]}},
    },
    parameters={
        "DbName": {"Type": "String", "Default": "wordpress", "Description": "database name"},
        "DbPassword": {"Type": "String", "NoEcho": "true", "MinLength": "4"},
        "Size": {"Type": "String", "Default": "small", "AllowedValues": ["small", "large"]},
    },
    description="A two-tier test stack",
)
