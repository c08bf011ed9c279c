# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""AWS::EC2::EIP and AWS::EC2::EIPAssociation through the engine on localcloud."""

from heat_tests.engine.resources.aws.ec2.cloud import (  # noqa: F401 - conn is a fixture
    conn,
    floating_ips,
    instance,
    outputs,
    resources,
    template,
)
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    create,
    delete,
    events,
    ip,
    localcloud,
    nova,
)

EIP_OUTPUTS = {
    "Address": {"Value": {"Ref": "Address"}},
    "AllocationId": {"Value": {"Fn::GetAtt": ["Address", "AllocationId"]}},
}


def eip(**props):
    return {"Type": "AWS::EC2::EIP", "Properties": props}


def association(**props):
    return {"Type": "AWS::EC2::EIPAssociation", "Properties": props}


def port_of(conn, server):
    (port,) = conn.network.ports(device_id=server.id)
    return port.id


def test_an_eip_is_a_floating_ip_released_on_delete(cloud_engine, ctx, conn):
    stack = create(cloud_engine, ctx, "ip", template({"Address": eip()}, EIP_OUTPUTS))
    assert (stack["stack_status"], stack["stack_status_reason"]) == (
        "CREATE_COMPLETE",
        "Stack CREATE completed successfully",
    )
    (fip,) = floating_ips(conn)
    assert outputs(stack) == {"Address": fip.floating_ip_address, "AllocationId": fip.id}
    public = conn.network.find_network("public")
    assert (fip.floating_network_id, fip.port_id) == (public.id, None)
    assert resources(cloud_engine, ctx, "ip") == {"Address": ("CREATE_COMPLETE", fip.id)}

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert floating_ips(conn) == []


def test_an_eip_with_an_instance_points_at_it_and_follows_an_update(cloud_engine, ctx, conn, nova):
    text = template(
        {"One": instance(), "Two": instance(), "Address": eip(InstanceId={"Ref": "One"})},
        EIP_OUTPUTS,
    )
    stack = create(cloud_engine, ctx, "ip", text)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    servers = {s.metadata["heat:resource_name"]: s for s in nova.servers.list()}
    (fip,) = floating_ips(conn)
    assert (fip.port_id, fip.fixed_ip_address) == (
        port_of(conn, servers["One"]),
        ip(servers["One"]),
    )
    assert outputs(stack)["Address"] == fip.floating_ip_address

    moved = template(
        {"One": instance(), "Two": instance(), "Address": eip(InstanceId={"Ref": "Two"})},
        EIP_OUTPUTS,
    )
    cloud_engine.update_stack(ctx, "ip", moved)
    assert cloud_engine.wait(stack["id"], 30)
    updated = cloud_engine.show_stack(ctx, "ip")
    assert updated["stack_status"] == "UPDATE_COMPLETE"
    (after,) = floating_ips(conn)
    assert (after.id, after.port_id) == (fip.id, port_of(conn, servers["Two"]))
    assert outputs(updated) == outputs(stack)

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert floating_ips(conn) == []
    assert nova.servers.list() == []


def test_an_association_by_address_and_by_allocation_id(cloud_engine, ctx, conn, nova):
    text = template(
        {
            "Web": instance(),
            "Db": instance(),
            "Address": eip(),
            "Other": eip(),
            "ByAddress": association(InstanceId={"Ref": "Web"}, EIP={"Ref": "Address"}),
            "ById": association(
                InstanceId={"Ref": "Db"}, AllocationId={"Fn::GetAtt": ["Other", "AllocationId"]}
            ),
        },
        {
            "Address": {"Value": {"Ref": "Address"}},
            "Other": {"Value": {"Ref": "Other"}},
        },
    )
    stack = create(cloud_engine, ctx, "assoc", text)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    servers = {s.metadata["heat:resource_name"]: s for s in nova.servers.list()}
    by_address = {f.floating_ip_address: f for f in floating_ips(conn)}
    web_fip = by_address[outputs(stack)["Address"]]
    db_fip = by_address[outputs(stack)["Other"]]
    assert web_fip.port_id == port_of(conn, servers["Web"])
    assert db_fip.port_id == port_of(conn, servers["Db"])
    # Nova shows the floating address among the server's addresses.
    addresses = {a["addr"] for a in nova.servers.get(servers["Web"].id).addresses["private"]}
    assert addresses == {ip(servers["Web"]), web_fip.floating_ip_address}

    # Deleting just an association lets go of its address and keeps the EIP.
    rest = {
        "Web": instance(),
        "Db": instance(),
        "Address": eip(),
        "Other": eip(),
        "ById": association(
            InstanceId={"Ref": "Db"}, AllocationId={"Fn::GetAtt": ["Other", "AllocationId"]}
        ),
    }
    cloud_engine.update_stack(ctx, "assoc", template(rest))
    assert cloud_engine.wait(stack["id"], 30)
    assert cloud_engine.show_stack(ctx, "assoc")["stack_status"] == "UPDATE_COMPLETE"
    assert conn.network.get_ip(web_fip.id).port_id is None
    assert conn.network.get_ip(db_fip.id).port_id == port_of(conn, servers["Db"])

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert floating_ips(conn) == []
    assert nova.servers.list() == []


def test_an_association_moves_in_place_to_another_instance(cloud_engine, ctx, conn, nova):
    def text(target):
        return template(
            {
                "Web": instance(),
                "Db": instance(),
                "Address": eip(),
                "Assoc": association(InstanceId={"Ref": target}, EIP={"Ref": "Address"}),
            }
        )

    stack = create(cloud_engine, ctx, "move", text("Web"))
    assert stack["stack_status"] == "CREATE_COMPLETE"
    servers = {s.metadata["heat:resource_name"]: s for s in nova.servers.list()}
    cloud_engine.update_stack(ctx, "move", text("Db"))
    assert cloud_engine.wait(stack["id"], 30)
    assert cloud_engine.show_stack(ctx, "move")["stack_status"] == "UPDATE_COMPLETE"
    (fip,) = floating_ips(conn)
    assert fip.port_id == port_of(conn, servers["Db"])
    assert [e[:3] for e in events(cloud_engine, ctx, stack["id"]) if e[0] == "Assoc"][-2:] == [
        ("Assoc", "UPDATE", "IN_PROGRESS"),
        ("Assoc", "UPDATE", "COMPLETE"),
    ]

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert floating_ips(conn) == []


def test_an_association_with_an_unknown_address_fails_and_rolls_back(cloud_engine, ctx, conn, nova):
    text = template(
        {"Web": instance(), "Assoc": association(InstanceId={"Ref": "Web"}, EIP="203.0.113.9")}
    )
    stack = create(cloud_engine, ctx, "bad", text)
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    failed = [e for e in events(cloud_engine, ctx, stack["id"]) if e[2] == "FAILED"]
    assert failed == [
        ("Assoc", "CREATE", "FAILED", 'CREATE failed: unknown floating IP "203.0.113.9"'),
        (
            "bad",
            "CREATE",
            "FAILED",
            'Resource Assoc: CREATE failed: unknown floating IP "203.0.113.9"',
        ),
    ]
    assert nova.servers.list() == []
    assert floating_ips(conn) == []


def test_an_association_needs_exactly_one_address(cloud_engine, ctx, conn, nova):
    text = template({"Web": instance(), "Assoc": association(InstanceId={"Ref": "Web"})})
    stack = create(cloud_engine, ctx, "none", text)
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    failed = [e[3] for e in events(cloud_engine, ctx, stack["id"]) if e[2] == "FAILED"]
    assert failed[0] == (
        "CREATE failed: Resources.Assoc.Properties: give exactly one of EIP and AllocationId"
    )
