"""Every template of the shared corpus through the real `heat` CLI against one heat-all:
the creatable ones created with --wait (the test signalling their wait conditions with the
real cfn-signal), their outputs, an update, a delete that leaves localcloud and the
identity store as they were; the others refused with their unsupported types or cycle.
The table is heat_tests/catalogue/table.py."""

from __future__ import annotations

import os
import re

import pytest

from heat.engine import template_format
from heat.engine.resources import default_registry
from heat_tests.catalogue import server_side
from heat_tests.catalogue.conftest import KEY_NAME
from heat_tests.catalogue.table import (
    CATALOGUE,
    NESTED_FILE,
    NESTED_URL,
    ROOT,
    Cloud,
    Creatable,
    Cyclic,
    Pattern,
    Unsupported,
)
from heat_tests.engine.test_shared_templates import CYCLES, corpus

CREATABLE = sorted(name for name, entry in CATALOGUE.items() if isinstance(entry, Creatable))
REFUSED = sorted(name for name in CATALOGUE if name not in CREATABLE)
LINE_SUFFIX = re.compile(r" \(line \d+:\d+\)$")


def parse(name: str) -> dict:
    with open(os.path.join(ROOT, name), "rb") as handle:
        return template_format.parse(handle.read())[0]


def stack_name(template: str) -> str:
    return "c-" + re.sub(r"[^A-Za-z0-9]+", "-", template).strip("-")


def joined(parameters: dict) -> str:
    return ";".join(f"{k}={v}" for k, v in parameters.items())


# -- the table ---------------------------------------------------------------------------


def test_the_catalogue_covers_the_corpus():
    assert sorted(CATALOGUE) == corpus()


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_the_table_is_honest(name):
    """Unsupported entries list exactly the template's unregistered types; every other
    template uses registered types only; cycles are the validation table's."""
    entry = CATALOGUE[name]
    registry = default_registry()
    unregistered = {
        resource: body["Type"]
        for resource, body in parse(name)["Resources"].items()
        if body["Type"] not in registry
    }
    assert unregistered == (entry.resources if isinstance(entry, Unsupported) else {})
    assert isinstance(entry, Cyclic) == ("invalid" in name.split("/"))
    if isinstance(entry, Cyclic):
        assert entry.cycle == CYCLES[name]


# -- refused templates -------------------------------------------------------------------


def _given(name: str, entry) -> dict:
    declared = parse(name).get("Parameters", {})
    given = dict(getattr(entry, "parameters", {}))
    if "KeyName" in declared and "Default" not in declared["KeyName"]:
        given.setdefault("KeyName", KEY_NAME)
    return given


@pytest.mark.parametrize("name", REFUSED)
def test_refused_with_its_findings(deployment, name):
    entry = CATALOGUE[name]
    stack = stack_name(name)
    argv = ["stack-create", stack, "-f", os.path.join(ROOT, name)]
    given = _given(name, entry)
    if given:
        argv += ["-P", joined(given)]
    done = deployment.heat(*argv, "--wait")

    assert (done.returncode, done.stdout) == (1, "")
    lines = done.stderr.splitlines()
    assert all(LINE_SUFFIX.search(line) for line in lines), done.stderr
    found = sorted(LINE_SUFFIX.sub("", line) for line in lines)
    if isinstance(entry, Unsupported):
        expected = [
            f'ERROR: Resources.{resource}.Type: unsupported resource type "{kind}"'
            for resource, kind in entry.resources.items()
        ]
        expected += [f"ERROR: {message}" for message in entry.extra]
    else:
        first = entry.cycle.split(" -> ")[0]
        expected = [f"ERROR: Resources.{first}: circular dependency: {entry.cycle}"]
    assert found == sorted(expected)
    assert deployment.heat("stack-show", stack).returncode == 1  # nothing was made


# -- creatable templates -----------------------------------------------------------------


def cloud_state(deployment) -> dict:
    conn = deployment.conn
    return {
        "servers": {s.id for s in deployment.nova.servers.list()},
        "volumes": {v.id for v in conn.block_storage.volumes()},
        "snapshots": {s.id for s in conn.block_storage.snapshots()},
        "floating IPs": {f.id for f in conn.network.ips()},
        "security groups": {g.id for g in conn.network.security_groups() if g.name != "default"},
    }


def counts(state: dict, before: dict) -> Cloud:
    new = {key: state[key] - before[key] for key in state}
    assert new["snapshots"] == set()
    return Cloud(
        servers=len(new["servers"]),
        volumes=len(new["volumes"]),
        floating_ips=len(new["floating IPs"]),
        security_groups=len(new["security groups"]),
    )


class Facts:
    """The fields outputs are checked with (see table.py), from localcloud."""

    def __init__(self, deployment, stack: str, before: dict):
        servers = [s for s in deployment.nova.servers.list() if s.id not in before["servers"]]
        self.servers = servers
        self.ip = {s.metadata.get("heat:resource_name"): _fixed_ip(s) for s in servers}
        self.id = {s.metadata.get("heat:resource_name"): s.id for s in servers}
        self.flavor = {
            s.metadata.get("heat:resource_name"): s.flavor["original_name"] for s in servers
        }
        fips = [
            f.floating_ip_address
            for f in deployment.conn.network.ips()
            if f.id not in before["floating IPs"]
        ]
        self.fields = {
            "ip": self.ip,
            "id": self.id,
            "flavor": self.flavor,
            "fip": fips[0] if len(fips) == 1 else None,
            "stack": stack,
            "cfn": deployment.cfn_url,
        }

    def expected(self, value):
        if isinstance(value, Pattern):
            escaped = {
                k: {n: re.escape(str(x)) for n, x in v.items()}
                if isinstance(v, dict)
                else re.escape(str(v))
                for k, v in self.fields.items()
            }
            return re.compile(value.format(**escaped))
        return value.format(**self.fields)


def _fixed_ip(server) -> str:
    (addresses,) = server.addresses.values()
    return [a["addr"] for a in addresses if a.get("OS-EXT-IPS:type", "fixed") == "fixed"][0]


def table_rows(stdout: str) -> list[dict]:
    """The rows of one of the CLI's tables, cut at the header's column starts."""
    header, _, *rows = stdout.splitlines()
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    return [{n: row[a:b].strip() for n, (a, b) in zip(names, bounds, strict=True)} for row in rows]


def check_outputs(deployment, stack: str, expected: dict, facts: Facts) -> None:
    done = deployment.heat("output-list", stack)
    assert (done.returncode, done.stderr) == (0, "")
    shown = {row["output_key"]: row["output_value"] for row in table_rows(done.stdout)}
    assert sorted(shown) == sorted(expected)
    for key, value in expected.items():
        want = facts.expected(value)
        if isinstance(want, re.Pattern):
            # A long value may be cut short in the table: the full one from output-show.
            full = deployment.heat("output-show", stack, key).stdout.rstrip("\n")
            assert want.fullmatch(full), (key, full, want.pattern)
        else:
            assert shown[key] == want, key


def nested_stacks(deployment, stack: str) -> dict:
    """AWS::CloudFormation::Stack resource -> the nested stack's id."""
    return {
        r.resource_name: r.physical_resource_id
        for r in deployment.api.resources.list(stack)
        if r.resource_type == server_side.NESTED_STACK
    }


def _ok(done, stack: str, status: str) -> str:
    assert done.returncode == 0, done.stderr + done.stdout[-3000:]
    assert done.stdout.splitlines()[-1] == f"Stack {stack} {status}"
    return done.stdout


def _template_file(name: str, entry: Creatable, template_server, tmp_path) -> str:
    path = os.path.join(ROOT, name)
    if not entry.nested_url:
        return path
    served, base = template_server
    with open(os.path.join(ROOT, NESTED_FILE)) as source:
        (served / os.path.basename(NESTED_FILE)).write_text(source.read())
    with open(path) as handle:
        text = handle.read()
    assert NESTED_URL in text
    copy = tmp_path / os.path.basename(name)
    copy.write_text(text.replace(NESTED_URL, f"{base}/{os.path.basename(NESTED_FILE)}"))
    return str(copy)


@pytest.mark.parametrize("name", CREATABLE)
def test_create_update_delete(deployment, template_server, tmp_path, name):
    entry = CATALOGUE[name]
    heat = deployment.heat
    stack = stack_name(name)
    before, identity_before = cloud_state(deployment), deployment.identity()
    guest = server_side.guest_for(tmp_path / "guest", deployment.cfn_url)
    template = _template_file(name, entry, template_server, tmp_path)

    side = server_side.ServerSide(deployment.api, guest, stack).start_watching()
    try:
        done = heat(
            "stack-create", stack, "-f", template, "-P", joined(entry.parameters), "--wait",
            timeout=180,
        )  # fmt: skip
    finally:
        side.stop()
    _ok(done, stack, "CREATE_COMPLETE")
    assert side.errors == []
    assert [(s.returncode, s.stderr) for s in side.signals] == [(0, "")] * len(side.signals)
    assert side.counts() == entry.signals
    assert all(s.url.startswith(f"{deployment.cfn_url}/waitcondition/") for s in side.signals)

    assert counts(cloud_state(deployment), before) == entry.cloud
    facts = Facts(deployment, stack, before)
    check_outputs(deployment, stack, entry.outputs, facts)
    if entry.stack_user:
        grown = deployment.identity()
        assert len(grown["stack users"]) == len(identity_before["stack users"]) + 1
        assert len(grown["ec2 credentials"]) == len(identity_before["ec2 credentials"]) + 1

    update = entry.update
    if update is not None:
        nested = nested_stacks(deployment, stack)
        done = heat("stack-update", stack, "-x", "-P", joined(update.parameters), "--wait")
        _ok(done, stack, "UPDATE_COMPLETE")
        now = Facts(deployment, stack, before)
        alive = {s.id for s in now.servers}
        for server in update.replaced:
            assert now.id[server] != facts.id[server], server
            assert facts.id[server] not in alive
            if update.flavor:
                assert now.flavor[server] == update.flavor
        for server in update.resized:
            assert now.id[server] == facts.id[server], server
            assert now.flavor[server] == update.flavor
        for server in update.kept:
            assert now.id[server] == facts.id[server], server
        assert counts(cloud_state(deployment), before) == (update.cloud or entry.cloud)
        assert nested_stacks(deployment, stack) == nested  # updated, not recreated
        check_outputs(deployment, stack, update.outputs or entry.outputs, now)

    done = heat("stack-delete", "-y", "--wait", stack)
    _ok(done, stack, "DELETE_COMPLETE")
    assert cloud_state(deployment) == before
    assert deployment.identity() == identity_before


def test_parameters_are_the_templates_own():
    """Every parameter the table gives is declared by its template (a typo would otherwise
    only show as a validation error)."""
    for name in CREATABLE:
        declared = parse(name).get("Parameters", {})
        entry = CATALOGUE[name]
        given = set(entry.parameters) | set(entry.update.parameters if entry.update else ())
        assert given <= set(declared), name
