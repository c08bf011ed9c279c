"""Starting and stopping a server's processes in their own namespaces.

A boot runs `unshare --mount --uts --ipc --pid --fork --kill-child` with BOOT_SCRIPT: in the
new mount namespace (private propagation, so nothing reaches the host's) it mounts the
overlay root, /proc, a minimal /dev, /sys (read-only), a tmpfs /run with the server's run
directory at /run/localcloud, sets the hostname in the new UTS namespace, and chroots into
the root to exec the guest init (guest_init.py) as PID 1 of the new PID namespace. The
network namespace is the host's, so a server reaches the engine's APIs on 127.0.0.1.

Killing PID 1 of a PID namespace makes the kernel kill every other process in it, and the
mount namespace (with the overlay) goes when its last process does: deleting a server is
one SIGKILL and an rmtree.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time

from heat.localcloud.container.rootfs import ServerRoot

BOOT_SCRIPT = r"""
exec 2>&1
set -eu
base=$1 dir=$2 hostname=$3 tag=$4
root=$dir/root
mount -t overlay "$tag" -o "lowerdir=$base,upperdir=$dir/upper,workdir=$dir/work" "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t tmpfs -o mode=755,nosuid,size=16m "$tag-dev" "$root/dev"
for node in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" "urandom c 1 9" \
            "tty c 5 0"; do
    set -- $node
    mknod -m 666 "$root/dev/$1" "$2" "$3" "$4"
done
# The console is the server's console.log through PID 1's stdout; a process opening
# /dev/console (cloud-init does, with truncation) must not write to the host's.
ln -s null "$root/dev/console"
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o nosuid,nodev "$tag-shm" "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs -o mode=755,nosuid,nodev "$tag-run" "$root/run"
mkdir -p "$root/run/localcloud" "$root/run/lock"
mount --bind "$dir/run" "$root/run/localcloud"
mount -t tmpfs -o mode=1777,nosuid,nodev "$tag-tmp" "$root/tmp"
hostname "$hostname"
cd "$root"
exec chroot "$root" /usr/bin/python3 -I -u /run/localcloud/init.py
"""

UNSHARE = ["unshare", "--mount", "--uts", "--ipc", "--pid", "--fork", "--kill-child"]
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}


class ProcessRef:
    """A process identified beyond its pid (pid and kernel start time), so a reused pid is
    never mistaken for the server's after a restart."""

    def __init__(self, pid: int, start_time: int):
        self.pid = pid
        self.start_time = start_time

    @classmethod
    def of(cls, pid: int) -> ProcessRef | None:
        start = _start_time(pid)
        return None if start is None else cls(pid, start)

    @classmethod
    def from_dict(cls, data: dict) -> ProcessRef | None:
        try:
            return cls(int(data["pid"]), int(data["start_time"]))
        except (KeyError, TypeError, ValueError):
            return None

    def as_dict(self) -> dict:
        return {"pid": self.pid, "start_time": self.start_time}

    def alive(self) -> bool:
        # A zombie has exited: it only waits to be reaped.
        return _start_time(self.pid) == self.start_time and _state(self.pid) not in ("Z", "X")

    def signal(self, signum: int) -> None:
        if self.alive():
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float) -> bool:
        """Wait until the process has exited; False on timeout."""
        try:
            fd = os.pidfd_open(self.pid)
        except ProcessLookupError:
            return True
        try:
            if not self.alive():
                return True
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            deadline = time.monotonic() + timeout
            while self.alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                poller.poll(min(left, 0.5) * 1000)
            return True
        finally:
            os.close(fd)


class Boot:
    """One boot of a server: the unshare process (a child of localcloud, when this
    localcloud started it) and PID 1 of the server's namespace."""

    def __init__(self, init: ProcessRef, popen: subprocess.Popen | None = None):
        self.init = init
        self.popen = popen

    def running(self) -> bool:
        return self.init.alive()

    def stop(self, grace: float) -> None:
        """Shut the server down: SIGTERM to its init, SIGKILL after `grace` seconds."""
        if grace > 0:
            self.init.signal(signal.SIGTERM)
            if self.init.wait(grace):
                self._reap()
                return
        self.kill()

    def kill(self) -> None:
        """Kill every process of the server at once (the PID namespace dies with its init)."""
        # The init, not unshare: unshare reaps it (a killed unshare would leave the init a
        # zombie for the host's PID 1 to reap, whenever that gets to it).
        self.init.signal(signal.SIGKILL)
        self.init.wait(10.0)
        self._reap()

    def _reap(self) -> None:
        if self.popen is not None:
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start(root: ServerRoot, hostname: str) -> Boot:
    """Boot the server at `root`: its init becomes PID 1 of new namespaces."""
    root.reset_run()
    tag = f"localcloud-{root.server_id[:8]}"
    unshare_log = os.path.join(root.run, "unshare.log")
    # unshare's own messages go to a log of their own: when its child is killed it reports
    # that it cannot re-raise SIGKILL, which is no news for the server's console. The boot
    # script sends its own errors to the console (exec 2>&1).
    with open(root.console, "ab") as console, open(unshare_log, "wb") as errors:
        popen = subprocess.Popen(
            [*UNSHARE, "sh", "-c", BOOT_SCRIPT, "sh", root.base, root.directory, hostname, tag],
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=errors,
            env=ENV,
            # Its own session: a Ctrl-C meant for localcloud is not the servers' business.
            start_new_session=True,
        )
    init = _wait_for_child(popen)
    if init is None:
        # unshare exited before forking (or the fork died at once).
        popen.wait()
        with open(unshare_log, encoding="utf-8", errors="replace") as stream:
            why = stream.read().strip()
        raise BootError(f"unshare exited with status {popen.returncode}: {why}")
    return Boot(init, popen)


class BootError(Exception):
    """The server's processes could not be started."""


def _wait_for_child(popen: subprocess.Popen, timeout: float = 5.0) -> ProcessRef | None:
    # unshare --fork makes PID 1 of the new namespace its only child.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = _children(popen.pid)
        if children:
            return ProcessRef.of(children[0])
        if popen.poll() is not None:
            return None
        time.sleep(0.002)
    return None


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as stream:
                found += [int(p) for p in stream.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stream:
            text = stream.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    return text[text.rindex(")") + 2 :].split()


def _start_time(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[19])


def _state(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return None if fields is None else fields[0]


def processes_in_namespace_of(ref: ProcessRef) -> list[int]:
    """Host pids of every process sharing `ref`'s PID namespace (for tests and checks)."""
    try:
        target = os.readlink(f"/proc/{ref.pid}/ns/pid")
    except (FileNotFoundError, ProcessLookupError):
        return []
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") == target:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return found
