"""cloud-init part handler for Heat's text/x-cfninitdata parts.

Runs inside the guest: cloud-init saves this part (text/part-handler) under
/var/lib/cloud/instance/handlers/, imports it, and calls handle_part() once with
"__begin__", once per text/x-cfninitdata part, and once with "__end__". Each part is saved
as /var/lib/heat-cfntools/<filename>, where heat-cfntools (cfn-init, cfn-hup, cfn-signal)
and loguserdata.py read it. Standard library only: the guest has nothing else.
"""

import logging
import os
import tempfile

# cloud-init calls handle_part(data, ctype, filename, payload, frequency) for version 2.
handler_version = 2

CONTENT_TYPE = "text/x-cfninitdata"
HEAT_DIR = "/var/lib/heat-cfntools"
USERDATA_NAME = "cfn-userdata"
# Where cloud-init keeps instance data unless its config moves it (paths.cloud_dir).
DEFAULT_CLOUD_DATA_DIR = "/var/lib/cloud/data"

# cloud-init configures the root logger, so this lands in /var/log/cloud-init.log.
LOG = logging.getLogger("heat.part_handler")


def list_types():
    """The content types cloud-init should hand to this handler."""
    return [CONTENT_TYPE]


def _write_private(path, text):
    """Write `text` to `path` atomically, readable by root only.

    The parts carry the template's user data and metadata, which often hold passwords.
    Writing a temporary file and renaming it means a reader (cfn-hup polling, say) never
    sees half a file.
    """
    directory = os.path.dirname(path)
    fd, tmp_path = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp_path, 0o600)
        os.replace(tmp_path, path)
    except BaseException:
        os.unlink(tmp_path)
        raise


def _cloud_data_dir(data):
    """cloud-init's data directory, from the Cloud object it passes as `data` if it can."""
    paths = getattr(data, "paths", None)
    if paths is not None and hasattr(paths, "get_cpath"):
        return paths.get_cpath("data")
    return DEFAULT_CLOUD_DATA_DIR


def handle_part(data, ctype, filename, payload, frequency=None):
    """Save one text/x-cfninitdata part; see the module docstring for the protocol."""
    if ctype == "__begin__":
        os.makedirs(HEAT_DIR, mode=0o700, exist_ok=True)
        return
    if ctype == "__end__" or ctype != CONTENT_TYPE:
        return

    # The filename comes from a MIME header; a name with a directory in it would write
    # outside HEAT_DIR, so it is refused rather than trusted.
    if not filename or os.path.basename(filename) != filename or filename.startswith("."):
        LOG.warning("Ignoring %s part with unusable filename %r", ctype, filename)
        return
    if payload is None:
        payload = ""
    elif isinstance(payload, bytes):
        payload = payload.decode("utf-8")

    target = os.path.join(HEAT_DIR, filename)
    _write_private(target, payload)
    LOG.info("Wrote %s (%d characters)", target, len(payload))

    if filename == USERDATA_NAME:
        # Older images' tools looked for the user data in cloud-init's data directory.
        data_dir = _cloud_data_dir(data)
        os.makedirs(data_dir, mode=0o755, exist_ok=True)
        _write_private(os.path.join(data_dir, USERDATA_NAME), payload)
