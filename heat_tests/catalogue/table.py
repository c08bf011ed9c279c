"""The catalogue: every template of /work/shared/templates/cfn and what it must do through
the `heat` CLI on heat-all's localcloud.

A `Creatable` template is created with its parameters (the test answers its wait conditions
with cfn-signal), shows its outputs, is updated where the template allows and is deleted,
leaving localcloud and the identity store as they were. The others fail `heat stack-create`
before anything is made: `Unsupported` ones name the resource types outside issue 6's list
(Neutron, Swift, S3, Ceilometer), `Cyclic` ones (F17/invalid/) their dependency cycle.

Outputs are exact strings or `Pattern`s (a regular expression, matched whole), with
fields filled from what localcloud holds after the operation:
  {ip[R]} / {id[R]} / {flavor[R]}  the IP, id or flavor name of the server whose
                                   heat:resource_name is R (nested stacks' servers too)
  {fip}                            the one floating IP address
  {stack}                          the stack's name
  {cfn}                            heat-api-cfn's URL (http://host:port/v1)
"""

from __future__ import annotations

import dataclasses

from heat_tests.catalogue.conftest import KEY_NAME, OTHER_KEY_NAME

ROOT = "/work/shared/templates/cfn"
# The templates' nested template, which they name by its GitHub URL: the test serves a copy
# of the corpus file and rewrites that URL, in a copy of the template, to the local one.
NESTED_URL = (
    "https://raw.github.com/openstack/heat-templates/master/cfn/F17/MySQL_Single_Instance.template"
)
NESTED_FILE = "F17/MySQL_Single_Instance.template"


class Pattern(str):
    """An expected value as a regular expression (fields filled first, escaped)."""


@dataclasses.dataclass(frozen=True)
class Cloud:
    """What the stack holds in localcloud (security groups: without `default`)."""

    servers: int = 1
    volumes: int = 0
    floating_ips: int = 0
    security_groups: int = 0


@dataclasses.dataclass(frozen=True)
class Update:
    """`heat stack-update NAME -x -P <parameters> --wait`, then: the servers named in
    `replaced` have new ids (and the old ones are gone), those in `resized` and `kept` the
    same ones; `cloud` and `outputs` (None: as after create) hold after it."""

    parameters: dict
    replaced: tuple = ()
    resized: tuple = ()  # kept, on `flavor` (Nova resized them in place)
    kept: tuple = ()
    flavor: str | None = None  # the flavor of the `replaced` and `resized` servers afterwards
    cloud: Cloud | None = None
    outputs: dict | None = None
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Creatable:
    parameters: dict
    outputs: dict
    cloud: Cloud = Cloud()
    # wait condition ("<condition>" or "<nested stack resource>/<condition>") -> signals sent
    signals: dict = dataclasses.field(default_factory=dict)
    update: Update | None = None
    stack_user: bool = False  # has AWS::IAM::User/AccessKey (checked gone after delete)
    nested_url: bool = False  # its TemplateURL is served locally (see NESTED_URL)
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Unsupported:
    """stack-create fails validation: these resources' types are not supported. The test
    gives KeyName (when the template requires it) and `parameters`, so that the findings are
    these and `extra` (other findings' messages, without their line positions) only."""

    resources: dict  # resource name -> type
    parameters: dict = dataclasses.field(default_factory=dict)
    extra: tuple = ()


@dataclasses.dataclass(frozen=True)
class Cyclic:
    cycle: str  # the cycle, from the resource the finding is on


DB = {"DBUsername": "wpuser", "DBPassword": "wpsecret1", "DBRootPassword": "rootsecret1"}
WP = {"KeyName": KEY_NAME, **DB}
MEDIUM = {"InstanceType": "m1.medium"}


def url(resource: str) -> dict:
    return {"WebsiteURL": f"http://{{ip[{resource}]}}/wordpress"}


def resize(*servers: str, **kw) -> Update:
    """The InstanceType change every WordPress template allows: Nova resizes the servers in
    place (same ids, addresses, volumes)."""
    return Update(MEDIUM, resized=servers, flavor="m1.medium", **kw)


NEUTRON = {
    "network": "OS::Neutron::Net",
    "port": "OS::Neutron::Port",
    "router": "OS::Neutron::Router",
    "router_interface": "OS::Neutron::RouterInterface",
    "subnet": "OS::Neutron::Subnet",
    "unnamed_network": "OS::Neutron::Net",
    "admin_down_network": "OS::Neutron::Net",
}

CATALOGUE = {
    "F17/AutoScalingCeilometer.yaml": Unsupported(
        {"CPUAlarmHigh": "OS::Ceilometer::Alarm", "CPUAlarmLow": "OS::Ceilometer::Alarm"}
    ),
    "F17/EC2WithEBSSample.template": Creatable(
        {"KeyName": KEY_NAME},
        {
            "InstanceId": "{id[Ec2Instance]}",
            "PublicIP": "{ip[Ec2Instance]}",
            "PublicDNS": "{ip[Ec2Instance]}",
        },
        Cloud(volumes=1, security_groups=1),
        update=resize("Ec2Instance", note="the volume of its Volumes property stays attached"),
    ),
    "F17/HAProxy_Single_Instance.template": Creatable(
        {"KeyName": KEY_NAME, "Server1": "192.0.2.10:80"},
        {"PublicIp": "{ip[LoadBalancerInstance]}"},
        update=Update(
            {"Server1": "192.0.2.11:80"},
            kept=("LoadBalancerInstance",),
            note="Server1 is in the metadata (haproxy.cfg): updated in place",
        ),
    ),
    "F17/InstanceGroup.template": Creatable(
        {"KeyName": KEY_NAME},
        {"ServerGroupAddresses": Pattern(r"10\.[0-9.]+")},
        update=Update(
            {"NumInstances": "2"},
            cloud=Cloud(servers=2),
            outputs={"ServerGroupAddresses": Pattern(r"10\.[0-9.]+,10\.[0-9.]+")},
            note="the group grows in place",
        ),
    ),
    "F17/MySQL_Single_Instance.template": Creatable(
        {"KeyName": KEY_NAME, "InstanceType": "m1.small", "DBName": "wordpress", **DB},
        {"PublicIp": "{ip[MySqlDatabaseServer]}"},
        signals={"MySqlWaitCondition": 1},
        update=resize("MySqlDatabaseServer"),
    ),
    "F17/Neutron.template": Unsupported(NEUTRON),
    "F17/Neutron.yaml": Unsupported(NEUTRON),
    "F17/Neutron_floating.template": Unsupported(
        {
            "floating_ip": "OS::Neutron::FloatingIP",
            "floating_ip_assoc": "OS::Neutron::FloatingIPAssociation",
            "port_floating": "OS::Neutron::Port",
        },
        {"external_network": "public", "internal_network": "private", "internal_subnet": "x"},
    ),
    "F17/PuppetMaster_Single_Instance.template": Creatable(
        {"KeyName": KEY_NAME},
        {
            "PuppetMasterDNSName": "{ip[PuppetMasterInstance]}",
            "PuppetClientSecurityGroup": Pattern(
                r"c-F17-PuppetMaster-Single-I-EC2SecurityGroup-\w+"
            ),
        },
        Cloud(security_groups=2),
        signals={"PuppetMasterWaitCondition": 1},
        update=resize("PuppetMasterInstance"),
        stack_user=True,
    ),
    "F17/S3_Single_Instance.template": Unsupported(
        {"S3Bucket": "AWS::S3::Bucket", "S3BucketWebsite": "AWS::S3::Bucket"}
    ),
    "F17/Swift.template": Unsupported(
        {"SwiftContainer": "OS::Swift::Container", "SwiftContainerWebsite": "OS::Swift::Container"}
    ),
    "F17/VPN_Service.template": Unsupported(
        {
            "IKEPolicy": "OS::Neutron::IKEPolicy",
            "IPsecPolicy": "OS::Neutron::IPsecPolicy",
            "IPsecSiteConnection": "OS::Neutron::IPsecSiteConnection",
            "Network": "OS::Neutron::Net",
            "Router": "OS::Neutron::Router",
            "RouterGateway": "OS::Neutron::RouterGateway",
            "RouterInterface": "OS::Neutron::RouterInterface",
            "Subnet": "OS::Neutron::Subnet",
            "VPNService": "OS::Neutron::VPNService",
        },
        {"KeyName": KEY_NAME},  # its default, heat_key, is not a keypair here
    ),
    "F17/WordPress_2_Instances.template": Creatable(
        WP, url("WebServer"), Cloud(servers=2), update=resize("WebServer", "DatabaseServer")
    ),
    "F17/WordPress_2_Instances_With_EBS.template": Creatable(
        WP,
        url("WebServer"),
        Cloud(servers=2, volumes=1),
        update=resize("WebServer", "WikiDatabase", note="the volume stays attached"),
    ),
    "F17/WordPress_And_Http.template": Creatable(
        {"KeyName": KEY_NAME, "DBIpaddress": "192.0.2.20", "DBPassword": "wpsecret1"},
        {"PublicIp": "{ip[WebServer]}"},
        update=resize("WebServer"),
    ),
    "F17/WordPress_Composed_Instances.template": Creatable(
        WP,
        url("WebServer"),
        Cloud(servers=2),
        signals={"DatabaseTemplate/MySqlWaitCondition": 1},
        update=resize(
            "WebServer", "MySqlDatabaseServer", note="the nested stack is updated, not recreated"
        ),
        nested_url=True,
    ),
    "F17/WordPress_NoKey.template": Creatable(DB, url("WebServer"), update=resize("WebServer")),
    "F17/WordPress_Single_Instance.template": Creatable(
        WP, url("WikiDatabase"), update=resize("WikiDatabase")
    ),
    "F17/WordPress_Single_Instance_With_EBS.template": Creatable(
        WP, url("WikiDatabase"), Cloud(volumes=1), update=resize("WikiDatabase")
    ),
    "F17/WordPress_Single_Instance_With_EBS_EIP.template": Creatable(
        WP,
        {**url("WikiServer"), "InstanceIPAddress": "{fip}"},
        Cloud(volumes=1, floating_ips=1, security_groups=1),
        update=resize("WikiServer", note="the EIP and the volume stay with the server"),
    ),
    "F17/WordPress_Single_Instance_With_EIP.template": Creatable(
        WP,
        {**url("WebServer"), "InstanceIPAddress": "{fip}"},
        Cloud(floating_ips=1, security_groups=1),
        update=resize("WebServer", note="the EIP stays with the server"),
    ),
    "F17/WordPress_Single_Instance_With_HA.yaml": Creatable(
        WP,
        url("WikiDatabase"),
        signals={"WaitCondition": 1},
        update=resize("WikiDatabase", note="the HARestarter and the alarm keep watching it"),
        stack_user=True,
    ),
    # The upstream file's output refers to a resource "IPAddress" it never declares.
    "F17/WordPress_Single_Instance_With_Neutron.template": Unsupported(
        {
            "network": "OS::Neutron::Net",
            "subnet": "OS::Neutron::Subnet",
            "port": "OS::Neutron::Port",
        },
        extra=(
            'Outputs.InstanceIPAddress.Value.Ref: Ref to unknown parameter or resource "IPAddress"',
        ),
    ),
    "F17/WordPress_Single_Instance_gold.template": Creatable(
        WP, url("WebServer"), update=resize("WebServer")
    ),
    "F17/WordPress_With_LB.template": Creatable(
        WP,
        url("LB_instance"),
        Cloud(servers=3),
        signals={"DatabaseServer/MySqlWaitCondition": 1},
        update=resize(
            "WikiServerOne",
            "MySqlDatabaseServer",
            kept=("LB_instance",),
            note="the load balancer keeps its member",
        ),
        nested_url=True,
    ),
    "F17/WordPress_With_RDS.template": Creatable(
        WP,
        url("WebServer"),
        Cloud(servers=2),
        update=resize("WebServer", kept=("DatabaseInstance",)),
    ),
    "F17/getting_started.template": Creatable(
        {"KeyName": KEY_NAME},
        {"InstanceIp": "ssh ec2-user@{ip[MyInstance]}"},
        update=Update({"KeyName": OTHER_KEY_NAME}, replaced=("MyInstance",)),
    ),
    "F17/invalid/AutoScalingMultiAZSample.template": Cyclic(
        "LaunchConfig -> MEMAlarmHigh -> WebServerGroup -> LaunchConfig"
    ),
    "F17/invalid/AutoScalingMultiAZSample.yaml": Cyclic(
        "LaunchConfig -> MEMAlarmHigh -> WebServerGroup -> LaunchConfig"
    ),
    "F17/invalid/WordPress_Single_Instance_With_HA.template": Cyclic(
        "HttpFailureAlarm -> WebServerRestartPolicy -> WikiDatabase -> HttpFailureAlarm"
    ),
    "F17/invalid/WordPress_Single_Instance_With_HA_AccessPolicy.template": Cyclic(
        "HttpFailureAlarm -> WebServerRestartPolicy -> WikiDatabase -> HttpFailureAlarm"
    ),
    "F17/invalid/WordPress_Single_Instance_With_IHA.template": Cyclic(
        "HeartbeatFailureAlarm -> WaitCondition -> WikiDatabase -> HeartbeatFailureAlarm"
    ),
    "F18/WordPress_Single_Instance.template": Creatable(
        WP, url("WikiDatabase"), update=resize("WikiDatabase")
    ),
    "F19/WordPress_NoKey.yaml": Creatable(
        DB,
        url("WikiDatabase"),
        Cloud(security_groups=1),
        update=Update(
            MEDIUM,
            replaced=("WikiDatabase",),
            flavor="m1.medium",
            note="the image follows InstanceType (Mappings): the server is replaced",
        ),
    ),
    "aws_asg.template": Creatable(
        {"KeyName": KEY_NAME, "Image": "F17-x86_64-cfntools"},
        {
            "scale_up_url": Pattern(r"{cfn}/signal/.+ScaleUpPolicy.+"),
            "scale_dn_url": Pattern(r"{cfn}/signal/.+ScaleDnPolicy.+"),
        },
        Cloud(servers=3),
        update=Update(
            {"Flavor": "m1.medium"},
            note="a new launch configuration: members are replaced",
        ),
    ),
    "deb/WordPress_Single_Instance_deb.template": Creatable(
        WP, url("WebServer"), update=resize("WebServer")
    ),
}
