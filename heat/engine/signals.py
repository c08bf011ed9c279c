"""Signals from servers to the engine, and what a stack user's credentials may reach.

Two ways in, one record:

* a wait condition handle's URL: `<waitcondition_server_url>/<stack id>/<handle name>?
  Signature=...`, where the signature is an HMAC-SHA256, under a random key kept (encrypted)
  as the handle's secret, of exactly that stack id and handle name. The URL is its own
  credential and is good for that one handle only: pointed at another handle or stack, the
  signature no longer matches.
* SignalResource (cfn-signal --stack/--resource, boto3 signal_resource), authenticated by the
  caller's keys; stack users may signal only their own stack.

Either way the signal becomes a resource_signal row (one per UniqueId, so a server that
signals twice counts once) and an event "Signal received: ...". Waiting resources
(WaitCondition, CreationPolicy) count the rows on the engine's timers.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
from urllib.parse import quote, unquote, urlsplit

from heat.common.exception import Forbidden, HeatError, InvalidInput, ResourceNotFound
from heat.engine import functions
from heat.identity import STACK_USER

LOG = logging.getLogger(__name__)

SUCCESS, FAILURE = "SUCCESS", "FAILURE"
STATUSES = (SUCCESS, FAILURE)
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"
SIGNING_KEY = "signing_key"  # the handle's secret
MAX_UNIQUE_ID = 255
MAX_REASON = 4096
MAX_DATA = 64 * 1024

BAD_URL = "The wait condition URL is not valid (signature or handle)"


# -- handle URLs --------------------------------------------------------------------------


def handle_signature(key: str, stack_id: str, handle_name: str) -> str:
    """The URL-safe HMAC-SHA256 of one handle's identity under its key."""
    message = f"waitcondition\n{stack_id}\n{handle_name}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def handle_url(base_url: str, stack_id: str, handle_name: str, key: str) -> str:
    """The pre-signed URL a server PUTs its signal to."""
    signature = handle_signature(key, stack_id, handle_name)
    path = f"{quote(stack_id, safe='')}/{quote(handle_name, safe='')}"
    return f"{base_url.rstrip('/')}/{path}?Signature={signature}"


def parse_handle_url(url: str) -> tuple[str, str]:
    """(stack id, handle name) from a handle URL; InvalidInput if it is not one."""
    parts = urlsplit(str(url)).path.rstrip("/").split("/")
    if len(parts) < 3 or parts[-3] != "waitcondition":
        raise InvalidInput(f"{str(url)[:200]!r} is not a wait condition handle URL")
    return unquote(parts[-2]), unquote(parts[-1])


# -- signals ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Signal:
    """One signal as the engine records it."""

    unique_id: str
    status: str
    reason: str = ""
    data: str | None = None

    @classmethod
    def build(cls, unique_id, status, reason=None, data=None) -> Signal:
        """A checked signal; InvalidInput names what is wrong."""
        status = str(status or "").upper()
        if status not in STATUSES:
            raise InvalidInput(f"Status must be SUCCESS or FAILURE, not {str(status)[:40]!r}")
        if unique_id is None or str(unique_id) == "":
            raise InvalidInput("UniqueId is required")
        unique_id = str(unique_id)
        if len(unique_id) > MAX_UNIQUE_ID:
            raise InvalidInput(f"UniqueId is longer than {MAX_UNIQUE_ID} characters")
        reason = "" if reason is None else str(reason)
        if len(reason) > MAX_REASON:
            raise InvalidInput(f"Reason is longer than {MAX_REASON} characters")
        if data is not None and not isinstance(data, str):
            data = json.dumps(data)
        if data is not None and len(data) > MAX_DATA:
            raise InvalidInput(f"Data is longer than {MAX_DATA} characters")
        return cls(unique_id, status, reason, data)

    @classmethod
    def from_body(cls, body: bytes) -> Signal:
        """The signal in the JSON body cfn-signal PUTs: {Status, Reason, UniqueId, Data}."""
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeError, ValueError):
            raise InvalidInput("The signal must be a JSON object") from None
        if not isinstance(doc, dict):
            raise InvalidInput("The signal must be a JSON object")
        return cls.build(doc.get("UniqueId"), doc.get("Status"), doc.get("Reason"), doc.get("Data"))


def record(db, stack_id: str, resource: dict, signal: Signal) -> None:
    """Store the signal against the resource row and say so in the stack's events."""
    db.signals.put(resource["id"], signal.unique_id, signal.status, signal.reason, signal.data)
    reason = f"Signal received: {signal.status} (UniqueId {signal.unique_id})"
    if signal.reason:
        reason += f": {signal.reason}"
    db.resources.add_event(
        stack_id=stack_id,
        name=resource["name"],
        type=resource["type"],
        action=resource["action"],
        status=resource["status"],
        reason=reason,
        physical_resource_id=resource["physical_resource_id"],
    )


class SignalFailure(HeatError):
    """A FAILURE signal arrived, or the signals did not arrive in time: the waiting
    resource fails with this message."""

    status = 400
    code = "ValidationError"


def tally(signals: list[dict], count: int) -> bool:
    """True once `count` distinct SUCCESS signals are in; SignalFailure on any FAILURE."""
    for row in signals:
        if row["status"] == FAILURE:
            reason = row["reason"] or "no reason given"
            raise SignalFailure(f"FAILURE signal received (UniqueId {row['unique_id']}): {reason}")
    return sum(1 for row in signals if row["status"] == SUCCESS) >= count


class StackSignals:
    """The signals of one stack's resources, as plugins read them (StackContext.signals)."""

    def __init__(self, db, stack_id: str):
        self._db = db
        self.stack_id = stack_id

    def received(self, resource_name: str) -> list[dict]:
        """The signals the named resource of this stack received, oldest first."""
        row = self._db.resources.get_by_name(self.stack_id, resource_name)
        return [] if row is None else self._db.signals.list(row["id"])

    def resource(self, resource_name: str) -> dict | None:
        """The row of the named resource of this stack (its type, state), or None."""
        return self._db.resources.get_by_name(self.stack_id, resource_name)

    def clear(self, resource_name: str) -> None:
        row = self._db.resources.get_by_name(self.stack_id, resource_name)
        if row is not None:
            self._db.signals.clear(row["id"])

    def add_stack_user(self, user_id: str, resource_name: str, policies) -> None:
        row = self._db.resources.get_by_name(self.stack_id, resource_name)
        self._db.stack_users.add(user_id, self.stack_id, row["id"], policies or None)

    def remove_stack_user(self, user_id: str) -> None:
        self._db.stack_users.delete(user_id)

    def stack_user(self, user_id: str) -> dict | None:
        return self._db.stack_users.get(user_id)


# -- engine operations --------------------------------------------------------------------


def signal_wait_condition(db, stack_id: str, handle_name: str, signature: str, signal: Signal):
    """Record a signal PUT to a handle URL, after checking the URL's signature.

    Anything wrong with the URL (no such stack or handle, not a handle, a signature made for
    another handle) is the same Forbidden, so the answer reveals nothing.
    """
    stack = db.stacks.get(stack_id) if stack_id else None
    resource = None
    if stack is not None and stack.get("deleted_at") is None:
        resource = db.resources.get_by_name(stack_id, handle_name)
    if resource is None or resource["type"] != HANDLE_TYPE or resource["action"] == "DELETE":
        raise Forbidden(BAD_URL)
    key = db.resources.get_secrets(resource["id"]).get(SIGNING_KEY)
    expected = handle_signature(key, stack_id, handle_name) if key else ""
    if not key or not hmac.compare_digest(expected, str(signature or "")):
        raise Forbidden(BAD_URL)
    record(db, stack_id, resource, signal)


def accepts_signals(resource: dict, definition) -> bool:
    """Whether SignalResource may signal this resource: a handle, or a resource waiting for
    its CreationPolicy's signals."""
    if resource["type"] == HANDLE_TYPE:
        return resource["action"] != "DELETE"
    policy = getattr(definition, "creation_policy", None) or {}
    return "ResourceSignal" in policy and resource["action"] in ("INIT", "CREATE")


# -- stack users --------------------------------------------------------------------------


def is_stack_user(ctx) -> bool:
    return STACK_USER in tuple(getattr(ctx, "roles", ()) or ())


def check_stack_access(db, ctx, stack: dict, resource_name: str | None = None) -> None:
    """Forbidden unless `ctx` may reach this stack (and resource).

    Only callers holding the heat_stack_user role are restricted: to the stack their
    AWS::IAM::User belongs to and, when its Policies name OS::Heat::AccessPolicy resources,
    to the resources those allow.
    """
    if not is_stack_user(ctx):
        return
    entry = db.stack_users.get(ctx.user_id) if ctx.user_id else None
    if entry is None or entry["stack_id"] != stack["id"]:
        raise Forbidden(f"These credentials may not access stack {stack['name']}")
    if resource_name is None or not entry["policies"]:
        return
    allowed = set()
    for policy in entry["policies"]:
        row = db.resources.get_by_name(stack["id"], policy)
        if row is not None and row["type"] == "OS::Heat::AccessPolicy":
            allowed.update((row["properties_data"] or {}).get("AllowedResources") or ())
    if resource_name not in allowed:
        raise Forbidden(
            f"These credentials may not access resource {resource_name} of stack {stack['name']}"
        )


def require_resource(db, stack: dict, resource_name: str) -> dict:
    row = db.resources.get_by_name(stack["id"], resource_name)
    if row is None:
        raise ResourceNotFound(stack["name"], resource_name)
    return row


def signal_resource(engine, ctx, stack: dict, resource_name: str, signal: Signal) -> None:
    """SignalResource: record a signal for a resource that waits for one."""
    check_stack_access(engine.db, ctx, stack, resource_name)
    resource = require_resource(engine.db, stack, resource_name)
    loaded = engine._load(stack)
    definition = loaded.definition.resources.get(resource_name)
    if not accepts_signals(resource, definition):
        raise InvalidInput(
            f"Resource {resource_name} of stack {stack['name']} is not waiting for signals "
            f"(it is {resource['action']}_{resource['status']})"
        )
    record(engine.db, stack["id"], resource, signal)


def template_metadata(stack, resource_name: str) -> dict:
    """A resource's Metadata as its template gives it, resolved in the stack as it is now."""
    definition = stack.definition.resources.get(resource_name)
    if definition is None or not definition.metadata:
        return {}
    try:
        return functions.resolve(definition.metadata, stack.scope) or {}
    except HeatError as exc:
        LOG.warning("metadata of %s in stack %s: %s", resource_name, stack.id, exc.message)
        return {}
