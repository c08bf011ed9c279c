"""Container mode: each localcloud server is a Debian system booting cloud-init for real.

The server document stays the record of what was asked (stopped, reboot_until, gone_at);
this module makes processes follow it and moves `active_at` to when cloud-init really
started. Work on one server (boot, stop, start, reboot, delete) runs in order on that
server's own worker thread, so a request never waits for a shutdown.

Restarts: processes do not survive a localcloud stop (stop() shuts every server down). On
start, a server whose processes are gone is marked SHUTOFF, as Nova leaves instances after
a compute host reboot (resume_guests_state_on_host_boot = False); os-start boots it again.
A server whose processes still run (localcloud crashed) is adopted as it is.
"""

from __future__ import annotations

import base64
import concurrent.futures
import fnmatch
import logging
import os
import re
import threading
import time

from heat.localcloud.container import console, runner
from heat.localcloud.container.image import ImageCache, ImageSpec, TerminalProgress
from heat.localcloud.container.rootfs import ServerRoot
from heat.localcloud.machines import RecordMachines

LOG = logging.getLogger(__name__)

# A server stays in BUILD at most this long waiting for cloud-init to start.
BOOT_TIMEOUT = 300.0
GRACE_SECONDS = 3.0
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


class ContainerMachines(RecordMachines):
    """Servers as containers over the base image `base`, with directories in `servers_dir`.

    `store` is localcloud's document store; `images` maps an image id to its document and
    `image_patterns` says which image names boot the base image (fnmatch patterns).
    `keypairs(user_id, name)` returns a keypair document or None.
    """

    mode = "container"

    def __init__(self, store, base: str, servers_dir: str, image_patterns, images, keypairs):
        self.store = store
        self.base = base
        self.servers_dir = servers_dir
        self.image_patterns = list(image_patterns)
        self.images = images
        self.keypairs = keypairs
        self._boots: dict[str, runner.Boot] = {}
        self._workers: dict[str, concurrent.futures.ThreadPoolExecutor] = {}
        self._lock = threading.Lock()
        os.makedirs(servers_dir, mode=0o700, exist_ok=True)
        self._recover()

    # -- hooks ------------------------------------------------------------------------------

    def boot(self, server: dict) -> None:
        if server.get("error_at") is not None:
            return
        failure = self._image_failure(server)
        if failure:
            server["error_at"] = server["active_at"]
            server["fault"] = {
                "code": 500,
                "message": f"Build of instance {server['id']} aborted: {failure}",
            }
            return
        # BUILD until cloud-init starts; observe() moves active_at to that moment.
        server["active_at"] = server["created_at"] + BOOT_TIMEOUT
        server["container"] = {"started": False}
        root = self._root(server["id"])
        root.create(_user_data(server), self._meta_data(server))
        self._submit(server["id"], self._boot, server["id"], _hostname(server))

    def observe(self, server: dict) -> dict:
        info = server.get("container")
        if info is None or info.get("started"):
            return server
        started = None
        for at, name, _ in self._root(server["id"]).read_events():
            if name == "boot":
                started = at
                break
        if started is None:
            boot = self._boots.get(server["id"])
            if boot is not None and not boot.running():
                # The boot script failed before the guest init ran (a mount, the chroot).
                self._boots.pop(server["id"], None)
                root = self._root(server["id"])
                self._fail(server["id"], "the server's init did not start", root)
                return self.store.get("server", server["id"]) or server
            return server
        with self.store.locked():
            current = self.store.get("server", server["id"])
            if current is None or current.get("container", {}).get("started"):
                return current or server
            current["active_at"] = min(started, current["active_at"])
            current["container"]["started"] = True
            self.store.put("server", current["id"], current)
            return current

    def stop(self, server: dict) -> None:
        if "container" in server:
            self._submit(server["id"], self._stop, server["id"], GRACE_SECONDS, "stop")

    def start(self, server: dict) -> None:
        if "container" in server:
            self._submit(server["id"], self._boot, server["id"], _hostname(server))

    def reboot(self, server: dict, hard: bool) -> None:
        if "container" in server:
            grace = 0.0 if hard else GRACE_SECONDS
            what = "hard reboot" if hard else "reboot"
            self._submit(server["id"], self._stop, server["id"], grace, what)
            self._submit(server["id"], self._boot, server["id"], _hostname(server))

    def delete(self, server: dict) -> None:
        if "container" in server:
            self._submit(server["id"], self._delete, server["id"])

    def console_lines(self, server: dict) -> list[str] | None:
        if "container" not in server:
            return None
        return console.read_lines(self._root(server["id"]).console)

    def shutdown(self) -> None:
        """Shut every server down (SIGTERM, SIGKILL after the grace time) and wait."""
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.shutdown(wait=True)
        boots = list(self._boots.values())
        for boot in boots:
            boot.init.signal(15)
        deadline = time.monotonic() + GRACE_SECONDS
        for boot in boots:
            if not boot.init.wait(max(0.0, deadline - time.monotonic())):
                boot.kill()
            boot._reap()
        self._boots.clear()

    # -- inspection (tests, benchmarks, operators) ------------------------------------------

    def root(self, server_id: str) -> ServerRoot:
        """The files of a server (its upper layer, console, events)."""
        return self._root(server_id)

    def running_boot(self, server_id: str) -> runner.Boot | None:
        boot = self._boots.get(server_id)
        return boot if boot is not None and boot.running() else None

    def wait_idle(self, server_id: str, timeout: float = 30.0) -> None:
        """Wait until the work queued for a server so far is done."""
        with self._lock:
            worker = self._workers.get(server_id)
        if worker is not None:
            worker.submit(lambda: None).result(timeout)

    # -- work on one server (on its worker thread) ------------------------------------------

    def _root(self, server_id: str) -> ServerRoot:
        return ServerRoot(self.servers_dir, server_id, self.base)

    def _submit(self, server_id: str, fn, *args) -> None:
        with self._lock:
            worker = self._workers.get(server_id)
            if worker is None:
                worker = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix=f"localcloud-server-{server_id[:8]}"
                )
                self._workers[server_id] = worker
        worker.submit(self._guarded, fn, server_id, *args)

    def _guarded(self, fn, server_id, *args):
        try:
            fn(*args)
        except Exception as exc:
            LOG.exception("localcloud server %s: %s failed", server_id, fn.__name__)
            root = self._root(server_id)
            if root.exists():
                root.append_console(f"localcloud: {fn.__name__.strip('_')} failed: {exc}")

    def _boot(self, server_id: str, hostname: str) -> None:
        if self._running(server_id):
            return
        root = self._root(server_id)
        if not root.exists():
            return
        try:
            boot = runner.start(root, hostname)
        except runner.BootError as exc:
            self._fail(server_id, f"cannot start the server's processes: {exc}", root)
            return
        self._boots[server_id] = boot
        root.save_state({"init": boot.init.as_dict(), "unshare_pid": boot.popen.pid})

    def _stop(self, server_id: str, grace: float, what: str) -> None:
        boot = self._boots.pop(server_id, None)
        if boot is not None and boot.running():
            boot.stop(grace)
            self._root(server_id).append_console(f"localcloud: server stopped ({what})")

    def _delete(self, server_id: str) -> None:
        boot = self._boots.pop(server_id, None)
        if boot is not None:
            boot.kill()
        root = self._root(server_id)
        ref = runner.ProcessRef.from_dict(root.load_state().get("init", {}))
        if ref is not None and ref.alive():
            runner.Boot(ref).kill()
        root.remove()
        with self._lock:
            worker = self._workers.pop(server_id, None)
        if worker is not None:
            worker.shutdown(wait=False)

    def _running(self, server_id: str) -> bool:
        boot = self._boots.get(server_id)
        return boot is not None and boot.running()

    def _fail(self, server_id: str, reason: str, root: ServerRoot) -> None:
        tail = console.read_lines(root.console)[-5:]
        root.append_console(f"localcloud: {reason}")
        with self.store.locked():
            server = self.store.get("server", server_id)
            if server is None:
                return
            now = time.time()
            message = f"Build of instance {server_id} aborted: {reason}"
            if tail:
                message += " (console: " + " | ".join(tail) + ")"
            server["error_at"] = now
            server["active_at"] = min(server["active_at"], now)
            server["fault"] = {"code": 500, "message": message}
            self.store.put("server", server_id, server)

    # -- setup ------------------------------------------------------------------------------

    def _image_failure(self, server: dict) -> str | None:
        if not server["image_id"]:
            return "container mode boots servers from images only, not from volumes"
        image = self.images(server["image_id"])
        name = image["name"] if image else server["image_id"]
        if not any(fnmatch.fnmatchcase(name, p) for p in self.image_patterns):
            return (
                f"image {name} does not map to the container base image "
                f"(localcloud_container_images: {', '.join(self.image_patterns)})"
            )
        return None

    def _meta_data(self, server: dict) -> dict:
        name = server["name"]
        meta = {
            "instance-id": server["id"],
            "local-hostname": name if _HOSTNAME.match(name) else _hostname(server),
        }
        if server.get("key_name"):
            keypair = self.keypairs(server["user_id"], server["key_name"])
            if keypair is not None:
                meta["public-keys"] = [keypair["public_key"]]
        return meta

    def _recover(self) -> None:
        for server in self.store.list("server"):
            if "container" not in server:
                continue
            root = self._root(server["id"])
            ref = runner.ProcessRef.from_dict(root.load_state().get("init", {}))
            alive = ref is not None and ref.alive()
            if server.get("gone_at") is not None:
                # Deleted while localcloud was down (or before it finished): finish the job.
                if alive:
                    runner.Boot(ref).kill()
                if root.exists():
                    root.remove()
            elif alive:
                self._boots[server["id"]] = runner.Boot(ref)
            elif not server.get("stopped") and root.exists():
                root.append_console(
                    "localcloud: restarted; the server's processes did not survive it, so "
                    "the server is SHUTOFF (os-start boots it again)"
                )
                with self.store.locked():
                    current = self.store.get("server", server["id"])
                    current["stopped"] = True
                    current["container"]["started"] = True
                    current["active_at"] = min(current["active_at"], time.time())
                    self.store.put("server", current["id"], current)


def _user_data(server: dict) -> bytes:
    return base64.b64decode(server["user_data"]) if server.get("user_data") else b""


def _hostname(server: dict) -> str:
    return server.get("hostname") or "server"


def container_machines(settings, state_dir: str, nova, progress=None) -> ContainerMachines:
    """Container mode for the localcloud whose state is in `state_dir`: the base image is
    built first if it is not cached (about a minute; `progress` sees how it goes)."""
    cache = ImageCache(settings.image_cache_dir or os.path.join(state_dir, "images"))
    spec = ImageSpec(mirror=settings.container_mirror)
    base = cache.ensure(spec, progress or TerminalProgress())
    return ContainerMachines(
        nova.store,
        base,
        os.path.join(state_dir, "servers"),
        settings.container_images,
        nova.images.get,
        nova.keypairs.get,
    )
