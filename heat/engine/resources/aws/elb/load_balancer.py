"""AWS::ElasticLoadBalancing::LoadBalancer, built as Heat built it: a haproxy server.

The resource is a nested stack of one AWS::EC2::Instance (LB_instance) whose metadata
(AWS::CloudFormation::Init) carries /etc/haproxy/haproxy.cfg listing the members. cfn-init
writes it at boot and cfn-hup re-applies it when the metadata changes; the engine changes
it by updating the nested stack with a new template whenever the members change: the
Instances property in an update, or an auto scaling group naming the load balancer in its
LoadBalancerNames (set_instances). Members are Nova server ids; their first IPv4 address
goes into haproxy.cfg. The Ref is the resource's name (what LoadBalancerNames holds).
"""

from __future__ import annotations

from heat.common.exception import InvalidInput, NotFound, NotSupported
from heat.engine import attributes, properties
from heat.engine.findings import format_path
from heat.engine.properties import Properties
from heat.engine.resources.aws.elb import haproxy
from heat.engine.resources.child_stack import ChildStackResource
from heat.engine.resources.property_schemas import STRINGS
from heat.engine.template import Template

SERVER = "LB_instance"
# The load balancer server's image and flavor, as in Heat's built-in template.
IMAGE = "F17-x86_64-cfntools"
FLAVOR = "m1.small"
HAPROXY_CFG = "/etc/haproxy/haproxy.cfg"

_INT = properties.Schema(properties.INTEGER, required=True, min=0)


class LoadBalancer(ChildStackResource):
    """A haproxy server in front of Instances (or an auto scaling group's members)."""

    type_name = "AWS::ElasticLoadBalancing::LoadBalancer"
    description = "A haproxy server in a nested stack, balancing over member instances."
    properties_schema = {
        "AvailabilityZones": properties.Schema(properties.LIST, item=STRINGS),
        "HealthCheck": properties.Schema(
            properties.MAP,
            update_allowed=True,
            keys={
                "HealthyThreshold": _INT,
                "Interval": _INT,
                "Target": properties.Schema(properties.STRING, required=True),
                "Timeout": _INT,
                "UnhealthyThreshold": _INT,
            },
        ),
        "Instances": properties.Schema(
            properties.LIST,
            item=STRINGS,
            update_allowed=True,
            description="Member server ids (Ref of AWS::EC2::Instance).",
        ),
        "Listeners": properties.Schema(
            properties.LIST,
            required=True,
            min=1,
            update_allowed=True,
            item=properties.Schema(
                properties.MAP,
                keys={
                    "InstancePort": properties.Schema(
                        properties.INTEGER, required=True, min=1, max=65535
                    ),
                    "LoadBalancerPort": properties.Schema(
                        properties.INTEGER, required=True, min=1, max=65535
                    ),
                    "Protocol": properties.Schema(
                        properties.STRING, required=True, allowed_values=("TCP", "HTTP")
                    ),
                    "SSLCertificateId": properties.Schema(properties.STRING),
                    "PolicyNames": properties.Schema(properties.LIST, item=STRINGS),
                },
            ),
        ),
        "SecurityGroups": properties.Schema(
            properties.LIST, item=STRINGS, description="Security groups of the haproxy server."
        ),
        "Subnets": properties.Schema(properties.LIST, item=STRINGS, description="Not supported."),
    }
    attributes_schema = {
        "CanonicalHostedZoneName": attributes.Attribute("Not supported: empty."),
        "CanonicalHostedZoneNameID": attributes.Attribute("Not supported: empty."),
        "DNSName": attributes.Attribute("The haproxy server's address."),
        "SourceSecurityGroup.GroupName": attributes.Attribute("Not supported: empty."),
        "SourceSecurityGroup.OwnerAlias": attributes.Attribute("Not supported: empty."),
    }

    # -- the nested stack --

    def _addresses(self, instance_ids) -> list[str]:
        """The members' first IPv4 addresses; a server that no longer exists is left out."""
        nova = self.context.clients.nova()
        out = []
        for server_id in instance_ids:
            try:
                status = nova.server_status(server_id)
            except NotFound:
                continue
            ips = [ip for ips in status.addresses.values() for ip in ips]
            address = next((ip for ip in ips if ":" not in ip), ips[0] if ips else None)
            out.append(address or "0.0.0.0")
        return out

    def child_template(self, props, instance_ids) -> dict:
        cfg = haproxy.config(
            props["Listeners"], props["HealthCheck"], self._addresses(instance_ids)
        )
        init = [
            "/opt/aws/bin/cfn-init -s ",
            {"Ref": "AWS::StackName"},
            f" -r {SERVER} --region ",
            {"Ref": "AWS::Region"},
        ]
        hup = [
            "[main]\nstack=",
            {"Ref": "AWS::StackName"},
            "\ncredential-file=/etc/cfn/cfn-credentials\nregion=",
            {"Ref": "AWS::Region"},
            "\ninterval=10\n",
        ]
        hook = [
            "[cfn-auto-reloader-hook]\ntriggers=post.update\n",
            f"path=Resources.{SERVER}.Metadata\naction=",
            *init,
            "\nrunas=root\n",
        ]
        server = {
            "Type": "AWS::EC2::Instance",
            "Metadata": {
                "AWS::CloudFormation::Init": {
                    "config": {
                        "packages": {"yum": {"haproxy": []}},
                        "services": {
                            "systemd": {
                                "haproxy": {
                                    "enabled": "true",
                                    "ensureRunning": "true",
                                    "files": [HAPROXY_CFG],
                                }
                            }
                        },
                        "files": {
                            HAPROXY_CFG: _file(cfg),
                            "/etc/cfn/cfn-hup.conf": _file({"Fn::Join": ["", hup]}, "000400"),
                            "/etc/cfn/hooks.d/cfn-auto-reloader.conf": _file(
                                {"Fn::Join": ["", hook]}, "000400"
                            ),
                        },
                    }
                }
            },
            "Properties": {
                "ImageId": IMAGE,
                "InstanceType": FLAVOR,
                "UserData": {
                    "Fn::Base64": {
                        "Fn::Join": ["", ["#!/bin/bash -v\n", *init, "\n/opt/aws/bin/cfn-hup\n"]]
                    }
                },
            },
        }
        if props["SecurityGroups"]:
            server["Properties"]["SecurityGroups"] = list(props["SecurityGroups"])
        return {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "A load balancer: haproxy on one server.",
            "Resources": {SERVER: server},
            "Outputs": {"PublicIp": {"Value": {"Fn::GetAtt": [SERVER, "PublicIp"]}}},
        }

    # -- lifecycle --

    def handle_create(self):
        props = self.properties
        if props["Subnets"]:
            raise NotSupported(
                f"{format_path((*props.path, 'Subnets'))}: not supported: the load balancer "
                "server gets its network from Nova's automatic allocation; remove the property"
            )
        instances = list(props["Instances"] or [])
        self.data["instances"] = instances
        self.create_child(Template(self.child_template(props, instances)), {})

    def handle_update(self, new_properties, changed):
        if "Instances" in changed:
            self.data["instances"] = list(new_properties["Instances"] or [])
        template = self.child_template(new_properties, self.data.get("instances") or [])
        self.update_child(Template(template), {})
        self.properties = new_properties

    def reference_id(self):
        return self.name

    def resolve_attribute(self, name):
        if name != "DNSName":
            return ""
        return self.child_outputs().get("PublicIp")


def _file(content, mode: str = "000644") -> dict:
    return {"content": content, "mode": mode, "owner": "root", "group": "root"}


def set_instances(context, name: str, instance_ids) -> str | None:
    """Make the load balancer `name` of this stack balance over `instance_ids`.

    Starts the update of its nested stack and returns the nested stack's id (None when the
    members did not change). StackInProgress if the nested stack is busy: ask again later.
    """
    db = context.stacks.engine.db
    row = db.resources.get_by_name(context.stack_id, name)
    if row is None or row["type"] != LoadBalancer.type_name:
        raise InvalidInput(f'LoadBalancerNames: no {LoadBalancer.type_name} "{name}" in this stack')
    data = dict(row["data"] or {})
    instance_ids = list(instance_ids)
    if not row["physical_resource_id"]:
        raise InvalidInput(f'LoadBalancerNames: load balancer "{name}" has not been created')
    if data.get("instances") == instance_ids:
        return None
    plugin = LoadBalancer(
        name, Properties.stored(LoadBalancer.properties_schema, row["properties_data"]), context
    )
    template = plugin.child_template(plugin.properties, instance_ids)
    context.stacks.update(row["physical_resource_id"], Template(template), {})
    data["instances"] = instance_ids
    db.resources.update(row["id"], data=data)
    return row["physical_resource_id"]


RESOURCE_TYPES = (LoadBalancer,)
