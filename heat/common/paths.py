"""Where Heat keeps its local state (the embedded database, the generated encryption key).

One directory, `state_dir`, so an operator moves or backs up a single place.
"""

from __future__ import annotations

import os

from oslo_config import cfg


def default_state_dir() -> str:
    # XDG base directories: data belongs under $XDG_DATA_HOME, else ~/.local/share.
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return os.path.join(data_home, "heat")


OPTS = [
    cfg.StrOpt(
        "state_dir",
        default=default_state_dir(),
        sample_default="$XDG_DATA_HOME/heat (else ~/.local/share/heat)",
        help="Directory for Heat's local state: the SQLite database and the generated "
        "encryption key.",
    ),
]


def ensure_state_dir(path: str) -> str:
    """Create `path` (owner-only permissions) if it does not exist; return it."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path
