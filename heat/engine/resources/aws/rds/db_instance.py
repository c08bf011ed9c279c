"""AWS::RDS::DBInstance, built as Heat built it: a nested stack with a MySQL server.

The server's user data installs MySQL, sets a generated root password, creates DBName
and grants MasterUsername all on it from anywhere with MasterUserPassword, listening on
Port. The passwords reach the child stack as NoEcho parameters, so its events and API
answers mask them. Endpoint.Address is the server's address, Endpoint.Port the Port.
"""

from __future__ import annotations

import secrets

from heat.common.exception import NotSupported
from heat.engine import attributes, properties
from heat.engine.findings import format_path
from heat.engine.resources.child_stack import ChildStackResource
from heat.engine.resources.property_schemas import STRINGS
from heat.engine.template import Template

SERVER = "DatabaseInstance"
IMAGE = "F17-x86_64-cfntools"
ROOT_PASSWORD = "root_password"  # the resource's secret

_SCRIPT = """#!/bin/bash -v
yum install -y mysql mysql-server
systemctl enable mysqld.service
systemctl start mysqld.service
cat >> /etc/my.cnf <<EOF
[mysqld]
port=%(Port)s
bind-address=0.0.0.0
EOF
systemctl restart mysqld.service
mysqladmin -u root password '%(DBRootPassword)s'
cat > /tmp/setup.mysql <<EOF
CREATE DATABASE %(DBName)s;
CREATE USER '%(MasterUsername)s'@'%%' IDENTIFIED BY '%(MasterUserPassword)s';
GRANT ALL PRIVILEGES ON %(DBName)s.* TO '%(MasterUsername)s'@'%%';
FLUSH PRIVILEGES;
EXIT
EOF
mysql -u root --password='%(DBRootPassword)s' < /tmp/setup.mysql
rm -f /tmp/setup.mysql
"""
PARAMETERS = ("DBName", "MasterUsername", "MasterUserPassword", "DBRootPassword", "Port")
SECRET_PARAMETERS = ("MasterUserPassword", "DBRootPassword")


def _user_data() -> dict:
    """_SCRIPT with each %(Name)s a Ref to the child's parameter of that name."""
    parts: list = []
    text = _SCRIPT.replace("%%", "\0")
    while "%(" in text:
        before, _, rest = text.partition("%(")
        name, _, text = rest.partition(")s")
        parts += [before.replace("\0", "%"), {"Ref": name}]
    parts.append(text.replace("\0", "%"))
    return {"Fn::Base64": {"Fn::Join": ["", parts]}}


def child_template(instance_type: str, key_name: str | None, groups) -> dict:
    server_props = {"ImageId": IMAGE, "InstanceType": instance_type, "UserData": _user_data()}
    if key_name:
        server_props["KeyName"] = key_name
    if groups:
        server_props["SecurityGroups"] = list(groups)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "A MySQL database server.",
        "Parameters": {
            name: {"Type": "String", **({"NoEcho": "true"} if name in SECRET_PARAMETERS else {})}
            for name in PARAMETERS
        },
        "Resources": {SERVER: {"Type": "AWS::EC2::Instance", "Properties": server_props}},
        "Outputs": {"PublicIp": {"Value": {"Fn::GetAtt": [SERVER, "PublicIp"]}}},
    }


class DBInstance(ChildStackResource):
    """A MySQL database on its own server."""

    type_name = "AWS::RDS::DBInstance"
    description = "A MySQL server in a nested stack, with one database and one user."
    properties_schema = {
        "DBName": properties.Schema(properties.STRING, required=True),
        "MasterUsername": properties.Schema(properties.STRING, required=True),
        "MasterUserPassword": properties.Schema(properties.STRING, required=True),
        "AllocatedStorage": properties.Schema(
            properties.STRING, required=True, description="Gigabytes (the server's disk)."
        ),
        "DBInstanceClass": properties.Schema(
            properties.STRING,
            required=True,
            description='The server\'s flavor, "db." followed by a Nova flavor name.',
        ),
        "Engine": properties.Schema(properties.STRING, required=True, allowed_values=("MySQL",)),
        "Port": properties.Schema(properties.INTEGER, default=3306, min=1, max=65535),
        "DBSecurityGroups": properties.Schema(
            properties.LIST, item=STRINGS, description="Security groups of the server."
        ),
        "KeyName": properties.Schema(properties.STRING, description="Keypair of the server."),
        "DBSnapshotIdentifier": properties.Schema(properties.STRING, description="Not supported."),
        "MultiAZ": properties.Schema(properties.BOOLEAN),
        "AvailabilityZone": properties.Schema(properties.STRING),
        "BackupRetentionPeriod": properties.Schema(properties.STRING),
        "EngineVersion": properties.Schema(properties.STRING),
        "PreferredBackupWindow": properties.Schema(properties.STRING),
        "PreferredMaintenanceWindow": properties.Schema(properties.STRING),
    }
    attributes_schema = {
        "Endpoint.Address": attributes.Attribute("The database server's address."),
        "Endpoint.Port": attributes.Attribute("The port MySQL listens on."),
    }

    def handle_create(self):
        props = self.properties
        if props["DBSnapshotIdentifier"]:
            raise NotSupported(
                f"{format_path((*props.path, 'DBSnapshotIdentifier'))}: not supported: "
                "databases cannot be restored from snapshots"
            )
        flavor = props["DBInstanceClass"]
        flavor = flavor[3:] if flavor.startswith("db.") else flavor
        self.secrets[ROOT_PASSWORD] = secrets.token_hex(16)
        parameters = {
            "DBName": props["DBName"],
            "MasterUsername": props["MasterUsername"],
            "MasterUserPassword": props["MasterUserPassword"],
            "DBRootPassword": self.secrets[ROOT_PASSWORD],
            "Port": str(props["Port"]),
        }
        template = child_template(flavor, props["KeyName"], props["DBSecurityGroups"])
        self.create_child(Template(template), parameters)

    def resolve_attribute(self, name):
        if name == "Endpoint.Port":
            return str(self.properties["Port"])
        return self.child_outputs().get("PublicIp")


RESOURCE_TYPES = (DBInstance,)
