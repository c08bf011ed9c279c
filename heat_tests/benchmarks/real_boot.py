"""Benchmark: boot-to-signal, stacks of examples/real_boot.yaml on heat-all in container mode.

python -m heat_tests.benchmarks.real_boot [--parallel 10] [--image-cache DIR]

Needs root and the base image (built first if not cached, about a minute or two). heat-all
runs as a subprocess (--boot-mode container); stacks are created through python-heatclient
and polled every 20 ms. Each stack boots one server whose UserData runs the real cfn-init
(metadata through DescribeStackResource) and cfn-signal, which completes its wait
condition. Reported for 1 stack alone and for --parallel stacks created at once, in seconds
from the first create request:

  signalled_*   until a stack is CREATE_COMPLETE (its server's signal has arrived)
  init_*        until the server's init started (engine, Nova request, overlay, namespaces)
  init_to_signal_*  from the server's init starting to its stack complete (cloud-init's four
                stages, cfn-init, cfn-signal, the engine noticing)

and delete_s, from the delete requests until every stack is gone. One JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from heatclient import client as heat_client
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from heat.cmd.all import read_rc
from heat.localcloud.container.image import ImageCache, ImageSpec, TerminalProgress

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "real_boot.yaml"
POLL = 0.02


def start_heat_all(state: str, image_cache: str) -> subprocess.Popen:
    log = open(os.path.join(state, "heat-all.log"), "wb")  # noqa: SIM115 (kept for the child)
    proc = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "heat-all"), "--state-dir", state,
         "--boot-mode", "container", "--image-cache-dir", image_cache, "--api-port", "0",
         "--cfn-port", "0", "--cloudwatch-port", "0", "--localcloud-port", "0"],
        stdout=subprocess.PIPE, stderr=log, text=True,
    )  # fmt: skip
    log.close()
    for line in proc.stdout:
        if line.startswith("credentials: source"):
            return proc
    raise SystemExit(f"heat-all did not start; see {state}/heat-all.log")


def heat_for(state: str):
    rc = read_rc(os.path.join(state, "heatrc"))
    auth = v3.Password(
        auth_url=rc["OS_AUTH_URL"],
        username=rc["OS_USERNAME"],
        password=rc["OS_PASSWORD"],
        project_name=rc["OS_PROJECT_NAME"],
        user_domain_name=rc["OS_USER_DOMAIN_NAME"],
        project_domain_name=rc["OS_PROJECT_DOMAIN_NAME"],
    )
    return heat_client.Client("1", session=ks_session.Session(auth=auth))


def init_started_at(state: str, server_id: str) -> float | None:
    events = pathlib.Path(state, "localcloud", "servers", server_id, "run", "events")
    for line in events.read_text().splitlines():
        words = line.split()
        if len(words) >= 2 and words[1] == "boot":
            return float(words[0])
    return None


def run(heat, state: str, count: int, timeout: float = 300.0) -> dict:
    template = EXAMPLE.read_text()
    names = [f"bench-{count}-{i}" for i in range(count)]
    started = time.time()
    for name in names:
        heat.stacks.create(stack_name=name, template=template, parameters={})
    requested = time.time() - started
    done: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(done) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{count - len(done)} of {count} stacks not complete in {timeout} s")
        for name in names:
            if name in done:
                continue
            stack = heat.stacks.get(name)
            if stack.stack_status == "CREATE_COMPLETE":
                done[name] = time.time() - started
            elif stack.stack_status != "CREATE_IN_PROGRESS":
                raise SystemExit(f"stack {name}: {stack.stack_status}: {stack.stack_status_reason}")
        time.sleep(POLL)
    inits, init_to_signal = [], []
    for name in names:
        outputs = {o["output_key"]: o["output_value"] for o in heat.stacks.get(name).outputs}
        at = init_started_at(state, outputs["InstanceId"]) - started
        inits.append(at)
        init_to_signal.append(done[name] - at)
    delete_started = time.time()
    for name in names:
        heat.stacks.delete(name)
    while any(s.stack_name in names for s in heat.stacks.list()):
        time.sleep(POLL)
    signalled = sorted(done.values())
    return {
        "stacks": count,
        "create_requests_s": round(requested, 3),
        "signalled_all_s": round(signalled[-1], 3),
        "signalled_median_s": round(statistics.median(signalled), 3),
        "signalled_fastest_s": round(signalled[0], 3),
        "init_median_s": round(statistics.median(inits), 3),
        "init_to_signal_median_s": round(statistics.median(init_to_signal), 3),
        "init_to_signal_max_s": round(max(init_to_signal), 3),
        "delete_s": round(time.time() - delete_started, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument(
        "--image-cache",
        default=os.environ.get("HEAT_LOCALCLOUD_IMAGE_CACHE", "/var/cache/heat-localcloud-image"),
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("container servers need root")
    ImageCache(args.image_cache).ensure(ImageSpec(), TerminalProgress(sys.stderr))
    with tempfile.TemporaryDirectory(prefix="heat-real-boot-bench-") as state:
        proc = start_heat_all(state, args.image_cache)
        try:
            heat = heat_for(state)
            result = {
                "benchmark": "real_boot",
                "cpus": os.cpu_count(),
                "one": run(heat, state, 1),
                "parallel": run(heat, state, args.parallel),
            }
        except SystemExit:
            # A stack that failed: heat-all's log says why (the state directory goes).
            log = pathlib.Path(state, "heat-all.log").read_text(errors="replace")
            print(log[-4000:], file=sys.stderr)
            raise
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
