"""Benchmark: a stack of N servers on an in-process localcloud; prints one JSON line.

python -m heat_tests.benchmarks.servers --n 50 --boot-delay 1

Each server is an AWS::EC2::Instance with a keypair, base64 UserData and cfn-init
Metadata, so every one goes through the cloud checks, the user data builder and
python-novaclient over HTTP. Reported: seconds from create_stack to CREATE_COMPLETE and
from delete_stack to DELETE_COMPLETE (targets with a 1 s boot delay: <= 3 s each), and the
servers localcloud holds after each phase.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time

from cryptography.fernet import Fernet
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client

from heat.common import crypt
from heat.common.context import RequestContext
from heat.db import migration
from heat.db.api import Database
from heat.engine.clients.session import CloudCredentials
from heat.engine.service import EngineService
from heat.localcloud import LocalCloud

KEY_NAME = "bench_key"


def template(n: int) -> str:
    server = {
        "Type": "AWS::EC2::Instance",
        "Metadata": {"AWS::CloudFormation::Init": {"config": {"files": {}}}},
        "Properties": {
            "ImageId": "F17-x86_64-cfntools",
            "InstanceType": "m1.small",
            "KeyName": {"Ref": "KeyName"},
            "UserData": {"Fn::Base64": "#!/bin/sh\necho benchmark\n"},
            "Tags": [{"Key": "role", "Value": "bench"}],
        },
    }
    return json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"KeyName": {"Type": "AWS::EC2::KeyPair::KeyName"}},
            "Resources": {f"Server{i}": server for i in range(n)},
            "Outputs": {"First": {"Value": {"Fn::GetAtt": ["Server0", "PublicIp"]}}},
        }
    )


def run(n: int, boot_delay: float, workers: int | None) -> dict:
    workdir = tempfile.mkdtemp(prefix="heat-bench-servers-")
    cloud = LocalCloud(f"{workdir}/localcloud", boot_delay=boot_delay).start()
    url = f"sqlite:///{workdir}/heat.sqlite"
    migration.db_sync(url)
    db = Database(url, crypter=crypt.Crypter(Fernet.generate_key().decode()))
    kwargs = {}
    if workers:
        from heat.engine.scheduler import Scheduler

        kwargs["scheduler"] = Scheduler(max_workers=workers)
    engine = EngineService(
        db, cloud=CloudCredentials.from_dict(cloud.credentials()), **kwargs
    ).start()
    nova = nova_client.Client(
        "2.1", session=ks_session.Session(auth=v3.Password(**cloud.credentials()))
    )
    nova.keypairs.create(KEY_NAME)
    ctx = RequestContext("bench", "bench")
    figures = {"benchmark": "servers", "n": n, "boot_delay": boot_delay}
    try:
        started, cpu = time.perf_counter(), time.process_time()
        stack_id = engine.create_stack(ctx, "bench", template(n), {"KeyName": KEY_NAME})["stack_id"]
        engine.wait(stack_id)
        figures["create_seconds"] = round(time.perf_counter() - started, 3)
        # Engine and localcloud share this process: its CPU time says how much of the wall
        # time was work here rather than waiting (boot delay, other processes).
        figures["create_cpu_seconds"] = round(time.process_time() - cpu, 3)
        stack = engine.show_stack(ctx, stack_id)
        figures["create_status"] = stack["stack_status"]
        figures["servers_after_create"] = len(nova.servers.list())

        started, cpu = time.perf_counter(), time.process_time()
        engine.delete_stack(ctx, stack_id)
        engine.wait(stack_id)
        figures["delete_seconds"] = round(time.perf_counter() - started, 3)
        figures["delete_cpu_seconds"] = round(time.process_time() - cpu, 3)
        figures["delete_status"] = engine.list_stacks(ctx, show_deleted=True)[0]["stack_status"]
        figures["servers_after_delete"] = len(nova.servers.list())
    finally:
        engine.stop()
        if workers:
            kwargs["scheduler"].shutdown(wait=True)
        db.dispose()
        cloud.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m heat_tests.benchmarks.servers")
    parser.add_argument("--n", type=int, default=50, help="servers in the stack")
    parser.add_argument("--boot-delay", type=float, default=1.0, help="localcloud BUILD seconds")
    parser.add_argument("--workers", type=int, help="engine worker threads (default: engine's)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.n, args.boot_delay, args.workers)))


if __name__ == "__main__":
    main()
