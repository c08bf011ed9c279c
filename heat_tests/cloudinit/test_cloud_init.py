"""The real consumer: Debian's cloud-init boots Heat's user data for the WordPress template.

cloud-init runs all four stages (init-local, init, config, final) against a NoCloud seed
inside sandbox.sh: private mount, UTS, IPC, network and PID namespaces, with every
directory cloud-init writes to overlaid on a throwaway upper layer. The test then reads
what cloud-init and Heat's guest files left in those upper layers, and checks that the
host itself (hostname, /etc, cloud-init state, mounts) did not change.
"""

import base64
import email
import importlib.resources
import json
import os
import pathlib
import shutil
import stat
import subprocess

import pytest
import yaml

from heat.engine.userdata import UserdataSettings, build_userdata
from heat_tests.fixtures.host_state import host_state

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for mount namespaces and overlayfs"),
    pytest.mark.skipif(
        shutil.which("cloud-init") is None,
        reason="Debian's cloud-init is not installed (tools/setup.sh test installs it as root)",
    ),
]

HERE = pathlib.Path(__file__).resolve().parent
TEMPLATE = pathlib.Path("/work/shared/templates/cfn/F17/WordPress_Single_Instance.template")
INSTANCE_ID = "heat-wordpress-0001"
HOSTNAME = "wikidatabase"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHeatTestKeyNotARealKeyAtAll0000000000000 heat"
PARAMETERS = {
    "DBName": "wordpress",
    "DBUsername": "wpuser",
    "DBPassword": "wp-secret",
    "DBRootPassword": "root-secret",
}
SETTINGS = UserdataSettings(
    metadata_server_url="http://192.0.2.1:8000",
    waitcondition_server_url="http://192.0.2.1:8000/v1/waitcondition",
    watch_server_url="http://192.0.2.1:8003",
)
CFN_PARTS = [
    "cfn-userdata",
    "cfn-init-data",
    "cfn-watch-server",
    "cfn-metadata-server",
    "cfn-boto-cfg",
]

# The sandbox's system config: the image's part of the merge. Only modules a Heat guest
# needs at boot, and none that reach disks, the network or package mirrors.
SYSTEM_CONFIG = """\
#cloud-config
datasource_list: [NoCloud]
network: {config: disabled}
users: [default]
preserve_hostname: false
locale: C.UTF-8
ssh_deletekeys: false
ssh_genkeytypes: [ed25519]
cloud_init_modules: [migrator, bootcmd, write-files, set_hostname, update_hostname,
                     update_etc_hosts, users-groups, ssh]
cloud_config_modules: [runcmd]
cloud_final_modules: [scripts-user, final-message]
system_info:
  distro: debian
  default_user:
    name: debian
    lock_passwd: true
    gecos: Debian
    groups: [adm, sudo]
    sudo: ["ALL=(ALL) NOPASSWD:ALL"]
    shell: /bin/bash
  paths:
    cloud_dir: /var/lib/cloud/
    templates_dir: /etc/cloud/templates/
  ssh_svcname: ssh
"""

WORDPRESS_CONF = """\
Alias /wordpress /usr/share/wordpress
<Directory /usr/share/wordpress>
  Require local
  Deny from All
</Directory>
"""
WP_CONFIG = """\
<?php
define( 'DB_NAME', 'database_name_here' );
define( 'DB_USER', 'username_here' );
define( 'DB_PASSWORD', 'password_here' );
"""
# Records each call as one line (program and arguments), then whatever arrives on stdin
# for mysql, which the UserData feeds a heredoc.
STUB = """\
#!/bin/sh
{{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf ' %s' "$a"; done; echo; }} >> {calls}
{read_stdin}
"""


def _resolve(node):
    """The few intrinsic functions the WordPress UserData uses, with fixed parameters.

    A stand-in for the template engine: once heat.engine can resolve a resource's
    properties, the UserData comes from there and this goes.
    """
    if not isinstance(node, dict):
        return node
    ((name, arg),) = node.items()
    if name == "Ref":
        return PARAMETERS[arg]
    if name == "Fn::Join":
        separator, items = arg
        return separator.join(_resolve(item) for item in items)
    if name == "Fn::Base64":
        return base64.b64encode(_resolve(arg).encode("utf-8")).decode("ascii")
    raise AssertionError(f"the WordPress UserData uses no {name}")


def _host_state():
    """What a cloud-init run that escaped its sandbox would change on the host."""
    return host_state("heat-test", ["/usr/share/wordpress", "/etc/httpd"])


class Guest:
    """Reads the sandboxed guest's files from the overlays' upper layers."""

    OVERLAID = ["usr/share", "etc", "var", "home", "root", "opt"]

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def path(self, guest_path):
        for directory in self.OVERLAID:
            prefix = f"/{directory}/"
            if guest_path.startswith(prefix):
                upper = self.sandbox / "overlay" / directory.replace("/", "_") / "upper"
                return upper / guest_path[len(prefix) :]
        raise AssertionError(f"{guest_path} is not in a sandboxed directory")

    def read(self, guest_path):
        return self.path(guest_path).read_text(encoding="utf-8")

    def mode(self, guest_path):
        return stat.S_IMODE(os.lstat(self.path(guest_path)).st_mode)


@pytest.fixture(scope="module")
def boot(tmp_path_factory):
    """Build the WordPress server's user data and boot it; yields (guest, parts, host states)."""
    template = json.loads(TEMPLATE.read_text())
    server = template["Resources"]["WikiDatabase"]
    built = build_userdata(SETTINGS, _resolve(server["Properties"]["UserData"]), server["Metadata"])
    assert built.plain_text_user_data is False

    sandbox = tmp_path_factory.mktemp("cloud-init-sandbox")
    (sandbox / "seed").mkdir()
    (sandbox / "seed" / "user-data").write_text(built.mime)
    (sandbox / "seed" / "meta-data").write_text(
        f"instance-id: {INSTANCE_ID}\nlocal-hostname: {HOSTNAME}\npublic-keys:\n  - {SSH_KEY}\n"
    )
    (sandbox / "cloud.cfg").write_text(SYSTEM_CONFIG)
    calls = sandbox / "calls.log"
    calls.touch()
    stubs = sandbox / "stubs"
    stubs.mkdir()
    files = sandbox / "files"
    for stub in [
        stubs / "mysqladmin",
        stubs / "mysql",
        stubs / "systemctl",
        files / "opt/aws/bin/cfn-init",
    ]:
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text(
            STUB.format(calls=calls, read_stdin=f"cat >> {calls}" if stub.name == "mysql" else "")
        )
        stub.chmod(0o755)
    (files / "etc/httpd/conf.d").mkdir(parents=True)
    (files / "etc/httpd/conf.d/wordpress.conf").write_text(WORDPRESS_CONF)
    (files / "usr/share/wordpress").mkdir(parents=True)
    (files / "usr/share/wordpress/wp-config.php").write_text(WP_CONFIG)

    before = _host_state()
    result = subprocess.run(
        [
            "unshare",
            "--mount",
            "--uts",
            "--ipc",
            "--net",
            "--pid",
            "--fork",
            "--mount-proc",
            "sh",
            str(HERE / "sandbox.sh"),
            str(sandbox),
            os.readlink("/proc/self/ns/mnt"),
        ],
        cwd=sandbox,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    after = _host_state()
    assert result.returncode == 0, f"sandbox failed:\n{result.stdout}\n{result.stderr}"

    message = email.message_from_string(built.mime)
    parts = {p.get_filename(): p.get_payload(decode=True).decode() for p in message.get_payload()}
    yield Guest(sandbox), parts, before, after, calls.read_text()
    # The upper layers hold copies of the host's /etc/shadow and friends: don't keep them.
    shutil.rmtree(sandbox)


def test_host_is_untouched(boot):
    _, _, before, after, _ = boot
    assert after == before
    assert before["marked mounts"] == []
    assert before["kernel hostname"] != f"{HOSTNAME}\n"


def test_cloud_init_ran_every_stage_without_errors(boot):
    guest, *_ = boot
    status = json.loads(guest.read("/var/lib/cloud/data/status.json"))["v1"]
    result = json.loads(guest.read("/var/lib/cloud/data/result.json"))["v1"]

    assert result == {
        "datasource": "DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]",
        "errors": [],
    }
    for stage in ["init-local", "init", "modules-config", "modules-final"]:
        assert status[stage]["errors"] == [], stage
        assert status[stage]["finished"] is not None, stage
    assert os.readlink(guest.path("/var/lib/cloud/instance")) == (
        f"/var/lib/cloud/instances/{INSTANCE_ID}"
    )
    assert guest.path(f"/var/lib/cloud/instances/{INSTANCE_ID}/boot-finished").is_file()
    assert (guest.sandbox / "sandbox-hostname").read_text() == f"{HOSTNAME}\n"


def test_part_handler_was_registered_and_handled_every_cfninitdata_part(boot):
    guest, *_ = boot
    handlers = f"/var/lib/cloud/instances/{INSTANCE_ID}/handlers"
    handler_file = f"{handlers}/part-handler-000.py"
    log = guest.read("/var/log/cloud-init.log")

    # cloud-init imported the saved handler (hence its __pycache__).
    assert sorted(os.listdir(guest.path(handlers))) == ["__pycache__", "part-handler-000.py"]
    guest_source = importlib.resources.files("heat.cloudinit").joinpath("part_handler.py")
    assert guest.read(handler_file) == guest_source.read_text()
    calls = [
        line.split("[DEBUG]: ", 1)[1]
        for line in log.splitlines()
        if f"Calling handler <module 'part-handler-000' from '{handler_file}'>" in line
    ]
    module = f"<module 'part-handler-000' from '{handler_file}'>"
    assert calls == (
        [f"Calling handler {module} (__begin__, None, 2) with frequency once-per-instance"]
        + [
            f"Calling handler {module} (text/x-cfninitdata, {name}, 2) "
            "with frequency once-per-instance"
            for name in CFN_PARTS
        ]
        + [f"Calling handler {module} (__end__, None, 2) with frequency once-per-instance"]
    )
    assert "Failed calling handler" not in log
    assert "Traceback" not in log


def test_every_cfninitdata_part_is_saved_for_heat_cfntools(boot):
    guest, parts, *_ = boot

    assert sorted(os.listdir(guest.path("/var/lib/heat-cfntools"))) == sorted(
        [*CFN_PARTS, "provision-finished"]
    )
    assert guest.mode("/var/lib/heat-cfntools") == 0o700
    for name in CFN_PARTS:
        assert guest.read(f"/var/lib/heat-cfntools/{name}") == parts[name], name
    assert guest.read("/var/lib/heat-cfntools/cfn-userdata").startswith(
        "#!/bin/bash -v\n/opt/aws/bin/cfn-init\n"
    )
    assert (
        json.loads(guest.read("/var/lib/heat-cfntools/cfn-init-data"))
        == json.loads(TEMPLATE.read_text())["Resources"]["WikiDatabase"]["Metadata"]
    )
    assert guest.read("/var/lib/heat-cfntools/cfn-metadata-server") == "http://192.0.2.1:8000"
    assert guest.read("/var/lib/heat-cfntools/cfn-boto-cfg") == (
        "[Boto]\ndebug = 0\nis_secure = False\nhttps_validate_certificates = True\n"
        "cfn_region_name = heat\ncfn_region_endpoint = 192.0.2.1\n"
        "cloudwatch_region_name = heat\ncloudwatch_region_endpoint = 192.0.2.1\n"
    )
    for name in CFN_PARTS[1:]:
        assert guest.mode(f"/var/lib/heat-cfntools/{name}") == 0o600, name
    # loguserdata.py made it executable before running it.
    assert guest.mode("/var/lib/heat-cfntools/cfn-userdata") == 0o700
    assert guest.read("/var/lib/cloud/data/cfn-userdata") == parts["cfn-userdata"]


def test_boothook_ran(boot):
    guest, parts, *_ = boot
    hook = f"/var/lib/cloud/instances/{INSTANCE_ID}/boothooks/boothook.sh"

    assert guest.read(hook) == parts["boothook.sh"]
    assert "Boothooks" not in guest.read("/var/log/cloud-init.log")  # no execution error


def test_loguserdata_is_saved_as_a_user_script(boot):
    guest, parts, *_ = boot
    scripts = f"/var/lib/cloud/instances/{INSTANCE_ID}/scripts"

    assert os.listdir(guest.path(scripts)) == ["loguserdata.py"]
    assert guest.read(f"{scripts}/loguserdata.py") == parts["loguserdata.py"]
    assert guest.mode(f"{scripts}/loguserdata.py") == 0o700


def test_cloud_config_is_merged_and_applied(boot):
    guest, *_ = boot
    config = yaml.safe_load(guest.read(f"/var/lib/cloud/instances/{INSTANCE_ID}/cloud-config.txt"))

    assert config == {
        "user": {"name": "ec2-user"},
        "disable_root": True,
        "manage_etc_hosts": True,
        "cloud_config_modules": ["locale", "set-passwords", "timezone", "runcmd"],
    }
    # The instance user exists, with passwordless sudo and the server's key ...
    passwd = {line.split(":")[0]: line for line in guest.read("/etc/passwd").splitlines()}
    assert passwd["ec2-user"].endswith(":/home/ec2-user:/bin/bash")
    assert "ec2-user ALL=(ALL) NOPASSWD:ALL\n" in guest.read("/etc/sudoers.d/90-cloud-init-users")
    assert guest.read("/home/ec2-user/.ssh/authorized_keys") == f"{SSH_KEY}\n"
    # ... root logins are turned away to it (disable_root) ...
    assert guest.read("/root/.ssh/authorized_keys").startswith(
        "no-port-forwarding,no-agent-forwarding,no-X11-forwarding,"
        """command="echo 'Please login as the user \\"ec2-user\\" rather than the user """
    )
    # ... and /etc/hosts names the server (manage_etc_hosts).
    assert f"\n127.0.1.1 {HOSTNAME} {HOSTNAME}\n" in guest.read("/etc/hosts")
    # The config stage ran Heat's module list, not the image's (which has apt-configure).
    log = guest.read("/var/log/cloud-init.log")
    config_stage = [
        line.split("]: ", 1)[1] for line in log.splitlines() if "modules-config/config-" in line
    ]
    assert [line for line in config_stage if line.startswith("finish:")] == [
        "finish: modules-config/config-locale: SUCCESS: config-locale ran successfully",
        "finish: modules-config/config-set-passwords: SUCCESS: "
        "config-set-passwords ran successfully",
    ]
    assert "Skipping modules 'timezone,runcmd' because no applicable config is provided." in log


def test_wordpress_user_data_ran_through_loguserdata(boot):
    guest, _, _, _, calls = boot

    assert calls == (
        "cfn-init\n"
        "mysqladmin -u root password root-secret\n"
        "mysql -u root --password=root-secret\n"
        "CREATE DATABASE wordpress;\n"
        'GRANT ALL PRIVILEGES ON wordpress.* TO "wpuser"@"localhost"\n'
        'IDENTIFIED BY "wp-secret";\n'
        "FLUSH PRIVILEGES;\n"
        "EXIT\n"
        "systemctl restart httpd.service\n"
    )
    assert guest.read("/etc/httpd/conf.d/wordpress.conf") == (
        "Alias /wordpress /usr/share/wordpress\n"
        "<Directory /usr/share/wordpress>\n"
        "  Require all granted\n"
        "</Directory>\n"
    )
    assert guest.read("/usr/share/wordpress/wp-config.php") == (
        "<?php\n"
        "define( 'DB_NAME', 'wordpress' );\n"
        "define( 'DB_USER', 'wpuser' );\n"
        "define( 'DB_PASSWORD', 'wp-secret' );\n"
    )
    log = [line.split(" ", 2)[2] for line in guest.read("/var/log/heat-provision.log").splitlines()]
    assert log[0] == "Provision began"
    assert log[1:3] == ["#!/bin/bash -v", "/opt/aws/bin/cfn-init"]  # bash -v echoes each line
    assert log[-2:] == ["systemctl restart httpd.service", "Provision done"]
    assert guest.mode("/var/log/heat-provision.log") == 0o600
    assert guest.path("/var/lib/heat-cfntools/provision-finished").is_file()
