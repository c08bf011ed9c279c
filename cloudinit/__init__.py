"""The files Heat injects into every server it boots, shipped as package data.

This directory is packaged as ``heat.cloudinit`` and read with
``importlib.resources.files("heat.cloudinit")``. Its modules run inside the *guest*, under
cloud-init, not inside Heat: they use only the standard library of the guest's Python 3.
"""

# From the repository root this directory would otherwise shadow cloud-init's own
# `cloudinit` package; failing loudly beats cloud-init code running against Heat's files.
if __name__ != "heat.cloudinit":
    raise ImportError(
        f"{__file__} is Heat's package data (import it as heat.cloudinit), "
        "not cloud-init's cloudinit package"
    )
