"""What stands behind a localcloud server document: nothing (record mode) or a container.

Nova's server code calls these hooks at the points where a real compute host would act
(boot, stop, start, reboot, delete, console) and before it computes a server's state, so a
boot mode can move the document's timestamps to what really happened (BUILD until
cloud-init starts). `RecordMachines`, the default, does nothing: the documents and the clock
are the whole truth. heat.localcloud.container.machines has the container mode.
"""

from __future__ import annotations

BOOT_MODES = ("record", "container")


class RecordMachines:
    """Record mode: a server is its document; every hook is a no-op."""

    mode = "record"

    def boot(self, server: dict) -> None:
        """A new server document, before it is stored; may change its timestamps."""

    def observe(self, server: dict) -> dict:
        """The server document to compute the state from (updated if the machine moved on)."""
        return server

    def stop(self, server: dict) -> None:
        """os-stop was accepted."""

    def start(self, server: dict) -> None:
        """os-start was accepted."""

    def reboot(self, server: dict, hard: bool) -> None:
        """A reboot was accepted."""

    def delete(self, server: dict) -> None:
        """The server is being deleted (and is not set to fail deleting)."""

    def console_lines(self, server: dict) -> list[str] | None:
        """The server's console output, or None for Nova's synthetic record-mode lines."""
        return None

    def shutdown(self) -> None:
        """localcloud stops."""
