"""What the EC2 resource tests share: templates, and a look at localcloud's Neutron and Cinder
through openstacksdk, as an operator would look (not through the engine's helpers)."""

from __future__ import annotations

import json

import openstack
import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

IMAGE = "F17-x86_64-cfntools"


@pytest.fixture
def conn(localcloud):
    session = ks_session.Session(auth=v3.Password(**localcloud.credentials()))
    return openstack.connection.Connection(session=session)


def template(resources, outputs=None) -> str:
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if outputs:
        data["Outputs"] = outputs
    return json.dumps(data)


def instance(**props) -> dict:
    base = {"ImageId": IMAGE, "InstanceType": "m1.tiny"}
    return {"Type": "AWS::EC2::Instance", "Properties": {**base, **props}}


def outputs(stack) -> dict:
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def groups(conn) -> dict:
    """name -> security group, without the project's default group."""
    return {g.name: g for g in conn.network.security_groups() if g.name != "default"}


def rules(conn, group_id) -> set[tuple]:
    """The group's rules as (direction, ethertype, protocol, min, max, prefix, remote group)."""
    return {
        (
            r.direction,
            r.ether_type,
            r.protocol,
            r.port_range_min,
            r.port_range_max,
            r.remote_ip_prefix,
            r.remote_group_id,
        )
        for r in conn.network.security_group_rules(security_group_id=group_id)
    }


def floating_ips(conn) -> list:
    return list(conn.network.ips())


def volumes(conn) -> list:
    return list(conn.block_storage.volumes())


def snapshots(conn) -> list:
    return list(conn.block_storage.snapshots())


def backups(conn) -> list:
    return list(conn.block_storage.backups())


def resources(engine, ctx, stack) -> dict:
    """resource name -> (status, physical id)."""
    return {
        r["resource_name"]: (r["resource_status"], r["physical_resource_id"])
        for r in engine.list_resources(ctx, stack)
    }
