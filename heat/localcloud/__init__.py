"""An OpenStack-compatible stand-in cloud (Keystone, Nova, Glance) for demos and tests."""

from heat.localcloud.server import LocalCloud
from heat.localcloud.settings import Settings

__all__ = ["LocalCloud", "Settings"]
