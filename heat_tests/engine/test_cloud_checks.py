# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""Validation against the cloud: AWS-specific parameter types and server properties,
checked on a real localcloud through EngineService.validate_template and create_stack."""

import json

import pytest

from heat.common.exception import TemplateError
from heat.engine import cloud_checks
from heat.engine.clients.nova import NovaClient
from heat.engine.clients.session import CloudCredentials, make_session
from heat.engine.findings import format_path
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    KEY_NAME,
    cloud_engine,
    keypair,
    localcloud,
    nova,
)

TYPES = {
    "Key": "AWS::EC2::KeyPair::KeyName",
    "Image": "AWS::EC2::Image::Id",
    "Zone": "AWS::EC2::AvailabilityZone::Name",
    "Zones": "List<AWS::EC2::AvailabilityZone::Name>",
    "Server": "AWS::EC2::Instance::Id",
}


def parameters_template(**types) -> str:
    return json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {name: {"Type": t} for name, t in types.items()},
            "Resources": {"Nothing": {"Type": "OS::Heat::None"}},
        }
    )


def findings(call) -> list[str]:
    """`code path: message` of each finding, sorted (their order is the source's)."""
    with pytest.raises(TemplateError) as caught:
        call()
    return sorted(f"{f.code} {format_path(f.path)}: {f.message}" for f in caught.value.findings)


def test_existing_objects_pass(cloud_engine, ctx, keypair):
    result = cloud_engine.validate_template(
        ctx,
        parameters_template(**TYPES),
        {
            "Key": KEY_NAME,
            "Image": "F17-x86_64-cfntools",
            "Zone": "nova",
            "Zones": "nova",
            # Not a server: only checked when given (see the next test).
        },
    )
    assert sorted(result["Parameters"]) == sorted(TYPES)


def test_each_missing_object_is_a_finding_at_its_parameter(cloud_engine, ctx):
    values = {"Key": "nope", "Image": "F99", "Zone": "moon", "Zones": "nova,mars", "Server": "x"}
    assert findings(
        lambda: cloud_engine.validate_template(ctx, parameters_template(**TYPES), values)
    ) == [
        'unknown-cloud-object Parameters.Image: image "F99" does not exist',
        'unknown-cloud-object Parameters.Key: keypair "nope" does not exist',
        'unknown-cloud-object Parameters.Server: server "x" does not exist',
        'unknown-cloud-object Parameters.Zone: availability zone "moon" does not exist '
        "(available: nova)",
        'unknown-cloud-object Parameters.Zones: availability zone "mars" does not exist '
        "(available: nova)",
    ]


def test_cloud_findings_come_with_the_static_ones(cloud_engine, ctx):
    text = json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Key": {"Type": TYPES["Key"]}},
            "Resources": {"Web": {"Type": "AWS::EC2::Instance", "Properties": {"Bogus": 1}}},
        }
    )
    assert findings(lambda: cloud_engine.create_stack(ctx, "s", text, {"Key": "nope"})) == [
        'missing-property Resources.Web.Properties.ImageId: required property "ImageId" is missing',
        "missing-property Resources.Web.Properties.InstanceType: required property "
        '"InstanceType" is missing',
        'unknown-cloud-object Parameters.Key: keypair "nope" does not exist',
        'unknown-property Resources.Web.Properties.Bogus: unknown property "Bogus"',
    ]
    assert cloud_engine.list_stacks(ctx) == []


SERVERS = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"Key": {"Type": TYPES["Key"]}, "Flavor": {"Type": "String"}},
    "Resources": {
        "Web": {
            "Type": "AWS::EC2::Instance",
            "Properties": {
                "ImageId": "F17-x86_64-cfntools",
                "InstanceType": {"Ref": "Flavor"},
                "KeyName": {"Ref": "Key"},
                "AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
            },
        },
        "Db": {
            "Type": "OS::Nova::Server",
            "Properties": {
                "image": "no-such-image",
                "flavor": "m1.small",
                "key_name": {"Ref": "Key"},
                "availability_zone": "moon",
            },
        },
        "Later": {
            "Type": "OS::Nova::Server",
            # Known only once Web exists: not checked at validation.
            "Properties": {"image": {"Fn::GetAtt": ["Web", "PublicIp"]}, "flavor": "m1.tiny"},
        },
    },
}


def test_server_properties_are_checked_where_their_values_are_known(cloud_engine, ctx):
    text = json.dumps(SERVERS)
    assert findings(
        lambda: cloud_engine.validate_template(ctx, text, {"Key": "nope", "Flavor": "m9.huge"})
    ) == [
        # The keypair is reported once, at the parameter it comes from.
        'unknown-cloud-object Parameters.Key: keypair "nope" does not exist',
        "unknown-cloud-object Resources.Db.Properties.availability_zone: availability zone "
        '"moon" does not exist (available: nova)',
        'unknown-cloud-object Resources.Db.Properties.image: image "no-such-image" does not exist',
        'unknown-cloud-object Resources.Web.Properties.InstanceType: flavor "m9.huge" does not '
        "exist",
    ]


def test_validation_without_parameter_values_checks_what_it_can(cloud_engine, ctx):
    assert findings(lambda: cloud_engine.validate_template(ctx, json.dumps(SERVERS))) == [
        "unknown-cloud-object Resources.Db.Properties.availability_zone: availability zone "
        '"moon" does not exist (available: nova)',
        'unknown-cloud-object Resources.Db.Properties.image: image "no-such-image" does not exist',
    ]


def test_without_a_cloud_nothing_is_asked(engine, ctx):
    result = engine.validate_template(ctx, parameters_template(Key=TYPES["Key"]), {"Key": "nope"})
    assert list(result["Parameters"]) == ["Key"]


def test_fn_getazs_gives_the_clouds_zones(database, tmp_path, ctx):
    from heat.engine.service import EngineService
    from heat.localcloud import LocalCloud

    cloud = LocalCloud(str(tmp_path / "zoned"), boot_delay=0.05)
    cloud.settings.availability_zones = ["az-1", "az-2"]
    cloud.start()
    engine = EngineService(database, cloud=CloudCredentials.from_dict(cloud.credentials()))
    try:
        assert engine.availability_zones("RegionOne") == ["az-1", "az-2"]
        text = json.dumps(
            {
                "AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {"N": {"Type": "OS::Heat::None"}},
                "Outputs": {"Zones": {"Value": {"Fn::Join": [",", {"Fn::GetAZs": ""}]}}},
            }
        )
        stack_id = engine.start().create_stack(ctx, "zones", text)["stack_id"]
        assert engine.wait(stack_id, 30)
        assert engine.show_stack(ctx, stack_id)["outputs"][0]["output_value"] == "az-1,az-2"
    finally:
        engine.stop()
        cloud.stop()


def test_each_object_is_looked_up_once_per_check(localcloud, keypair, monkeypatch):
    client = NovaClient(make_session(CloudCredentials.from_dict(localcloud.credentials())))
    asked = []
    for name in ("find_image", "find_flavor", "keypair_exists", "availability_zones"):
        method = getattr(client, name)
        monkeypatch.setattr(client, name, lambda *a, _m=method, _n=name: asked.append(_n) or _m(*a))
    checker = cloud_checks.CloudChecker(client)
    for _ in range(3):
        assert checker.problem("image", "F17-x86_64-cfntools") is None
        assert checker.problem("flavor", "m1.small") is None
        assert checker.problem("keypair", KEY_NAME) is None
        assert checker.problem("availability_zone", "nova") is None
        assert checker.problem("availability_zone", "moon") == (
            'availability zone "moon" does not exist (available: nova)'
        )
    assert asked == ["find_image", "find_flavor", "keypair_exists", "availability_zones"]


def test_security_groups_are_looked_up_in_neutron(cloud_engine, ctx):
    group = cloud_engine.clients.neutron().create_security_group("web")
    text = json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Groups": {"Type": "List<AWS::EC2::SecurityGroup::Id>"}},
            "Resources": {
                "Web": {
                    "Type": "AWS::EC2::Instance",
                    "Properties": {
                        "ImageId": "F17-x86_64-cfntools",
                        "InstanceType": "m1.tiny",
                        "SecurityGroups": ["default", "web", "nope"],
                        "SecurityGroupIds": {"Ref": "Groups"},
                    },
                }
            },
        }
    )
    assert findings(
        lambda: cloud_engine.validate_template(ctx, text, {"Groups": f"{group.id},gone"})
    ) == [
        'unknown-cloud-object Parameters.Groups: security group "gone" does not exist',
        'unknown-cloud-object Resources.Web.Properties.SecurityGroups: security group "nope" '
        "does not exist",
    ]
