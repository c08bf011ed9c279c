"""PID 1 of a localcloud container server; runs inside the server with the image's python3.

It does what a booting system's init does for cloud-init: runs the four stages in order,
then stays up, reaping orphans (daemons the user data started), until it is told to shut
down. Its stdout and stderr, and so every stage's, are the server's console. Progress is
appended to /run/localcloud/events (a host directory bound there) as
"<unix time> <event> [<args>]" lines, which is how localcloud learns when cloud-init started
and finished. Standard library only: the image has nothing else for it.
"""

import os
import signal
import sys
import time

EVENTS = "/run/localcloud/events"
STAGES = [
    ("init-local", ["cloud-init", "init", "--local"]),
    ("init", ["cloud-init", "init"]),
    ("modules-config", ["cloud-init", "modules", "--mode", "config"]),
    ("modules-final", ["cloud-init", "modules", "--mode", "final"]),
]
ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/root",
    "TERM": "dumb",
    "container": "localcloud",
}
GRACE_SECONDS = 3.0


def event(*words):
    with open(EVENTS, "a", encoding="utf-8") as stream:
        stream.write(f"{time.time():.3f} {' '.join(str(w) for w in words)}\n")


def console(text):
    print(f"localcloud: {text}", flush=True)


def run(command):
    """Run `command`, reaping any other child meanwhile; its exit status."""
    pid = os.fork()
    if pid == 0:
        try:
            os.execvpe(command[0], command, ENV)
        except OSError as exc:
            print(f"localcloud: cannot run {command[0]}: {exc}", file=sys.stderr, flush=True)
        os._exit(127)
    while True:
        try:
            done, status = os.wait()
        except ChildProcessError:
            return 127
        if done == pid:
            return os.waitstatus_to_exitcode(status)


def shutdown(signum, frame):
    # As a system going down: ask every process to stop, then make them.
    console(f"shutting down (signal {signum})")
    event("shutdown")
    try:
        os.kill(-1, signal.SIGTERM)
    except ProcessLookupError:
        pass  # PID 1 was alone
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            break
        time.sleep(0.05)
    event("halted")
    os._exit(0)


def main():
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    os.chdir("/")
    event("boot")
    failed = []
    for name, command in STAGES:
        console(f"running {' '.join(command)}")
        event("stage", name)
        status = run(command)
        event("stage-exit", name, status)
        if status != 0:
            failed.append(name)
            console(f"{' '.join(command)} exited with status {status}")
    event("finished", ",".join(failed) or "-")
    console("cloud-init finished" + (f" with errors in {', '.join(failed)}" if failed else ""))
    while True:
        try:
            os.wait()
        except ChildProcessError:
            # Nothing left to reap for now; a process nsenter'd in may add some later.
            time.sleep(1)


if __name__ == "__main__":
    main()
