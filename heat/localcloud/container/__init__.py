"""localcloud's container boot mode: servers that really boot.

In `boot_mode = container` every server is a Debian system (a debootstrap base image, see
image.py) under its own copy-on-write root (rootfs.py), running cloud-init's four stages in
new mount, PID, UTS and IPC namespaces (runner.py). machines.py ties that to the server
documents localcloud's Nova keeps; console.py reads what the server printed.
"""
