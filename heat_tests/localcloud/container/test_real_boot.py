"""The real-boot example end to end: heat-all in container mode and the heat CLI.

`heat stack-create --wait` with examples/real_boot.yaml boots a server for real; its
UserData runs the real cfn-init (Debian's heat-cfntools in the base image), which reads the
server's AWS::CloudFormation::Init through the CFN API's DescribeStackResource with the stack
user's keys and writes the files, then the real cfn-signal completes the wait condition.
With Outcome=failure a cfn-init command fails, cfn-signal -e 1 fails the stack and rollback
removes the server. Delete leaves no process, mount or directory behind.
"""

from __future__ import annotations

import json
import os
import pathlib
import pwd
import re
import signal
import stat
import subprocess
import time

import pytest

from heat.cmd.all import read_rc
from heat.localcloud.container import runner
from heat.localcloud.container.rootfs import ServerRoot
from heat_tests.cmd.processes import BIN, Heat, clean_env, event_lines
from heat_tests.fixtures.host_state import host_state, mount_count
from heat_tests.localcloud.container.conftest import IMAGE_CACHE, requires_boot

pytestmark = requires_boot

EXAMPLE = str(pathlib.Path(__file__).resolve().parents[3] / "examples" / "real_boot.yaml")
FAILURE_REASON = re.compile(
    r"^ERROR: stack broken ROLLBACK_COMPLETE: Resource WebServerReady: CREATE failed: FAILURE "
    r"signal received \(UniqueId ([0-9a-f-]{36})\): cfn-init exited with status 1 "
    r"\(see /var/log/cfn-init.log\)$"
)


class HeatAll:
    """heat-all in container mode as a subprocess, its log in `state/heat-all.log`."""

    def __init__(self, state: pathlib.Path, base_image: str):
        self.state = state
        self.base_image = base_image
        state.mkdir(parents=True, exist_ok=True)
        self.log = state / "heat-all.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [os.path.join(BIN, "heat-all"), "--state-dir", str(state),
                 "--boot-mode", "container", "--image-cache-dir", IMAGE_CACHE,
                 "--api-port", "0", "--cfn-port", "0", "--cloudwatch-port", "0",
                 "--localcloud-port", "0"],
                stdout=subprocess.PIPE, stderr=log, text=True, env=clean_env(),
            )  # fmt: skip
        self.lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.strip())
            if line.startswith("credentials: source"):
                break
        if not self.lines or not self.lines[-1].startswith("credentials: source"):
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"heat-all did not start: {self.log.read_text()[-3000:]}")
        self.heat = Heat(clean_env(**read_rc(str(state / "heatrc"))))
        self.servers_dir = state / "localcloud" / "servers"

    def root(self, server_id: str) -> ServerRoot:
        """A server's files, read from the host (its upper layer over the base image)."""
        return ServerRoot(str(self.servers_dir), server_id, self.base_image)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, self.log.read_text()[-3000:]
        assert out.strip().splitlines()[-1] == "heat-all stopped"


def server_processes(directory: pathlib.Path) -> list[int]:
    """Host pids of processes chrooted into a server root below `directory` (the servers'
    directory, or one server's)."""
    prefix = str(directory) + "/"
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/root").startswith(prefix):
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return found


def wait_until(predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def deployment(base_image, tmp_path_factory):
    before = host_state("localcloud-")
    mounts_before = mount_count()
    heat_all = HeatAll(tmp_path_factory.mktemp("real-boot") / "state", base_image)
    try:
        yield heat_all
    finally:
        heat_all.stop()
    # Stopping heat-all stops every server it still had; the host is as it was.
    assert server_processes(heat_all.servers_dir) == []
    assert host_state("localcloud-") == before
    assert mount_count() == mounts_before


@pytest.fixture(scope="module")
def created(deployment):
    done = deployment.heat("stack-create", "demo", "-f", EXAMPLE, "--wait", timeout=300)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    server_id = deployment.heat("output-show", "demo", "InstanceId").stdout.strip()
    return done.stdout, server_id


def test_the_server_boots_and_its_cfn_signal_completes_the_wait_condition(deployment, created):
    out, server_id = created
    assert "localcloud servers: container mode" in deployment.lines
    events = event_lines(out)
    assert events[0] == ("demo", "CREATE_IN_PROGRESS", "Stack CREATE started")
    assert ("WebServer", "CREATE_COMPLETE", "state changed") in events
    assert (
        "WebServerHandle",
        "CREATE_COMPLETE",
        f"Signal received: SUCCESS (UniqueId {server_id}): cfn-init configured the server",
    ) in events
    assert events[-2:] == [
        ("WebServerReady", "CREATE_COMPLETE", "state changed"),
        ("demo", "CREATE_COMPLETE", "Stack CREATE completed successfully"),
    ]
    # The data cfn-signal sent: the report cfn-init's command wrote, from inside the server.
    signal_data = json.loads(deployment.heat("output-show", "demo", "Signal").stdout)
    report = signal_data[server_id].splitlines()
    assert re.fullmatch(r"host demo-WebServer-\w+: Hello from cfn-init \(stack demo\)", report[0])
    assert report[1:] == [
        "/etc/demo/greeting.txt 644 root:root 33 bytes",
        "/etc/demo/app.conf 640 root:adm 98 bytes",
    ]
    # The server runs, with the init and what cloud-init left running, in its namespaces.
    assert server_processes(deployment.servers_dir)


def test_cfn_init_wrote_the_declared_files_in_the_servers_root(deployment, created):
    _, server_id = created
    guest = deployment.root(server_id)

    def guest_file(path):
        found = guest.guest_path(path)
        assert found is not None and os.path.isfile(found), path
        return found, os.stat(found)

    path, info = guest_file("/etc/demo/greeting.txt")
    assert path == os.path.join(guest.upper, "etc/demo/greeting.txt")  # the server's write
    assert pathlib.Path(path).read_text() == "Hello from cfn-init (stack demo)\n"
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o644, 0, 0)
    path, info = guest_file("/etc/demo/app.conf")
    assert pathlib.Path(path).read_text() == (
        "# Written by cfn-init on demo's WebServer.\n"
        "stack_name = demo\nregion = RegionOne\noutcome = success\n"
    )
    # Owner root, group adm as the server's own /etc/group says (the base image's).
    adm = next(
        int(line.split(":")[2])
        for line in pathlib.Path(guest_file("/etc/group")[0]).read_text().splitlines()
        if line.startswith("adm:")
    )
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o640, 0, adm)
    path, info = guest_file("/usr/local/bin/demo-report")
    assert stat.S_IMODE(info.st_mode) == 0o755
    # The command ran: its output is in the server, not on the host.
    path, _ = guest_file("/var/lib/demo-report.txt")
    assert pathlib.Path(path).read_text().startswith("host demo-WebServer-")
    assert not os.path.exists("/etc/demo/greeting.txt")
    assert not os.path.exists("/var/lib/demo-report.txt")
    # cloud-init created Heat's instance user in the server only.
    assert "ec2-user:" in pathlib.Path(guest_file("/etc/passwd")[0]).read_text()
    with pytest.raises(KeyError):
        pwd.getpwnam("ec2-user")


def test_cfn_init_read_the_metadata_through_describe_stack_resource(deployment, created):
    _, server_id = created
    guest = deployment.root(server_id)
    log = pathlib.Path(guest.upper, "var/log/cfn-init.log").read_text()

    # boto 2's debug log: the signed request, scoped to service "127" (the host's label).
    assert "'Action': 'DescribeStackResource'" in log
    assert "'StackName': 'demo', 'LogicalResourceId': 'WebServer'" in log
    assert re.search(r"Credential=\w+/\d{8}/0/127/aws4_request", log)
    # Not the copy of the metadata in the user data: cfn-init falls back to it only when
    # the remote read fails, and says so.
    assert "Unable to retrieve remote metadata" not in log
    assert "Opened local metadata" not in log
    # cfn-signal reported to the handle URL on the CFN port heat-all really listens on.
    (cfn_line,) = [line for line in deployment.lines if line.startswith("heat-api-cfn serving")]
    cfn_port = re.search(r":(\d+)/v1$", cfn_line).group(1)
    signal_log = pathlib.Path(guest.upper, "var/log/cfn-signal.log").read_text()
    assert f"http://127.0.0.1:{cfn_port}/v1/waitcondition/" in signal_log


def test_a_failing_user_data_fails_the_stack_and_rollback_removes_the_server(deployment):
    done = deployment.heat(
        "stack-create", "broken", "-f", EXAMPLE, "-P", "Outcome=failure", "--wait", timeout=300
    )

    assert done.returncode == 1
    match = FAILURE_REASON.match(done.stderr.strip())
    assert match, done.stderr
    server_id = match.group(1)
    events = event_lines(done.stdout)
    assert (
        "WebServerReady",
        "CREATE_FAILED",
        f"CREATE failed: FAILURE signal received (UniqueId {server_id}): cfn-init exited with "
        "status 1 (see /var/log/cfn-init.log)",
    ) in events
    assert ("WebServer", "DELETE_COMPLETE", "state changed") in events
    assert events[-1] == ("broken", "ROLLBACK_COMPLETE", "Stack ROLLBACK completed successfully")
    # The server is gone: its processes, mounts and directory.
    wait_until(
        lambda: not (deployment.servers_dir / server_id).exists(), what="the server's directory"
    )
    assert server_processes(deployment.servers_dir / server_id) == []
    shown = deployment.heat("stack-show", "broken")
    assert "ROLLBACK_COMPLETE" in shown.stdout


def test_delete_leaves_no_process_mount_or_directory(deployment, created):
    _, server_id = created
    directory = deployment.servers_dir / server_id
    init = runner.ProcessRef.from_dict(json.loads((directory / "state.json").read_text())["init"])
    pids = runner.processes_in_namespace_of(init)
    assert init.pid in pids
    mounts = mount_count()

    done = deployment.heat("stack-delete", "-y", "--wait", "demo", timeout=120)

    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "Stack demo DELETE_COMPLETE")
    wait_until(lambda: not directory.exists(), what="the server's directory")
    assert [pid for pid in pids if os.path.exists(f"/proc/{pid}")] == []
    assert not init.alive()
    assert server_processes(deployment.servers_dir) == []
    assert mount_count() == mounts
    assert os.listdir(deployment.servers_dir) == []
