"""The base image container servers boot from: a Debian root built once with debootstrap.

    cache = ImageCache("/var/cache/heat-localcloud-image")
    rootfs = cache.ensure(ImageSpec(), progress=TerminalProgress())

The image is keyed by what goes into it (suite, packages, recipe version), so changing the
package list builds a new one beside the old. A build happens in a temporary directory that
is renamed into place only once complete, under an exclusive lock file, so a crashed build
leaves nothing that looks usable and two processes never build the same image at once.
"""

from __future__ import annotations

import dataclasses
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

SUITE = "bookworm"
PACKAGES = ("cloud-init", "heat-cfntools", "python3", "curl")
# debootstrap's --include does not resolve virtual packages: cloud-init needs
# python3-cryptography, which depends on python3-cffi-backend-api-*, provided only by
# python3-cffi-backend. Without it debootstrap gives up configuring; `apt-get -f install`
# afterwards catches any other such dependency.
VIRTUAL_PROVIDERS = ("python3-cffi-backend",)
FALLBACK_MIRROR = "http://deb.debian.org/debian"
# Bump when the build steps or the files written into the image change.
RECIPE = 2
ROOTFS = "rootfs"
INFO_FILE = "image.json"

# While building, keep package scripts from starting services in the chroot.
_POLICY_RC_D = "#!/bin/sh\nexit 101\n"
_STEP = re.compile(r"^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) (\S+)")


class ImageError(Exception):
    """The base image cannot be built or is unusable; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class ImageSpec:
    """What goes into a base image. `mirror` None: the one the host's apt sources use."""

    suite: str = SUITE
    packages: tuple[str, ...] = PACKAGES
    mirror: str | None = None

    @property
    def key(self) -> str:
        """The cache entry's name; the mirror is not part of it (same packages anywhere)."""
        recipe = json.dumps([RECIPE, self.suite, sorted(self.packages)])
        return f"debian-{self.suite}-{hashlib.sha256(recipe.encode()).hexdigest()[:10]}"


@dataclasses.dataclass(frozen=True)
class Progress:
    """One step of a build: `phase`, and `done` of `total` packages where that is known."""

    phase: str
    done: int = 0
    total: int | None = None
    elapsed: float = 0.0

    def __str__(self) -> str:
        count = ""
        if self.done:
            count = f" {self.done}/{self.total}" if self.total else f" {self.done}"
        return f"base image: {self.phase}{count} ({self.elapsed:.0f}s)"


class TerminalProgress:
    """Shows build progress on `stream`: one rewritten line on a terminal, else a line per
    phase (and every 15 s), so logs stay readable."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last: tuple[str, float] = ("", 0.0)

    def __call__(self, progress: Progress) -> None:
        if self._tty:
            self.stream.write(f"\r\033[K{progress}")
            if progress.phase == "ready":
                self.stream.write("\n")
        elif progress.phase != self._last[0] or progress.elapsed - self._last[1] >= 15:
            self.stream.write(f"{progress}\n")
            self._last = (progress.phase, progress.elapsed)
        self.stream.flush()


def host_mirror(suite: str = SUITE, apt_dir: str = "/etc/apt") -> str:
    """The Debian mirror the host's apt sources use for `suite` (main), else deb.debian.org.

    Reads one-line (sources.list, *.list) and deb822 (*.sources) files.
    """
    paths = [os.path.join(apt_dir, "sources.list")]
    paths += sorted(glob.glob(os.path.join(apt_dir, "sources.list.d", "*.list")))
    paths += sorted(glob.glob(os.path.join(apt_dir, "sources.list.d", "*.sources")))
    for path in paths:
        try:
            with open(path, encoding="utf-8") as stream:
                text = stream.read()
        except OSError:
            continue
        for uri, suites, components in _sources(text, deb822=path.endswith(".sources")):
            if suite in suites and "main" in components:
                return uri.rstrip("/")
    return FALLBACK_MIRROR


def _sources(text: str, deb822: bool):
    """(uri, suites, components) of each `deb` source in an apt sources file."""
    if not deb822:
        for line in text.splitlines():
            words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
            if len(words) >= 4 and words[0] == "deb":
                yield words[1], [words[2]], words[3:]
        return
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if ":" in line and not line.startswith(("#", " ")):
                name, value = line.split(":", 1)
                fields[name.strip().lower()] = value.split()
        if "deb" in fields.get("types", []) and fields.get("enabled", ["yes"]) != ["no"]:
            for uri in fields.get("uris", []):
                yield uri, fields.get("suites", []), fields.get("components", [])


def check_can_build() -> None:
    """Raise ImageError unless this process can build an image (root, debootstrap)."""
    if os.geteuid() != 0:
        raise ImageError(
            "building the container base image needs root (debootstrap, chroot and mount "
            "namespaces); run heat-localcloud --boot-mode container as root"
        )
    if shutil.which("debootstrap") is None:
        raise ImageError(
            "debootstrap is not installed; install it with: apt-get install -y debootstrap"
        )


class ImageCache:
    """Base images below `directory`, one subdirectory per ImageSpec.key."""

    def __init__(self, directory: str):
        self.directory = directory

    def path(self, spec: ImageSpec) -> str:
        """The root filesystem of `spec`'s image (it may not exist yet)."""
        return os.path.join(self.directory, spec.key, ROOTFS)

    def exists(self, spec: ImageSpec) -> bool:
        return os.path.isfile(os.path.join(self.directory, spec.key, INFO_FILE))

    def ensure(self, spec: ImageSpec, progress: Callable[[Progress], None] | None = None) -> str:
        """The root filesystem of `spec`'s image, built first if it is not cached."""
        if self.exists(spec):
            return self.path(spec)
        check_can_build()
        os.makedirs(self.directory, mode=0o755, exist_ok=True)
        report = progress or (lambda _: None)
        started = time.monotonic()
        with open(os.path.join(self.directory, f"{spec.key}.lock"), "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                report(Progress("waiting for another build", elapsed=0.0))
                fcntl.flock(lock, fcntl.LOCK_EX)
            # The other build may have finished while this one waited.
            if not self.exists(spec):
                self._build(spec, report, started)
        report(Progress("ready", elapsed=time.monotonic() - started))
        return self.path(spec)

    def _build(self, spec: ImageSpec, report, started: float) -> None:
        # Leftovers of builds that crashed; the lock guarantees none is running.
        for stale in glob.glob(os.path.join(self.directory, f".{spec.key}.build-*")):
            shutil.rmtree(stale, ignore_errors=True)
        build = tempfile.mkdtemp(prefix=f".{spec.key}.build-", dir=self.directory)
        os.chmod(build, 0o755)
        root = os.path.join(build, ROOTFS)
        log_path = os.path.join(self.directory, f"{spec.key}.log")
        mirror = spec.mirror or host_mirror(spec.suite)
        try:
            with open(log_path, "w", encoding="utf-8") as log:
                _Builder(root, log, report, started).run(spec, mirror)
            info = {
                "suite": spec.suite,
                "packages": list(spec.packages),
                "mirror": mirror,
                "recipe": RECIPE,
                "built_at": time.time(),
                "build_seconds": round(time.monotonic() - started, 1),
            }
            with open(os.path.join(build, INFO_FILE), "w", encoding="utf-8") as stream:
                json.dump(info, stream, indent=2)
            os.rename(build, os.path.join(self.directory, spec.key))
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise


class _Builder:
    """The steps of one build into `root`, with their output going to `log`."""

    def __init__(self, root: str, log, report, started: float):
        self.root = root
        self.log = log
        self.report = report
        self.started = time.monotonic() if started is None else started
        self.total: int | None = None

    def _progress(self, phase: str, done: int = 0, total: int | None = None) -> None:
        self.report(Progress(phase, done, total, time.monotonic() - self.started))

    def run(self, spec: ImageSpec, mirror: str) -> None:
        self._progress("resolving packages")
        self._debootstrap(spec, mirror)
        self._progress("installing missing dependencies")
        policy = os.path.join(self.root, "usr/sbin/policy-rc.d")
        _write(policy, _POLICY_RC_D, 0o755)
        self._in_chroot("apt-get -f install -y -q --no-install-recommends", "apt-get -f install")
        self._progress("configuring")
        # Templates call /opt/aws/bin/cfn-init and friends, where Amazon's images have them;
        # Debian installs them in /usr/bin and ships this tool for the links.
        self._in_chroot("cfn-create-aws-symlinks", "cfn-create-aws-symlinks")
        missing = [p for p in spec.packages if not self._installed(p)]
        if missing:
            raise ImageError(f"the base image lacks {', '.join(missing)} after the build")
        # A machine id is per server; cached package files are dead weight.
        for path in ["etc/machine-id", "var/lib/dbus/machine-id"]:
            _write(os.path.join(self.root, path), "")
        self._in_chroot("apt-get clean && rm -rf /var/lib/apt/lists/*", "cleaning up")
        os.unlink(policy)

    def _debootstrap(self, spec: ImageSpec, mirror: str) -> None:
        command = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join([*spec.packages, *VIRTUAL_PROVIDERS])}",
            spec.suite,
            self.root,
            mirror,
        ]
        self.log.write(f"$ {' '.join(command)}\n")
        self.log.flush()
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            env=_build_env(),
        )
        counts: dict[str, int] = {}
        tail: list[str] = []
        with proc.stdout:
            for line in proc.stdout:
                self.log.write(line)
                tail = [*tail[-19:], line.rstrip()]
                step = _STEP.match(line)
                if step:
                    verb = step.group(1)
                    counts[verb] = counts.get(verb, 0) + 1
                    if verb == "Retrieving":
                        self._progress("downloading packages", counts[verb])
                    elif verb == "Extracting":
                        self._progress("extracting packages", counts[verb])
                    elif verb == "Configuring":
                        # debootstrap unpacks and configures in turns: count configured ones.
                        self.total = self.total or counts.get("Retrieving")
                        self._progress("installing packages", counts[verb], self.total)
        if proc.wait() != 0:
            raise ImageError(
                f"debootstrap {spec.suite} from {mirror} failed (exit status "
                f"{proc.returncode}); full log: {self.log.name}\n" + "\n".join(tail)
            )

    def _in_chroot(self, script: str, what: str) -> None:
        # Inside a private mount namespace: /proc and /dev mounted for apt vanish with it.
        command = [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-ec",
            'mount -t proc proc "$1/proc"; mount --rbind /dev "$1/dev"; '
            'exec chroot "$1" sh -ec "$2"',
            "sh",
            self.root,
            script,
        ]
        self.log.write(f"$ chroot {self.root} sh -ec {script!r}\n")
        self.log.flush()
        result = subprocess.run(
            command,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=_build_env(),
            check=False,
        )
        if result.returncode != 0:
            raise ImageError(
                f"{what} in the base image failed (exit status {result.returncode}); "
                f"log: {self.log.name}"
            )

    def _installed(self, package: str) -> bool:
        status = os.path.join(self.root, "var/lib/dpkg/status")
        with open(status, encoding="utf-8", errors="replace") as stream:
            for stanza in stream.read().split("\n\n"):
                if f"Package: {package}\n" in stanza + "\n":
                    return "Status: install ok installed" in stanza
        return False


def _build_env() -> dict:
    return {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "DEBIAN_FRONTEND": "noninteractive",
    }


def _write(path: str, text: str, mode: int = 0o644) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.chmod(path, mode)
