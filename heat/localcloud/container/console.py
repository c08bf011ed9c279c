"""A container server's console: what its init and cloud-init printed, as Nova returns it."""

from __future__ import annotations

import os

# Nova returns a console log's tail; so do we, beyond this many bytes.
MAX_BYTES = 1024 * 1024


def read_lines(path: str, max_bytes: int = MAX_BYTES) -> list[str]:
    """The lines of the console log at `path` (the last `max_bytes` of it); [] if none."""
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                stream.seek(size - max_bytes)
                data = stream.read()
                # Drop the partial first line.
                data = data[data.find(b"\n") + 1 :]
            else:
                data = stream.read()
    except FileNotFoundError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()
