"""Every CFN template of the shared corpus through `heat template-validate --offline`.

Today most of them fail only because their resource types are not registered yet. The
table says, per file, which types those are and any other finding it must have; the
expected (code, path) pairs are computed from it. When a type is added to the registry,
the files that use it lose those findings: remove the type from their entries (and add
any property findings the new schema brings). An entry with no types and no extras is a
template that must validate cleanly.
"""

import glob
import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout

import pytest

from heat.cmd import client
from heat.engine import template_format
from heat.engine.resources import default_registry

ROOT = "/work/shared/templates/cfn"
HEAT = os.path.join(os.path.dirname(sys.executable), "heat")

NEUTRON_NET = ("OS::Neutron::Net", "OS::Neutron::Subnet", "OS::Neutron::Port")


def cycle(first):
    return ("dependency-cycle", f"Resources.{first}")


# file -> (resource types not supported yet, other expected (code, path) findings)
EXPECTED = {
    "F17/AutoScalingCeilometer.yaml": (("OS::Ceilometer::Alarm",), ()),
    "F17/EC2WithEBSSample.template": ((), ()),
    "F17/HAProxy_Single_Instance.template": ((), ()),
    "F17/InstanceGroup.template": ((), ()),
    "F17/MySQL_Single_Instance.template": ((), ()),
    "F17/Neutron.template": (
        (*NEUTRON_NET, "OS::Neutron::Router", "OS::Neutron::RouterInterface"),
        (),
    ),
    "F17/Neutron.yaml": ((*NEUTRON_NET, "OS::Neutron::Router", "OS::Neutron::RouterInterface"), ()),
    "F17/Neutron_floating.template": (
        ("OS::Neutron::FloatingIP", "OS::Neutron::FloatingIPAssociation", "OS::Neutron::Port"),
        (),
    ),
    "F17/PuppetMaster_Single_Instance.template": ((), ()),
    "F17/S3_Single_Instance.template": (("AWS::S3::Bucket",), ()),
    "F17/Swift.template": (("OS::Swift::Container",), ()),
    "F17/VPN_Service.template": (
        (
            "OS::Neutron::IKEPolicy",
            "OS::Neutron::IPsecPolicy",
            "OS::Neutron::IPsecSiteConnection",
            "OS::Neutron::Net",
            "OS::Neutron::Router",
            "OS::Neutron::RouterGateway",
            "OS::Neutron::RouterInterface",
            "OS::Neutron::Subnet",
            "OS::Neutron::VPNService",
        ),
        (),
    ),
    "F17/WordPress_2_Instances.template": ((), ()),
    "F17/WordPress_2_Instances_With_EBS.template": ((), ()),
    "F17/WordPress_And_Http.template": ((), ()),
    "F17/WordPress_Composed_Instances.template": ((), ()),
    "F17/WordPress_NoKey.template": ((), ()),
    "F17/WordPress_Single_Instance.template": ((), ()),
    "F17/WordPress_Single_Instance_With_EBS.template": ((), ()),
    "F17/WordPress_Single_Instance_With_EBS_EIP.template": ((), ()),
    "F17/WordPress_Single_Instance_With_EIP.template": ((), ()),
    "F17/WordPress_Single_Instance_With_HA.yaml": ((), ()),
    # The upstream file's output refers to a resource "IPAddress" it never declares.
    "F17/WordPress_Single_Instance_With_Neutron.template": (
        NEUTRON_NET,
        (("unknown-reference", "Outputs.InstanceIPAddress.Value.Ref"),),
    ),
    "F17/WordPress_Single_Instance_gold.template": ((), ()),
    "F17/WordPress_With_LB.template": ((), ()),
    "F17/WordPress_With_RDS.template": ((), ()),
    "F17/getting_started.template": ((), ()),
    "F17/invalid/AutoScalingMultiAZSample.template": (
        (),
        (cycle("LaunchConfig"),),
    ),
    "F17/invalid/AutoScalingMultiAZSample.yaml": (
        (),
        (cycle("LaunchConfig"),),
    ),
    "F17/invalid/WordPress_Single_Instance_With_HA.template": ((), (cycle("HttpFailureAlarm"),)),
    "F17/invalid/WordPress_Single_Instance_With_HA_AccessPolicy.template": (
        (),
        (cycle("HttpFailureAlarm"),),
    ),
    "F17/invalid/WordPress_Single_Instance_With_IHA.template": (
        (),
        (cycle("HeartbeatFailureAlarm"),),
    ),
    "F18/WordPress_Single_Instance.template": ((), ()),
    "F19/WordPress_NoKey.yaml": ((), ()),
    "aws_asg.template": ((), ()),
    "deb/WordPress_Single_Instance_deb.template": ((), ()),
}

CYCLES = {
    "F17/invalid/AutoScalingMultiAZSample.template": (
        "LaunchConfig -> MEMAlarmHigh -> WebServerGroup -> LaunchConfig"
    ),
    "F17/invalid/AutoScalingMultiAZSample.yaml": (
        "LaunchConfig -> MEMAlarmHigh -> WebServerGroup -> LaunchConfig"
    ),
    "F17/invalid/WordPress_Single_Instance_With_HA.template": (
        "HttpFailureAlarm -> WebServerRestartPolicy -> WikiDatabase -> HttpFailureAlarm"
    ),
    "F17/invalid/WordPress_Single_Instance_With_HA_AccessPolicy.template": (
        "HttpFailureAlarm -> WebServerRestartPolicy -> WikiDatabase -> HttpFailureAlarm"
    ),
    "F17/invalid/WordPress_Single_Instance_With_IHA.template": (
        "HeartbeatFailureAlarm -> WaitCondition -> WikiDatabase -> HeartbeatFailureAlarm"
    ),
}

# A few files go through the installed console script; the rest call main() in-process.
VIA_SUBPROCESS = {
    "F17/WordPress_Single_Instance.template",
    "F17/Neutron.yaml",
    "F17/invalid/WordPress_Single_Instance_With_IHA.template",
    "F17/WordPress_Single_Instance_With_Neutron.template",
}


def corpus():
    found = glob.glob("**/*.template", root_dir=ROOT, recursive=True)
    found += glob.glob("**/*.yaml", root_dir=ROOT, recursive=True)
    return sorted(set(found))


def expected_findings(name):
    unsupported, extra = EXPECTED[name]
    with open(os.path.join(ROOT, name), "rb") as handle:
        data, _ = template_format.parse(handle.read())
    pairs = {
        ("unsupported-resource-type", f"Resources.{resource}.Type")
        for resource, body in data["Resources"].items()
        if body["Type"] in unsupported
    }
    return pairs | set(extra)


def validate(name, fmt="json"):
    argv = ["template-validate", "--offline", "-f", os.path.join(ROOT, name), "--format", fmt]
    if name in VIA_SUBPROCESS:
        done = subprocess.run([HEAT, *argv], capture_output=True, text=True, check=False)
        assert done.stderr == ""
        return done.returncode, done.stdout
    out = io.StringIO()
    with redirect_stdout(out):
        code = client.main(argv)
    return code, out.getvalue()


def test_the_table_covers_the_corpus():
    assert sorted(EXPECTED) == corpus()


def test_every_invalid_template_has_a_cycle():
    invalid = [name for name in corpus() if "invalid" in name.split("/")[:-1]]
    assert invalid and sorted(CYCLES) == invalid
    for name in invalid:
        assert any(code == "dependency-cycle" for code, _ in EXPECTED[name][1])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_table_entries_are_honest(name):
    """Each listed type is used by the file and really is unregistered."""
    unsupported, _ = EXPECTED[name]
    with open(os.path.join(ROOT, name), "rb") as handle:
        data, _ = template_format.parse(handle.read())
    used = {body["Type"] for body in data["Resources"].values()}
    registry = default_registry()
    assert [t for t in unsupported if t not in used] == []
    assert [t for t in unsupported if t in registry] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate(name):
    code, out = validate(name)
    expected = expected_findings(name)
    if not expected:
        assert code == 0
        assert set(json.loads(out)) == {"Description", "Parameters"}
        return
    assert code == 1
    reported = json.loads(out)["findings"]
    assert {(f["code"], f["path"]) for f in reported} == expected
    assert len(reported) == len(expected)
    assert all(f["line"] is not None for f in reported)
    for finding in reported:
        if finding["code"] == "dependency-cycle":
            assert finding["message"] == f"circular dependency: {CYCLES[name]}"


def test_text_output_of_a_corpus_file():
    code, out = validate("F17/invalid/WordPress_Single_Instance_With_IHA.template", "text")
    assert code == 1
    lines = out.splitlines()
    assert (
        "Resources.HeartbeatFailureAlarm: circular dependency: HeartbeatFailureAlarm -> "
        "WaitCondition -> WikiDatabase -> HeartbeatFailureAlarm (line 105:5)  [dependency-cycle]"
    ) in lines
    assert all(line.endswith("]") for line in lines)
