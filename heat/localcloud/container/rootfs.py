"""One server's directory: its copy-on-write root, NoCloud seed, console and events.

    <servers dir>/<server id>/
        upper/  work/   the overlay's upper and work directories (the server's own writes)
        root/           where the overlay is mounted, inside the server's mount namespace only
        run/            bound at /run/localcloud in the server: init.py, events
        console.log     the server's console (cloud-init's output)
        state.json      the running processes (pids), so a restarted localcloud finds them

The overlay is never mounted in the host's mount namespace, so the host's mounts do not
change while servers run, and the mounts vanish with the server's last process.
"""

from __future__ import annotations

import json
import os
import shutil
import stat

import yaml

SEED_DIR = "var/lib/cloud/seed/nocloud"
CONSOLE = "console.log"
EVENTS = "events"
STATE = "state.json"
CLOUD_CFG_PATH = "etc/cloud/cloud.cfg.d/90-localcloud.cfg"
# The image's part of cloud-init's configuration, written into each server's upper layer (so
# changing it needs no image rebuild): only the NoCloud seed localcloud writes, no network
# configuration (the server shares the host's network), and module lists without those
# that need a disk, a kernel, a real init or tools minbase lacks (growpart, resizefs,
# mounts, ntp, ssh: minbase has no ssh-keygen and no sshd).
CLOUD_CFG = """\
# Written by heat-localcloud: a container server's cloud-init configuration.
datasource_list: [NoCloud]
network: {config: disabled}
disable_root: true
preserve_hostname: false
manage_etc_hosts: true
locale: C.UTF-8
users: [default]
cloud_init_modules: [migrator, seed_random, bootcmd, write-files, set_hostname,
                     update_hostname, update_etc_hosts, users-groups]
cloud_config_modules: [locale, set-passwords, timezone, runcmd]
cloud_final_modules: [package-update-upgrade-install, scripts-vendor, scripts-per-once,
                      scripts-per-boot, scripts-per-instance, scripts-user, final-message]
system_info:
  distro: debian
  default_user:
    name: debian
    lock_passwd: true
    gecos: Debian
    groups: [adm, sudo]
    sudo: ["ALL=(ALL) NOPASSWD:ALL"]
    shell: /bin/bash
  paths:
    cloud_dir: /var/lib/cloud/
    templates_dir: /etc/cloud/templates/
  ssh_svcname: ssh
"""


class ServerRoot:
    """The files of the server `server_id` below `servers_dir`, over the image `base`."""

    def __init__(self, servers_dir: str, server_id: str, base: str):
        self.server_id = server_id
        self.base = base
        self.directory = os.path.join(servers_dir, server_id)
        self.upper = os.path.join(self.directory, "upper")
        self.work = os.path.join(self.directory, "work")
        self.mountpoint = os.path.join(self.directory, "root")
        self.run = os.path.join(self.directory, "run")
        self.console = os.path.join(self.directory, CONSOLE)
        self.events = os.path.join(self.run, EVENTS)

    def exists(self) -> bool:
        return os.path.isdir(self.directory)

    def create(self, user_data: bytes, meta_data: dict) -> None:
        """Make the server's directories and write its NoCloud seed into the upper layer."""
        for path in (self.upper, self.work, self.mountpoint, self.run):
            os.makedirs(path, mode=0o700, exist_ok=True)
        seed = os.path.join(self.upper, SEED_DIR)
        os.makedirs(seed, mode=0o700, exist_ok=True)
        _write(os.path.join(seed, "user-data"), user_data, 0o600)
        _write(
            os.path.join(seed, "meta-data"),
            yaml.safe_dump(meta_data, default_flow_style=False).encode(),
            0o600,
        )
        config = os.path.join(self.upper, CLOUD_CFG_PATH)
        os.makedirs(os.path.dirname(config), mode=0o755, exist_ok=True)
        _write(config, CLOUD_CFG.encode(), 0o644)
        open(self.console, "ab").close()

    def reset_run(self) -> None:
        """A fresh /run/localcloud for a new boot: the guest init and an empty events file."""
        os.makedirs(self.run, mode=0o700, exist_ok=True)
        src = os.path.join(os.path.dirname(__file__), "guest_init.py")
        shutil.copyfile(src, os.path.join(self.run, "init.py"))
        _write(self.events, b"", 0o644)

    def read_events(self) -> list[tuple[float, str, list[str]]]:
        """The guest init's events of the current boot: (time, name, arguments)."""
        try:
            with open(self.events, encoding="utf-8") as stream:
                lines = stream.read().splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines:
            words = line.split()
            if len(words) >= 2:
                try:
                    found.append((float(words[0]), words[1], words[2:]))
                except ValueError:
                    continue
        return found

    def append_console(self, text: str) -> None:
        with open(self.console, "a", encoding="utf-8") as stream:
            stream.write(text if text.endswith("\n") else text + "\n")

    def guest_path(self, path: str) -> str | None:
        """Where the server's `path` (absolute, inside the server) is on the host: in the
        upper layer if the server wrote it, else in the base image; None if it does not
        exist (including deleted by the server: a whiteout)."""
        relative = path.lstrip("/")
        upper = os.path.join(self.upper, relative)
        try:
            mode = os.lstat(upper).st_mode
        except FileNotFoundError:
            lower = os.path.join(self.base, relative)
            return lower if os.path.lexists(lower) else None
        # overlayfs marks a deleted lower file with a 0/0 character device.
        if stat.S_ISCHR(mode) and os.lstat(upper).st_rdev == 0:
            return None
        return upper

    def save_state(self, state: dict) -> None:
        tmp = os.path.join(self.directory, STATE + ".tmp")
        _write(tmp, json.dumps(state).encode(), 0o600)
        os.replace(tmp, os.path.join(self.directory, STATE))

    def load_state(self) -> dict:
        try:
            with open(os.path.join(self.directory, STATE), encoding="utf-8") as stream:
                return json.load(stream)
        except (FileNotFoundError, ValueError):
            return {}

    def remove(self) -> None:
        """Delete everything of the server. Its processes must be gone (see runner)."""
        if _mounted_below(self.directory):
            raise RuntimeError(f"{self.directory} still has mounts; not removing it")
        shutil.rmtree(self.directory, ignore_errors=True)


def _mounted_below(directory: str) -> bool:
    """Whether this (the host's) mount namespace has a mount at or below `directory`."""
    prefix = os.path.realpath(directory)
    with open("/proc/self/mountinfo", encoding="utf-8") as stream:
        for line in stream:
            point = line.split()[4].replace("\\040", " ")
            if point == prefix or point.startswith(prefix + "/"):
                return True
    return False


def _write(path: str, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    os.chmod(path, mode)
