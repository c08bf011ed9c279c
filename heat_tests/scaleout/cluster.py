"""A Heat cluster as subprocesses: heat-localcloud, N x heat-engine and heat-api, sharing
RabbitMQ and a throwaway PostgreSQL or MariaDB database; plus the REST calls the tests make."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid

import pytest
import requests
import yaml

from heat_tests.cmd.processes import BIN, clean_env
from heat_tests.fixtures.databases import ThrowawayDatabase, ensure_server

RABBIT = ("127.0.0.1", 5672)


def rabbit_reachable() -> bool:
    try:
        socket.create_connection(RABBIT, timeout=1).close()
        return True
    except OSError:
        return False


def start_process(argv: list[str], ready: str, log_path, timeout: float = 90) -> subprocess.Popen:
    """Start `argv` with stderr to `log_path`; return once a stdout line starts with `ready`
    (kept as `ready_line`). stdout is not read afterwards: these commands print little."""
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True, env=clean_env())
    proc.log_file = log
    deadline = time.time() + timeout
    line = ""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line or line.startswith(ready):
            break
    if not line.startswith(ready):
        proc.kill()
        log.close()
        pytest.fail(f"{argv[0]} did not start: {open(log_path).read()[-3000:]}")
    proc.ready_line = line.strip()
    return proc


def stop_process(proc: subprocess.Popen, timeout: float = 60) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log_file.close()


class Cluster:
    """The processes of one cluster; `start()` them, `stop()` them."""

    def __init__(self, state, backend: str, engines: int = 3, workers: int = 8):
        self.state = state
        self.backend = backend
        self.engine_count = engines
        self.workers = workers
        self.database: ThrowawayDatabase | None = None
        self.localcloud = None
        self.engines: list[subprocess.Popen] = []
        self.api = None
        self.api_url = ""
        self.project_id = ""
        self.token = ""
        self.cloud: dict = {}

    # -- life --

    def start(self) -> Cluster:
        reason = ensure_server(self.backend)
        if reason is not None:
            pytest.skip(reason)
        self.database = ThrowawayDatabase(self.backend, str(self.state))
        self.localcloud = start_process(
            [os.path.join(BIN, "heat-localcloud"), "--state-dir", str(self.state / "cloud"),
             "--port", "0", "--boot-delay", "1"],
            "localcloud serving at ",
            self.state / "localcloud.log",
        )  # fmt: skip
        clouds = yaml.safe_load(open(self.state / "cloud" / "localcloud" / "clouds.yaml"))
        self.cloud = clouds["clouds"]["localcloud"]["auth"]
        self.conf = self.write_conf()
        booted = self.manage("bootstrap", "--project", "demo", "--user", "alice", "--password=pw")
        assert booted.returncode == 0, booted.stderr
        for index in range(self.engine_count):
            self.add_engine(index)
        self.api = start_process(
            [os.path.join(BIN, "heat-api"), "--config-file", self.conf],
            "heat-api serving at ",
            self.state / "api.log",
        )
        self.api_url = self.api.ready_line.split()[3]
        self.login()
        return self

    def add_engine(self, index: int) -> subprocess.Popen:
        proc = start_process(
            [os.path.join(BIN, "heat-engine"), "--config-file", self.conf],
            "heat-engine ",
            self.state / f"engine-{index}.log",
        )
        proc.engine_id = proc.ready_line.split()[1]
        self.engines.append(proc)
        return proc

    def stop(self) -> None:
        for proc in [self.api, *self.engines, self.localcloud]:
            if proc is not None:
                stop_process(proc)
        if self.database is not None:
            self.database.drop()

    def write_conf(self) -> str:
        path = self.state / "heat.conf"
        path.write_text(
            f"""[DEFAULT]
state_dir = {self.state}
transport_url = rabbit://guest:guest@127.0.0.1:5672/
engine_topic = heat-engine-{uuid.uuid4().hex[:10]}
auth_mode = local
heartbeat_interval = 0.5
engine_heartbeat_timeout = 3
engine_workers = {self.workers}
check_max_delay = 0.5
[database]
connection = {self.database.url}
[heat_api]
bind_host = 127.0.0.1
bind_port = 0
[cloud]
auth_url = {self.cloud["auth_url"]}
username = {self.cloud["username"]}
password = {self.cloud["password"]}
project_name = {self.cloud["project_name"]}
"""
        )
        return str(path)

    def manage(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(
            [os.path.join(BIN, "heat-manage"), "--config-file", self.conf, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=clean_env(),
        )

    # -- the REST API --

    def login(self) -> None:
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "alice", "domain": {"id": "default"}, "password": "pw"}
                    },
                },
                "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
            }
        }
        answer = requests.post(f"{self.api_url}/identity/v3/auth/tokens", json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        self.token = answer.headers["X-Subject-Token"]
        self.project_id = answer.json()["token"]["project"]["id"]

    def _url(self, path: str) -> str:
        return f"{self.api_url}/v1/{self.project_id}{path}"

    def create_stack(self, name: str, template: dict) -> str:
        answer = requests.post(
            self._url("/stacks"),
            json={"stack_name": name, "template": template, "disable_rollback": False},
            headers={"X-Auth-Token": self.token},
            timeout=120,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["stack"]["id"]

    def delete_stack(self, name: str, stack_id: str) -> None:
        answer = requests.delete(
            self._url(f"/stacks/{name}/{stack_id}"),
            headers={"X-Auth-Token": self.token},
            timeout=120,
        )
        assert answer.status_code in (202, 204), answer.text

    def stacks(self) -> dict[str, str]:
        """{name: stack_status} of the project's stacks."""
        answer = requests.get(
            self._url("/stacks"), headers={"X-Auth-Token": self.token}, timeout=120
        )
        assert answer.status_code == 200, answer.text
        self.reasons = {s["stack_name"]: s["stack_status_reason"] for s in answer.json()["stacks"]}
        return {s["stack_name"]: s["stack_status"] for s in answer.json()["stacks"]}

    # -- the cloud --

    def servers(self) -> list:
        """Every server of localcloud's demo project (the project the engines work in)."""
        from keystoneauth1 import session as ks_session
        from keystoneauth1.identity import v3
        from novaclient import client as nova_client

        auth = v3.Password(
            auth_url=self.cloud["auth_url"],
            username=self.cloud["username"],
            password=self.cloud["password"],
            project_name=self.cloud["project_name"],
            user_domain_name="Default",
            project_domain_name="Default",
        )
        nova = nova_client.Client("2.1", session=ks_session.Session(auth=auth))
        return nova.servers.list(detailed=True)
