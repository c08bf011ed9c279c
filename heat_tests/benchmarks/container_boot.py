"""Benchmark: container servers from the create request to cloud-init finished; one JSON line.

python -m heat_tests.benchmarks.container_boot [--parallel 10] [--image-cache DIR]

Needs root and the base image (built first if not cached, about a minute). Each server is
created through python-novaclient on an in-process localcloud in container mode with the
user data Heat builds around a small UserData script, and timed until its init reports that
all four cloud-init stages finished. Reported for 1 server alone and for --parallel servers
created at once: seconds to the last server finished, and the slowest and median servers.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import tempfile
import time

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client

from heat.engine.userdata import UserdataSettings, build_userdata
from heat.localcloud import LocalCloud
from heat.localcloud.settings import Settings

SCRIPT = "#!/bin/sh\necho provisioned > /root/provisioned\n"
SETTINGS = UserdataSettings(
    metadata_server_url="http://127.0.0.1:8000",
    waitcondition_server_url="http://127.0.0.1:8000/v1/waitcondition",
    watch_server_url="http://127.0.0.1:8003",
)


def _finished_at(cloud, server_id: str) -> float | None:
    for at, name, _ in cloud.app.nova.machines.root(server_id).read_events():
        if name == "finished":
            return at
    return None


def boot(cloud, nova, count: int, timeout: float = 300.0) -> dict:
    """Create `count` servers at once; seconds from the first request to each one finished."""
    user_data = build_userdata(SETTINGS, base64.b64encode(SCRIPT.encode()).decode(), None).mime
    image = nova.glance.find_image("F17-x86_64-cfntools")
    started = time.time()
    ids = [
        nova.servers.create(f"bench-{count}-{i}", image, "1", userdata=user_data).id
        for i in range(count)
    ]
    created = time.time() - started
    done: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(done) < count and time.monotonic() < deadline:
        for server_id in ids:
            if server_id not in done:
                at = _finished_at(cloud, server_id)
                if at is not None:
                    done[server_id] = at - started
        time.sleep(0.01)
    if len(done) < count:
        raise SystemExit(f"{count - len(done)} of {count} servers did not finish in {timeout}s")
    for server_id in ids:
        nova.servers.delete(server_id)
    for server_id in ids:
        cloud.app.nova.machines.wait_idle(server_id)
    seconds = sorted(done.values())
    return {
        "servers": count,
        "create_requests_s": round(created, 3),
        "all_finished_s": round(seconds[-1], 3),
        "median_s": round(statistics.median(seconds), 3),
        "fastest_s": round(seconds[0], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument(
        "--image-cache",
        default=os.environ.get("HEAT_LOCALCLOUD_IMAGE_CACHE", "/var/cache/heat-localcloud-image"),
    )
    args = parser.parse_args()
    settings = Settings(boot_mode="container", image_cache_dir=args.image_cache)
    with tempfile.TemporaryDirectory(prefix="heat-container-bench-") as state_dir:
        cloud = LocalCloud(state_dir, settings=settings).start()
        try:
            session = ks_session.Session(auth=v3.Password(**cloud.credentials()))
            nova = nova_client.Client("2.1", session=session)
            result = {
                "benchmark": "container_boot",
                "cpus": os.cpu_count(),
                "one": boot(cloud, nova, 1),
                "parallel": boot(cloud, nova, args.parallel),
            }
        finally:
            cloud.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
