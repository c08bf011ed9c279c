"""Nova server actions (POST /servers/{id}/action) and volume attachments.

Actions change the stored document and, like Nova, answer before the change is visible
when it takes time (a reboot shows REBOOT for one boot delay, a resize RESIZE, then
VERIFY_RESIZE until confirmResize or revertResize; see lifecycle). Attachments only record
the volume id and device; the volume service decides what a volume is.
"""

from __future__ import annotations

import uuid

from heat.api.wsgi import json_response
from heat.localcloud import lifecycle
from heat.localcloud.nova_servers import ref_id, server_fault
from heat.localcloud.routing import ApiError, json_body

_DISK_CONFIGS = ("AUTO", "MANUAL")


class Actions:
    """The /servers/{id}/action and /servers/{id}/os-volume_attachments routes."""

    def __init__(self, nova, servers):
        self.nova = nova
        self.servers = servers
        self.store = nova.store
        self._handlers = {
            "os-start": self._start,
            "os-stop": self._stop,
            "reboot": self._reboot,
            "addSecurityGroup": self._add_security_group,
            "removeSecurityGroup": self._remove_security_group,
            "os-getConsoleOutput": self._console_output,
            "resize": self._resize,
            "confirmResize": self._confirm_resize,
            "revertResize": self._revert_resize,
        }
        r = nova.router
        r.add("POST", "/servers/{server_id}/action", self.action)
        base = "/servers/{server_id}/os-volume_attachments"
        r.add("GET", base, self.list_attachments)
        r.add("POST", base, self.attach)
        r.add("GET", base + "/{volume_id}", self.show_attachment)
        r.add("DELETE", base + "/{volume_id}", self.detach)

    def action(self, req, server_id):
        body = json_body(req)
        if len(body) != 1:
            raise ApiError(400, "Exactly one action must be given.")
        ((name, arguments),) = body.items()
        handler = self._handlers.get(name)
        if handler is None:
            raise ApiError(400, f"There is no such action: {name}")
        with self.store.locked():
            server, state = self.servers.load(req, server_id)
            self.servers.require_not_deleting(server, state, name)
            return handler(req, server, state, arguments if isinstance(arguments, dict) else {})

    @staticmethod
    def _require(server: dict, state: lifecycle.State, action: str, vm_states: set[str]):
        if state.vm_state not in vm_states:
            raise ApiError(
                409,
                f"Cannot '{action}' instance {server['id']} while it is in vm_state "
                f"{state.vm_state}",
            )

    @staticmethod
    def _require_idle(server: dict, state: lifecycle.State, action: str):
        if state.task_state is not None:
            raise ApiError(
                409,
                f"Cannot '{action}' instance {server['id']} while it is in task_state "
                f"{state.task_state}",
            )

    def _start(self, req, server, state, arguments):
        self._require(server, state, "start", {"stopped"})
        server["stopped"] = False
        self.servers.save(server)
        self.nova.machines.start(server)
        return json_response(None, 202)

    def _stop(self, req, server, state, arguments):
        self._require(server, state, "stop", {"active", "error"})
        server["stopped"] = True
        self.servers.save(server)
        self.nova.machines.stop(server)
        return json_response(None, 202)

    def _reboot(self, req, server, state, arguments):
        kind = str(arguments.get("type", "")).upper()
        if kind not in ("SOFT", "HARD"):
            raise ApiError(
                400,
                "Invalid input for field/attribute type. Value: "
                f"{arguments.get('type')!r}. It must be one of ['SOFT', 'HARD']",
            )
        allowed = {"active", "stopped", "error"} if kind == "HARD" else {"active"}
        self._require(server, state, "reboot", allowed)
        server["stopped"] = False
        server["reboot_type"] = kind
        server["reboot_until"] = self.nova.clock() + self.nova.settings.boot_delay
        self.servers.save(server)
        self.nova.machines.reboot(server, hard=kind == "HARD")
        return json_response(None, 202)

    # -- resize -----------------------------------------------------------------------------

    def _resize(self, req, server, state, arguments):
        if "flavorRef" not in arguments:
            raise ApiError(
                400,
                f"Invalid input for field/attribute resize. Value: {arguments}. 'flavorRef' is "
                "a required property",
            )
        disk_config = arguments.get("OS-DCF:diskConfig")
        if disk_config is not None and disk_config not in _DISK_CONFIGS:
            raise ApiError(
                400,
                f"Invalid input for field/attribute OS-DCF:diskConfig. Value: {disk_config}. "
                f"{disk_config!r} is not one of {list(_DISK_CONFIGS)}",
            )
        self._require(server, state, "resize", {"active", "stopped"})
        self._require_idle(server, state, "resize")
        flavor = self.nova.flavor(ref_id(arguments["flavorRef"]))
        if flavor is None:
            raise ApiError(400, "Unable to locate requested flavor.")
        if flavor["id"] == server["flavor"]["id"]:
            raise ApiError(400, "Resize requires a flavor change.")
        until = self.nova.clock() + self.nova.settings.boot_delay
        outcome = lifecycle.resize_outcome(
            server["metadata"], server["flavor"], flavor, image_backed=bool(server["image_id"])
        )
        server["resize"] = {"flavor": flavor, "until": until, "outcome": outcome}
        server.pop("revert_until", None)
        if outcome == "error":
            server["error_at"] = until
            server["fault"] = server_fault(lifecycle.RESIZE_FAILURE)
        if disk_config is not None:
            server["disk_config"] = disk_config
        self.servers.save(server)
        if not server.get("stopped"):
            # The guest is shut down and started again on its new flavor.
            self.nova.machines.reboot(server, hard=False)
        return json_response(None, 202)

    def _pending_resize(self, server, state, action: str) -> dict:
        """The resize waiting in VERIFY_RESIZE for confirmResize or revertResize."""
        self._require(server, state, action, {"resized"})
        if state.status != "VERIFY_RESIZE":
            raise ApiError(400, "Instance has not been resized.")
        return server.pop("resize")

    def _confirm_resize(self, req, server, state, arguments):
        flavor = self._pending_resize(server, state, "confirmResize")["flavor"]
        server["flavor"], server["flavor_id"] = flavor, flavor["id"]
        self.servers.save(server)
        return json_response(None, 204)

    def _revert_resize(self, req, server, state, arguments):
        self._pending_resize(server, state, "revertResize")
        server["revert_until"] = self.nova.clock() + self.nova.settings.boot_delay
        self.servers.save(server)
        if not server.get("stopped"):
            self.nova.machines.reboot(server, hard=False)
        return json_response(None, 202)

    # -- security groups and the console ----------------------------------------------------

    def _security_group_name(self, arguments) -> str:
        name = arguments.get("name")
        if not isinstance(name, str) or not name:
            raise ApiError(400, "Security group name cannot be empty")
        return name

    def _add_security_group(self, req, server, state, arguments):
        name = self._security_group_name(arguments)
        found = self.nova.networking.find_groups(server["project_id"], name)
        if not found:
            raise ApiError(
                404, f"Security group {name} is not found for project {server['project_id']}"
            )
        if len(found) > 1:
            raise ApiError(
                409,
                f"Multiple security_group matches found for name '{name}', use an ID to be more "
                "specific.",
            )
        name = found[0]["name"]
        if name in server["security_groups"]:
            raise ApiError(
                400, f"Security group {name} is already associated with the instance {server['id']}"
            )
        server["security_groups"].append(name)
        self.servers.save(server)
        return json_response(None, 202)

    def _remove_security_group(self, req, server, state, arguments):
        name = self._security_group_name(arguments)
        if name not in server["security_groups"]:
            raise ApiError(
                400, f"Security group {name} not associated with the instance {server['id']}"
            )
        server["security_groups"].remove(name)
        self.servers.save(server)
        return json_response(None, 202)

    def _console_output(self, req, server, state, arguments):
        length = arguments.get("length")
        if length is not None:
            try:
                length = int(length)
            except (TypeError, ValueError):
                raise ApiError(400, "Invalid input for field/attribute length.") from None
        image = self.nova.images.get(server["image_id"]) if server["image_id"] else None
        lines = [
            f"localcloud: booting {server['name']} ({server['id']})",
            f"localcloud: image {image['name'] if image else '(volume)'}, "
            f"flavor {lifecycle.flavor_of(server, self.nova.clock())['name']}",
            f"localcloud: fixed IP {server['fixed_ip']} on network {lifecycle.NETWORK}",
            f"cloud-init: user-data {len(server['user_data'] or '')} bytes (base64)",
            f"localcloud: server is {state.status}",
        ]
        machine_lines = self.nova.machines.console_lines(server)
        if machine_lines is not None:
            lines = machine_lines
        if length is not None and length >= 0:
            lines = lines[len(lines) - length :] if length else []
        return json_response({"output": "\n".join(lines)})

    # -- volume attachments -----------------------------------------------------------------

    def _attachment_view(self, req, attachment: dict) -> dict:
        version = req.environ["localcloud.version"]
        view = {
            "id": attachment["volume_id"],
            "serverId": attachment["server_id"],
            "volumeId": attachment["volume_id"],
            "device": attachment["device"],
        }
        if version >= (2, 70):
            view["tag"] = attachment["tag"]
        if version >= (2, 79):
            view["delete_on_termination"] = attachment["delete_on_termination"]
        return view

    def list_attachments(self, req, server_id):
        self.servers.load(req, server_id)
        views = [self._attachment_view(req, a) for a in self.servers.attachments(server_id)]
        return json_response({"volumeAttachments": views})

    def attach(self, req, server_id):
        spec = json_body(req, "volumeAttachment")
        version = req.environ["localcloud.version"]
        volume_id = spec.get("volumeId")
        try:
            uuid.UUID(str(volume_id))
        except ValueError:
            raise ApiError(
                400,
                f"Invalid input for field/attribute volumeId. Value: "
                f"{volume_id!r}. {volume_id!r} is not a 'uuid'",
            ) from None
        if "tag" in spec and version < (2, 49):
            raise ApiError(
                400,
                "Invalid input for field/attribute volumeAttachment. "
                "Additional properties are not allowed ('tag' was unexpected)",
            )
        with self.store.locked():
            server, state = self.servers.load(req, server_id)
            self.servers.require_not_deleting(server, state, "attach_volume")
            self._require(server, state, "attach_volume", {"active", "stopped"})
            existing = self.servers.attachments(server_id)
            if any(a["volume_id"] == volume_id for a in existing):
                raise ApiError(
                    400, f"Duplicate volume {volume_id} already attached to instance {server_id}"
                )
            self._check_volume(server["project_id"], volume_id)
            used = {a["device"] for a in existing}
            device = spec.get("device") or next(
                f"/dev/vd{letter}"
                for letter in "bcdefghijklmnopqrstuvwxyz"
                if f"/dev/vd{letter}" not in used
            )
            attachment = {
                "id": f"{server_id}/{volume_id}",
                "server_id": server_id,
                "volume_id": volume_id,
                "device": device,
                "tag": spec.get("tag"),
                "delete_on_termination": bool(spec.get("delete_on_termination", False)),
                "attached_at": self.nova.clock(),
            }
            self.store.put("volume_attachment", attachment["id"], attachment)
        return json_response({"volumeAttachment": self._attachment_view(req, attachment)})

    def _check_volume(self, project_id: str, volume_id: str) -> None:
        """Cinder's reservation: the volume must exist and be available."""
        volume = self.nova.volumes.volume(project_id, volume_id)
        if volume is None:
            raise ApiError(404, f"Volume {volume_id} could not be found.")
        status = self.nova.volumes.status(volume)
        if status != "available":
            raise ApiError(
                400,
                f"Invalid volume: Volume {volume_id} status must be available or downloading to "
                f"reserve, but the current status is {status}.",
            )

    def _attachment(self, req, server_id, volume_id) -> dict:
        self.servers.load(req, server_id)
        attachment = self.store.get("volume_attachment", f"{server_id}/{volume_id}")
        if attachment is None:
            raise ApiError(404, f"Volume {volume_id} is not attached to instance {server_id}")
        return attachment

    def show_attachment(self, req, server_id, volume_id):
        attachment = self._attachment(req, server_id, volume_id)
        return json_response({"volumeAttachment": self._attachment_view(req, attachment)})

    def detach(self, req, server_id, volume_id):
        attachment = self._attachment(req, server_id, volume_id)
        self.store.delete("volume_attachment", attachment["id"])
        return json_response(None, 202)
