"""API benchmark: one stack among 100, shown over and over, loaded from a second process.

    python -m heat_tests.benchmarks.api_cfn [--api cfn|native] [--stacks 100] [--seconds 10]
                                            [--threads 4] [--engine rpc|direct]

--api cfn: heat-api-cfn's DescribeStacks (StackName=the stack's name), SigV4-signed;
--api native: heat-api's GET /v1/{project_id}/stacks/{name}/{id} with an X-Auth-Token.

The server side runs as heat-all does (engine behind the in-process RPC transport, the
identity store, SQLite in a temporary directory). The load generator is another process
with keep-alive connections; for the CFN API it signs a pool of requests with SigV4 up front
(the server verifies every one as usual) so that its own signing does not compete with the
server for the CPU; for the native API it sends a token issued up front. Prints one JSON
line: requests/s, latency percentiles in milliseconds and the server's CPU milliseconds per
request.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

TEMPLATE = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "Name": {"Type": "String", "Default": "bench"},
            "Password": {"Type": "String", "NoEcho": "true", "Default": "secret-pw"},
        },
        "Resources": {
            "Db": {"Type": "OS::Heat::TestResource", "Properties": {"value": {"Ref": "Name"}}},
            "App": {
                "Type": "OS::Heat::TestResource",
                "Properties": {"value": {"Fn::GetAtt": ["Db", "output"]}},
            },
        },
        "Outputs": {"Url": {"Value": {"Fn::GetAtt": ["App", "output"]}}},
    }
)


def serve(args) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from cryptography.fernet import Fernet

    from heat.api.cfn.app import make_app
    from heat.api.openstack.app import make_app as make_native_app
    from heat.api.server import HttpServer
    from heat.common import crypt
    from heat.common.context import RequestContext
    from heat.db import migration
    from heat.db.api import Database
    from heat.engine.service import EngineService
    from heat.identity import IdentityStore
    from heat.rpc import transport as rpc_transport
    from heat.rpc.client import EngineClient
    from heat.rpc.server import EngineServer

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/heat.sqlite"
        migration.db_sync(url)
        db = Database(url, crypter=crypt.Crypter(Fernet.generate_key().decode()))
        store = IdentityStore.for_database(db)
        project = store.create_project("bench")
        user = store.create_user("bench", "bench-password", project.id)
        store.grant(user.id, project.id, "member")
        access, secret = store.create_ec2_credentials(user.id, project.id)
        engine = EngineService(db).start()
        ctx = RequestContext(project.id, user.id, ("member",))
        ids = [
            engine.create_stack(ctx, f"stack-{i}", TEMPLATE)["stack_id"] for i in range(args.stacks)
        ]
        for stack_id in ids:
            engine.wait(stack_id, 60)
        transport = rpc_transport.in_process_transport()
        rpc = EngineServer(engine, transport).start()
        client = EngineClient(transport)
        backend = client if args.engine == "rpc" else engine
        name = f"stack-{args.stacks // 2}"
        if args.api == "cfn":
            http = HttpServer(make_app(backend, store, None, database=db)).start()
            target = ["--url", http.url + "/v1/", "--access", access, "--secret", secret]
        else:
            http = HttpServer(make_native_app(backend, store)).start()
            token = store.issue_token(user, project).id
            path = f"/v1/{project.id}/stacks/{name}/{ids[args.stacks // 2]}"
            target = ["--url", http.url + path, "--token", token]
        cpu_before = _cpu_seconds()
        try:
            load = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "heat_tests.benchmarks.api_cfn",
                    "load",
                    *target,
                    "--stack",
                    name,
                    "--seconds",
                    str(args.seconds),
                    "--threads",
                    str(args.threads),
                ],
                capture_output=True,
                text=True,
            )
            cpu = _cpu_seconds() - cpu_before
        finally:
            http.stop()
            rpc.stop()
            engine.stop()
            transport.cleanup()
            db.dispose()
    if load.returncode:
        sys.stderr.write(load.stderr)
        return load.returncode
    figures = json.loads(load.stdout)
    figures.update(
        {
            "stacks": args.stacks,
            "action": "DescribeStacks" if args.api == "cfn" else "GET /stacks/{name}/{id}",
            "engine": args.engine,
            "api": args.api,
            "cpus": os.cpu_count(),
            # The server's own CPU per answer: unlike requests/s, barely moved by other
            # work on the machine, so it shows what a change saved.
            "server_cpu_ms_per_request": round(1000 * cpu / max(1, figures["requests"]), 3),
        }
    )
    print(json.dumps(figures))
    return 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load(args) -> int:
    if args.token:
        pool = [(None, {"X-Auth-Token": args.token, "Accept": "application/json"})]
        return _run_load(args, lambda s, body, headers: s.get(args.url, headers=headers), pool)
    return _load_cfn(args)


def _load_cfn(args) -> int:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = Credentials(args.access, args.secret)
    params = {"Action": "DescribeStacks", "Version": "2010-05-15", "StackName": args.stack}
    pool = []
    for _ in range(64):
        request = AWSRequest(method="POST", url=args.url, data=params)
        SigV4Auth(credentials, "cloudformation", "RegionOne").add_auth(request)
        prepared = request.prepare()
        pool.append((prepared.body, dict(prepared.headers)))
        time.sleep(0.001)
    return _run_load(
        args, lambda s, body, headers: s.post(args.url, data=body, headers=headers), pool
    )


def _run_load(args, send, pool) -> int:
    import requests

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + args.seconds

    def worker(index: int):
        session = requests.Session()
        mine, n = [], index
        while time.perf_counter() < deadline:
            body, headers = pool[n % len(pool)]
            n += 1
            start = time.perf_counter()
            answer = send(session, body, headers)
            mine.append(time.perf_counter() - start)
            if answer.status_code != 200 or b"CREATE_COMPLETE" not in answer.content:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    print(
        json.dumps(
            {
                "requests": len(latencies),
                "errors": errors[0],
                "seconds": round(elapsed, 2),
                "requests_per_second": round(len(latencies) / elapsed, 1),
                "threads": args.threads,
                "p50_ms": pct(0.50),
                "p90_ms": pct(0.90),
                "p99_ms": pct(0.99),
                "max_ms": round(latencies[-1] * 1000, 2),
                "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
            }
        )
    )
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", nargs="?", default="serve", choices=["serve", "load"])
    parser.add_argument("--stacks", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--engine",
        choices=["rpc", "direct"],
        default="rpc",
        help="rpc: through EngineClient on the in-process transport, as heat-all; "
        "direct: the EngineService itself (the API's own cost)",
    )
    parser.add_argument("--api", choices=["cfn", "native"], default="cfn")
    parser.add_argument("--token")
    parser.add_argument("--url")
    parser.add_argument("--access")
    parser.add_argument("--secret")
    parser.add_argument("--stack")
    args = parser.parse_args(argv)
    return serve(args) if args.mode == "serve" else load(args)


if __name__ == "__main__":
    sys.exit(main())
