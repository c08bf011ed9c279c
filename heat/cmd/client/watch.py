"""Following a stack operation: print its events as they happen, report how it ended.

heat-api is polled (events after a marker, then the stack's status) every POLL_INTERVAL
seconds until the stack is no longer IN_PROGRESS. A deleted stack is still found with
show_deleted, so `stack-delete --wait` learns DELETE_COMPLETE as well.
"""

from __future__ import annotations

import os
import sys
import time

from heat.cmd.client.api import ApiError, HeatApi

POLL_INTERVAL = float(os.environ.get("HEAT_CLIENT_POLL_INTERVAL", "0.5"))


class StackFailed(Exception):
    """The operation followed ended in anything but `<ACTION>_COMPLETE`."""


def latest_event(api: HeatApi, name: str, stack_id: str) -> str | None:
    """The id of the stack's newest event (the marker to follow from), or None."""
    events = api.get(f"{api.stack_path(name, stack_id)}/events", sort_dir="desc", limit=1)
    return events["events"][0]["id"] if events.get("events") else None


def stack_summary(api: HeatApi, stack_id: str) -> dict | None:
    """The stack's list entry, deleted or not; None if it is gone altogether."""
    found = api.get("/stacks", id=stack_id, show_deleted="true")["stacks"]
    return found[0] if found else None


def format_event(event: dict) -> str:
    reason = " ".join((event.get("resource_status_reason") or "").split())
    return (
        f"{event.get('event_time') or '':20}  {event['resource_name']:20}  "
        f"{event['resource_status']:20}  {reason}"
    ).rstrip()


class Follower:
    """Prints the events of one stack after `marker`, and remembers the failures seen."""

    def __init__(self, api: HeatApi, name: str, stack_id: str, marker: str | None, out=None):
        self.api = api
        self.name = name
        self.stack_id = stack_id
        self.marker = marker
        self.out = out or sys.stdout
        self.failures: list[dict] = []

    def print_new(self) -> None:
        params = {"sort_dir": "asc"}
        if self.marker:
            params["marker"] = self.marker
        try:
            events = self.api.get(
                f"{self.api.stack_path(self.name, self.stack_id)}/events", **params
            )
        except ApiError as exc:
            if exc.status == 404:  # gone altogether: nothing more to print
                return
            raise
        for event in events.get("events", []):
            self.out.write(format_event(event) + "\n")
            if event["resource_status"].endswith("_FAILED"):
                self.failures.append(event)
            self.marker = event["id"]
        self.out.flush()

    def run(self, poll: float = POLL_INTERVAL) -> dict | None:
        """Follow until the stack is not IN_PROGRESS; its final summary (None: gone)."""
        while True:
            self.print_new()
            stack = stack_summary(self.api, self.stack_id)
            if stack is None or not stack["stack_status"].endswith("_IN_PROGRESS"):
                self.print_new()
                return stack
            time.sleep(poll)

    def root_cause(self, stack: dict) -> str:
        """The stack's own failure reason if it recorded one, else its first failed resource."""
        for event in self.failures:
            if event.get("physical_resource_id") == self.stack_id:
                return event.get("resource_status_reason") or ""
        for event in self.failures:
            reason = event.get("resource_status_reason") or event["resource_status"]
            return f"{event['resource_name']}: {reason}"
        return stack.get("stack_status_reason") or ""


def wait(api: HeatApi, name: str, stack_id: str, action: str, marker: str | None) -> int:
    """Stream events until `action` ends; 0 if it completed, else StackFailed with the cause."""
    follower = Follower(api, name, stack_id, marker)
    stack = follower.run()
    if stack is None:
        if action == "DELETE":
            print(f"Stack {name} DELETE_COMPLETE")
            return 0
        raise StackFailed(f"stack {name} disappeared while waiting for {action}")
    status = stack["stack_status"]
    if status == f"{action}_COMPLETE":
        print(f"Stack {name} {status}")
        return 0
    cause = " ".join(follower.root_cause(stack).split())
    raise StackFailed(f"stack {name} {status}: {cause}" if cause else f"stack {name} {status}")
