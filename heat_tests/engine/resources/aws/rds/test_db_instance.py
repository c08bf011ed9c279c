# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""AWS::RDS::DBInstance on localcloud: a MySQL server in a nested stack; WordPress_With_RDS."""

import json

from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    create,
    delete,
    ip,
    keypair,
    localcloud,
    nova,
    servers,
    user_data,
)

TEMPLATE = "/work/shared/templates/cfn/F17/WordPress_With_RDS.template"


def test_wordpress_with_rds_creates_and_deletes(cloud_engine, ctx, nova, keypair):
    with open(TEMPLATE) as handle:
        text = handle.read()
    parameters = {"KeyName": keypair, "InstanceType": "m1.small", "DBPassword": "s3cretpw1"}
    stack = create(cloud_engine, ctx, "wp", text, parameters)
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    found = servers(nova)
    assert len(found) == 2
    (db,) = [s for n, s in found.items() if "-DatabaseInstance-" in n]
    (web,) = [s for n, s in found.items() if "-WebServer-" in n]
    assert db.flavor["original_name"] == "m1.small"
    # Endpoint.Address went into the web server's user data.
    assert f"--e s/localhost/{ip(db)}/ /usr/share/wordpress/wp-config.php" in user_data(web)
    script = user_data(db)
    assert "CREATE DATABASE wordpress;" in script
    assert "CREATE USER 'admin'@'%' IDENTIFIED BY 's3cretpw1';" in script
    assert "port=3306" in script
    (output,) = stack["outputs"]
    assert output["output_value"] == f"http://{ip(web)}/wordpress"
    # The child stack's parameters hide the passwords.
    child = cloud_engine.show_resource(ctx, stack["id"], "DatabaseServer")["physical_resource_id"]
    shown = cloud_engine.show_stack(ctx, child)["parameters"]
    assert shown["MasterUserPassword"] == "******"
    assert shown["DBRootPassword"] == "******"
    assert shown["MasterUsername"] == "admin"
    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert servers(nova) == {}


def test_endpoint_attributes(cloud_engine, ctx, nova):
    text = json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "DB": {
                    "Type": "AWS::RDS::DBInstance",
                    "Properties": {
                        "DBName": "shop",
                        "Engine": "MySQL",
                        "MasterUsername": "owner",
                        "MasterUserPassword": "pw12345",
                        "DBInstanceClass": "db.m1.tiny",
                        "AllocatedStorage": "5",
                        "Port": "3307",
                    },
                }
            },
            "Outputs": {
                "Address": {"Value": {"Fn::GetAtt": ["DB", "Endpoint.Address"]}},
                "Port": {"Value": {"Fn::GetAtt": ["DB", "Endpoint.Port"]}},
            },
        }
    )
    stack = create(cloud_engine, ctx, "db", text)
    (server,) = servers(nova).values()
    values = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert values == {"Address": ip(server), "Port": "3307"}
    assert "port=3307" in user_data(server)
