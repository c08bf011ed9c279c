"""LocalCloud as a server: restart keeps state, clouds.yaml works for openstacksdk and the
`openstack` CLI, other apps can be mounted, connections are kept alive."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys

import openstack
import requests
import webob
import webob.dec
import yaml
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from heat.localcloud import LocalCloud
from heat_tests.localcloud.helpers import call, wait_for_status


def _session(cloud):
    return ks_session.Session(auth=v3.Password(**cloud.credentials()))


def test_state_survives_a_restart(tmp_path):
    state = str(tmp_path / "state")
    with LocalCloud(state, boot_delay=0) as cloud:
        session = _session(cloud)
        image = call(session, "image", "GET", "/v2/images").json()["images"][0]["id"]
        body = {"server": {"name": "keeper", "imageRef": image, "flavorRef": "2"}}
        server_id = call(session, "compute", "POST", "/servers", "2.1", body).json()["server"]["id"]
        call(session, "compute", "POST", "/os-keypairs", "2.1", {"keypair": {"name": "kp"}})
        token = session.get_token()
    with LocalCloud(state) as cloud:
        assert os.path.exists(os.path.join(state, "localcloud.sqlite"))
        # The old token is still valid, as Keystone tokens are.
        response = requests.get(
            f"{cloud.url}/compute/v2.1/servers/{server_id}",
            headers={"X-Auth-Token": token},
            timeout=5,
        )
        server = response.json()["server"]
        assert (server["name"], server["status"], server["flavor"]["id"]) == (
            "keeper",
            "ACTIVE",
            "2",
        )
        keypairs = call(_session(cloud), "compute", "GET", "/os-keypairs").json()["keypairs"]
        assert [k["keypair"]["name"] for k in keypairs] == ["kp"]


def test_clouds_yaml_with_openstacksdk(localcloud, monkeypatch):
    with open(localcloud.clouds_yaml) as stream:
        clouds = yaml.safe_load(stream)["clouds"]
    assert clouds["localcloud"] == {
        "auth": localcloud.credentials(),
        "region_name": "RegionOne",
        "identity_api_version": 3,
        "interface": "public",
    }
    assert oct(os.stat(localcloud.clouds_yaml).st_mode & 0o777) == "0o600"
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", localcloud.clouds_yaml)
    conn = openstack.connect(cloud="localcloud")
    image = conn.image.find_image("F19-x86_64-cfntools")
    flavor = conn.compute.find_flavor("m1.tiny")
    created = conn.compute.create_server(
        name="sdk", image_id=image.id, flavor_id=flavor.id, networks="auto"
    )
    server = conn.compute.wait_for_server(created, status="ACTIVE", interval=0.05, wait=5)
    assert server.name == "sdk"
    assert [s.name for s in conn.compute.servers()] == ["sdk"]
    conn.compute.delete_server(server)
    assert list(conn.compute.servers()) == []


def test_openstack_cli_server_list(localcloud):
    session = _session(localcloud)
    image = call(session, "image", "GET", "/v2/images?name=F17-i386-cfntools").json()
    body = {"server": {"name": "cli", "imageRef": image["images"][0]["id"], "flavorRef": "1"}}
    server_id = call(session, "compute", "POST", "/servers", "2.1", body).json()["server"]["id"]
    wait_for_status(session, server_id, "ACTIVE")
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=localcloud.clouds_yaml)
    openstack_cli = os.path.join(os.path.dirname(sys.executable), "openstack")
    result = subprocess.run(
        [openstack_cli, "--os-cloud", "localcloud", "server", "list", "-f", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["Name"], r["Status"], r["Image"], r["Flavor"]) for r in rows] == [
        ("cli", "ACTIVE", "F17-i386-cfntools", "m1.tiny")
    ]
    assert rows[0]["Networks"] == {"private": ["10.0.0.3"]}


def test_mount_serves_another_app(localcloud):
    @webob.dec.wsgify
    def hello(req):
        return webob.Response(json_body={"path": req.path_info, "script": req.script_name})

    localcloud.mount("/orchestration", hello)
    answer = requests.get(f"{localcloud.url}/orchestration/v1/stacks", timeout=5).json()
    assert answer == {"path": "/v1/stacks", "script": "/orchestration"}


def test_requests_share_one_kept_alive_connection(localcloud):
    conn = http.client.HTTPConnection("127.0.0.1", localcloud.port, timeout=5)
    conn.request("GET", "/identity/v3")
    first = conn.getresponse()
    assert (first.status, first.version, first.getheader("Connection")) == (200, 11, None)
    first.read()
    port = conn.sock.getsockname()[1]
    conn.request("GET", "/identity/v3")
    assert conn.getresponse().read() and conn.sock.getsockname()[1] == port
