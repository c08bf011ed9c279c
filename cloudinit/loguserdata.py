#!/usr/bin/env python3
"""Run the template's UserData script and log what it does.

Runs inside the guest: cloud-init saves this part (text/x-shellscript) under
/var/lib/cloud/instance/scripts/ and runs it once per instance in its final stage, after the
part handler has saved the template's UserData as /var/lib/heat-cfntools/cfn-userdata.
It makes that file executable, runs it, and appends its combined stdout and stderr, line by
line as they come, to /var/log/heat-provision.log. On success it writes
/var/lib/heat-cfntools/provision-finished, whose presence and mtime tell an operator (or a
polling script) that provisioning is done. Its exit status is the UserData script's, so
cloud-init reports a failed provision as a failed user script. Standard library only.
"""

import datetime
import errno
import os
import subprocess
import sys

HEAT_DIR = "/var/lib/heat-cfntools"
USERDATA_PATH = os.path.join(HEAT_DIR, "cfn-userdata")
FINISHED_PATH = os.path.join(HEAT_DIR, "provision-finished")
LOG_PATH = "/var/log/heat-provision.log"


class _ProvisionLog:
    """Timestamped lines appended to the provision log, readable by root only.

    Shell scripts traced with `bash -v` or `set -x` echo passwords from the template, so
    the file is created 0600 and only the begin/end lines are echoed to stderr (which
    cloud-init copies to its world-readable console output).
    """

    def __init__(self, path):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8", errors="replace")

    def line(self, text, echo=False):
        stamp = datetime.datetime.now().isoformat(sep=" ", timespec="seconds")
        self._file.write(f"{stamp} {text}\n")
        self._file.flush()
        if echo:
            print(f"heat-provision: {text}", file=sys.stderr, flush=True)

    def close(self):
        self._file.close()


def _run(path, log):
    """Run `path`, copying its output to `log`; return its exit status."""
    try:
        proc = subprocess.Popen(
            [path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
    except OSError as ex:
        if ex.errno == errno.ENOEXEC:
            # Empty UserData, or data for cfn-init rather than a script (no #! line):
            # nothing to run is not a failed provision.
            log.line(f"{path} is empty or not a script; nothing to run", echo=True)
            return os.EX_OK
        log.line(f"Cannot run {path}: {ex}", echo=True)
        return os.EX_OSERR
    with proc.stdout:
        for raw in proc.stdout:
            log.line(raw.decode("utf-8", errors="replace").rstrip("\n"))
    status = proc.wait()
    # Killed by a signal: report it the way a shell would (128 + signal number).
    return 128 - status if status < 0 else status


def provision(userdata_path=USERDATA_PATH, log_path=LOG_PATH, finished_path=FINISHED_PATH):
    """Run the UserData at `userdata_path`; return its exit status (0 on success)."""
    log = _ProvisionLog(log_path)
    try:
        if not os.path.exists(userdata_path):
            log.line(f"{userdata_path} is missing; did the Heat part handler run?", echo=True)
            return os.EX_NOINPUT
        os.chmod(userdata_path, 0o700)
        log.line("Provision began", echo=True)
        status = _run(userdata_path, log)
        if status != 0:
            log.line(f"Provision failed with exit code {status}", echo=True)
            return status
        log.line("Provision done", echo=True)
        with open(finished_path, "w", encoding="utf-8") as f:
            f.write(datetime.datetime.now().isoformat(sep=" ", timespec="seconds") + "\n")
        return 0
    finally:
        log.close()


if __name__ == "__main__":
    sys.exit(provision())
