"""What localcloud received for WordPress_Single_Instance, booted by Debian's cloud-init.

The engine creates the stack on a localcloud over HTTP; the server's user data is read
back with python-novaclient (microversion 2.79 shows `OS-EXT-SRV-ATTR:user_data`) and
handed to heat_tests/cloudinit's harness in place of the user data it builds itself: the
same sandbox.sh run and the same assertions (imported below, so they run here on the
received bytes). Skipped where the harness skips (not root, no cloud-init).
"""

import base64
import json
import pathlib
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client

from heat.common import crypt
from heat.common.context import RequestContext
from heat.db import migration
from heat.db.api import Database
from heat.engine.clients.session import CloudCredentials
from heat.engine.graph_run import Backoff
from heat.engine.service import EngineService
from heat.engine.userdata import Userdata
from heat.localcloud import LocalCloud
from heat_tests.cloudinit import test_cloud_init as harness
from heat_tests.cloudinit.test_cloud_init import (  # noqa: F401 - the harness's tests
    pytestmark,
    test_boothook_ran,
    test_cloud_config_is_merged_and_applied,
    test_cloud_init_ran_every_stage_without_errors,
    test_every_cfninitdata_part_is_saved_for_heat_cfntools,
    test_host_is_untouched,
    test_loguserdata_is_saved_as_a_user_script,
    test_part_handler_was_registered_and_handled_every_cfninitdata_part,
)
from heat_tests.engine.resources.localcloud_engine import KEY_NAME, SETTINGS

TEMPLATE = pathlib.Path("/work/shared/templates/cfn/F17/WordPress_Single_Instance.template")
# The harness's values, without the "-" the template's AllowedPattern refuses.
PARAMETERS = {
    "KeyName": KEY_NAME,
    "DBName": "wordpress",
    "DBUsername": "wpuser",
    "DBPassword": "wpsecret",
    "DBRootPassword": "rootsecret",
}


@pytest.fixture(scope="module")
def received(tmp_path_factory):
    """The user data of the WordPress server the engine created on localcloud."""
    workdir = tmp_path_factory.mktemp("received")
    cloud = LocalCloud(str(workdir / "localcloud"), boot_delay=0.05).start()
    url = f"sqlite:///{workdir}/heat.sqlite"
    migration.db_sync(url)
    db = Database(url, crypter=crypt.Crypter(Fernet.generate_key().decode()))
    engine = EngineService(
        db,
        backoff=Backoff(0.005, 2.0, 0.05),
        cloud=CloudCredentials.from_dict(cloud.credentials()),
        userdata_settings=SETTINGS,
    ).start()
    try:
        nova = nova_client.Client(
            "2.79", session=ks_session.Session(auth=v3.Password(**cloud.credentials()))
        )
        nova.keypairs.create(KEY_NAME)
        ctx = RequestContext("project-a", "user-a")
        stack_id = engine.create_stack(ctx, "wp", TEMPLATE.read_text(), PARAMETERS)["stack_id"]
        assert engine.wait(stack_id, 30)
        assert engine.show_stack(ctx, stack_id)["stack_status"] == "CREATE_COMPLETE"
        (server,) = nova.servers.list()
        assert server.metadata["heat:resource_name"] == "WikiDatabase"
        mime = base64.b64decode(server.to_dict()["OS-EXT-SRV-ATTR:user_data"]).decode()
        engine.delete_stack(ctx, stack_id)
        assert engine.wait(stack_id, 30)
        assert nova.servers.list() == []
    finally:
        engine.stop()
        db.dispose()
        cloud.stop()
    return mime


@pytest.fixture(scope="module")
def boot(tmp_path_factory, received):
    """The harness's boot, with the received user data instead of one it builds."""
    built = Userdata(mime=received, plain_text_user_data=False)
    with mock.patch.object(harness, "build_userdata", lambda *args: built):
        run = harness.boot.__wrapped__(tmp_path_factory)
        value = next(run)
    yield value
    next(run, None)  # the harness's cleanup


def test_the_received_user_data_is_heats_multipart_message(received):
    assert received.startswith('Content-Type: multipart/mixed; boundary="==heat-')


def test_wordpress_user_data_ran_with_the_stack_parameters(boot):
    """The harness's last test, with this stack's parameter values."""
    guest, _, _, _, calls = boot
    assert calls == (
        "cfn-init\n"
        "mysqladmin -u root password rootsecret\n"
        "mysql -u root --password=rootsecret\n"
        "CREATE DATABASE wordpress;\n"
        'GRANT ALL PRIVILEGES ON wordpress.* TO "wpuser"@"localhost"\n'
        'IDENTIFIED BY "wpsecret";\n'
        "FLUSH PRIVILEGES;\n"
        "EXIT\n"
        "systemctl restart httpd.service\n"
    )
    assert guest.read("/usr/share/wordpress/wp-config.php") == (
        "<?php\n"
        "define( 'DB_NAME', 'wordpress' );\n"
        "define( 'DB_USER', 'wpuser' );\n"
        "define( 'DB_PASSWORD', 'wpsecret' );\n"
    )
    log = [line.split(" ", 2)[2] for line in guest.read("/var/log/heat-provision.log").splitlines()]
    assert log[0] == "Provision began"
    assert log[-2:] == ["systemctl restart httpd.service", "Provision done"]
    assert guest.path("/var/lib/heat-cfntools/provision-finished").is_file()
    metadata = json.loads(TEMPLATE.read_text())["Resources"]["WikiDatabase"]["Metadata"]
    assert json.loads(guest.read("/var/lib/heat-cfntools/cfn-init-data")) == metadata
