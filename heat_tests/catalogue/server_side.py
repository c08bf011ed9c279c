"""What the servers of a stack would do, played by the test: signal wait conditions with the
real cfn-signal, and push metric data with the real cfn-push-stats.

`ServerSide` is a thread started before `heat stack-create --wait`: it watches the stack
(and its AWS::CloudFormation::Stack children) through heat-api, and once a WaitCondition is
CREATE_IN_PROGRESS it reads the condition's Handle and Count from the stack's template and
runs cfn-signal Count times on the handle's URL (the handle's physical resource id), each
with its own UniqueId, as Count servers would.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time

from heatclient import client as heat_client
from heatclient import exc as heat_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from heat_tests.api.cfn.test_signals import CFN_SIGNAL, Guest

NESTED_STACK = "AWS::CloudFormation::Stack"
WAIT_CONDITION = "AWS::CloudFormation::WaitCondition"


def session_for(rc: dict) -> ks_session.Session:
    """A keystoneauth1 session for the admin of heat-all's heatrc."""
    auth = v3.Password(
        auth_url=rc["OS_AUTH_URL"],
        username=rc["OS_USERNAME"],
        password=rc["OS_PASSWORD"],
        project_name=rc["OS_PROJECT_NAME"],
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return ks_session.Session(auth=auth)


def heat_api(session: ks_session.Session):
    return heat_client.Client("1", session=session)


@dataclasses.dataclass
class Signal:
    path: str  # "<condition>" or "<nested stack resource>/<condition>"
    url: str
    unique_id: str
    returncode: int
    stderr: str


class ServerSide(threading.Thread):
    """Signals the wait conditions of stack `name` (and of its nested stacks) as they start."""

    def __init__(self, heat, guest: Guest, name: str, timeout: float = 120.0):
        super().__init__(name=f"server-side-{name}", daemon=True)
        self.heat = heat
        self.guest = guest
        self.stack_name = name
        self.timeout = timeout
        self.signals: list[Signal] = []
        self.errors: list[str] = []
        self._done: set[tuple[str, str]] = set()  # (stack id, condition) signalled
        self._stopping = threading.Event()

    def start_watching(self) -> ServerSide:
        self.start()
        return self

    def stop(self) -> ServerSide:
        self._stopping.set()
        self.join(30)
        return self

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for signal in self.signals:
            out[signal.path] = out.get(signal.path, 0) + 1
        return out

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        while not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                stack = self.heat.stacks.get(self.stack_name)
            except heat_exc.HTTPNotFound:
                stack = None
            except Exception as exc:  # keep watching; report at the end
                self.errors.append(f"{type(exc).__name__}: {exc}")
                stack = None
            if stack is not None:
                try:
                    self._visit(stack.id, "")
                except heat_exc.HTTPNotFound:
                    pass  # a nested stack or resource went away meanwhile
                except Exception as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
            self._stopping.wait(0.2)

    def _visit(self, stack_id: str, prefix: str) -> None:
        resources = self.heat.resources.list(stack_id)
        for res in resources:
            if res.resource_type == NESTED_STACK and res.physical_resource_id:
                self._visit(res.physical_resource_id, f"{prefix}{res.resource_name}/")
            elif (
                res.resource_type == WAIT_CONDITION
                and res.resource_status == "CREATE_IN_PROGRESS"
                and (stack_id, res.resource_name) not in self._done
            ):
                self._signal(stack_id, res.resource_name, prefix)

    def _signal(self, stack_id: str, condition: str, prefix: str) -> None:
        stack = self.heat.stacks.get(stack_id)
        template = self.heat.stacks.template(stack_id)
        props = template["Resources"][condition].get("Properties", {})
        handle = props["Handle"]["Ref"]
        count = _resolve(props.get("Count", 1), stack.parameters)
        url = self.heat.resources.get(stack_id, handle).physical_resource_id
        self._done.add((stack_id, condition))
        for index in range(int(count)):
            unique_id = f"{condition}-{index + 1}"
            done = self.guest.run(
                CFN_SIGNAL, "-e", "0", "-r", f"{condition} ready", "-i", unique_id, url
            )
            self.signals.append(
                Signal(f"{prefix}{condition}", url, unique_id, done.returncode, done.stderr)
            )


def _resolve(value, parameters: dict):
    if isinstance(value, dict) and "Ref" in value:
        return parameters[value["Ref"]]
    return value


def guest_for(root, cfn_url: str) -> Guest:
    """A private place for heat-cfntools to run as if in a server (see test_signals.Guest)."""
    os.makedirs(root, exist_ok=True)
    return Guest(root, cfn_url.rsplit("/v1", 1)[0])
