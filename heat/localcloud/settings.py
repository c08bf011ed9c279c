"""The knobs of localcloud: its configuration options and the plain settings object built from them.

The options live in [DEFAULT] with a `localcloud_` prefix so one heat.conf configures the
all-in-one command and its stand-in cloud together. The code below the options never reads
oslo.config: LocalCloud takes a `Settings`, so tests build one directly.
"""

from __future__ import annotations

import dataclasses
import os

from oslo_config import cfg

# The images the WordPress/CFN demo templates name in their Mappings, plus one that always
# fails to boot so a demo can show a failed stack.
DEFAULT_IMAGES = [
    "F17-i386-cfntools",
    "F17-x86_64-cfntools",
    "F17-i386-gold",
    "F17-x86_64-gold",
    "F18-i386-cfntools",
    "F18-x86_64-cfntools",
    "F19-i386-cfntools",
    "F19-x86_64-cfntools",
    "U10-i386-cfntools",
    "U10-x86_64-cfntools",
    "rhel61-i386-cfntools",
    "rhel61-x86_64-cfntools",
    "rhel62-i386-cfntools",
    "rhel62-x86_64-cfntools",
    "rhel63-i386-cfntools",
    "rhel63-x86_64-cfntools",
    "cirros-0.6.2-x86_64-disk",
    "localcloud-fail-boot",
]

OPTS = [
    cfg.FloatOpt(
        "localcloud_boot_delay",
        default=0.5,
        min=0.0,
        help="Seconds a new localcloud server stays in BUILD before it becomes ACTIVE.",
    ),
    cfg.FloatOpt(
        "localcloud_delete_delay",
        default=0.0,
        min=0.0,
        help="Seconds a deleted localcloud server stays visible (status DELETED, task_state "
        "deleting) before it is gone.",
    ),
    cfg.FloatOpt(
        "localcloud_volume_delay",
        default=0.5,
        min=0.0,
        help="Seconds a new localcloud volume, snapshot or backup stays `creating` (and a "
        "deleted one `deleting`) before it is available (or gone).",
    ),
    cfg.StrOpt(
        "localcloud_floating_range",
        default="172.24.4.0/24",
        help="CIDR of localcloud's external `public` network, from which floating IPs are "
        "allocated (.1 is the router).",
    ),
    cfg.ListOpt(
        "localcloud_images",
        default=DEFAULT_IMAGES,
        help="Names of the Glance images localcloud offers (seeded on start).",
    ),
    cfg.StrOpt(
        "localcloud_fail_image_marker",
        default="localcloud-fail",
        help="Servers booted from an image whose name contains this text go to ERROR.",
    ),
    cfg.ListOpt(
        "localcloud_availability_zones",
        default=["nova"],
        help="Availability zones localcloud's Nova reports.",
    ),
    cfg.StrOpt(
        "localcloud_password",
        default="localcloud",
        secret=True,
        help="Password of the seeded `demo` user.",
    ),
    cfg.StrOpt(
        "localcloud_admin_password",
        default="localcloud",
        secret=True,
        help="Password of the seeded `admin` user.",
    ),
    cfg.StrOpt("localcloud_region", default="RegionOne", help="Region name in the catalog."),
    cfg.HostAddressOpt(
        "localcloud_host", default="127.0.0.1", help="Address heat-localcloud listens on."
    ),
    cfg.PortOpt("localcloud_port", default=5000, help="Port heat-localcloud listens on."),
    cfg.StrOpt(
        "localcloud_boot_mode",
        default="record",
        choices=[
            ("record", "servers are records: BUILD, then ACTIVE after the boot delay"),
            (
                "container",
                "each server boots for real: a Debian root in its own namespaces "
                "running cloud-init (needs root and debootstrap)",
            ),
        ],
        help="What stands behind a localcloud server.",
    ),
    cfg.StrOpt(
        "localcloud_image_cache_dir",
        help="Where container mode builds and keeps its Debian base image (default: "
        "<state_dir>/localcloud/images).",
    ),
    cfg.ListOpt(
        "localcloud_container_images",
        default=["*"],
        help="In container mode, the image names (shell patterns) that boot the Debian base "
        "image; servers from other images go to ERROR.",
    ),
    cfg.StrOpt(
        "localcloud_container_mirror",
        help="Debian mirror the base image is built from (default: the one the host's apt "
        "sources use for bookworm, else http://deb.debian.org/debian).",
    ),
]


@dataclasses.dataclass
class Settings:
    """Everything a LocalCloud needs to know besides its state directory and address."""

    boot_delay: float = 0.5
    delete_delay: float = 0.0
    volume_delay: float = 0.5
    floating_range: str = "172.24.4.0/24"
    images: list[str] = dataclasses.field(default_factory=lambda: list(DEFAULT_IMAGES))
    fail_image_marker: str = "localcloud-fail"
    availability_zones: list[str] = dataclasses.field(default_factory=lambda: ["nova"])
    password: str = "localcloud"
    admin_password: str = "localcloud"
    region: str = "RegionOne"
    boot_mode: str = "record"
    image_cache_dir: str | None = None
    container_images: list[str] = dataclasses.field(default_factory=lambda: ["*"])
    container_mirror: str | None = None

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Settings:
        """Build settings from a ConfigOpts on which OPTS are registered."""
        return cls(
            boot_delay=conf.localcloud_boot_delay,
            delete_delay=conf.localcloud_delete_delay,
            volume_delay=conf.localcloud_volume_delay,
            floating_range=conf.localcloud_floating_range,
            images=list(conf.localcloud_images),
            fail_image_marker=conf.localcloud_fail_image_marker,
            availability_zones=list(conf.localcloud_availability_zones),
            password=conf.localcloud_password,
            admin_password=conf.localcloud_admin_password,
            region=conf.localcloud_region,
            boot_mode=conf.localcloud_boot_mode,
            image_cache_dir=conf.localcloud_image_cache_dir,
            container_images=list(conf.localcloud_container_images),
            container_mirror=conf.localcloud_container_mirror,
        )


def localcloud_state_dir(state_dir: str) -> str:
    """The localcloud directory inside Heat's `state_dir`."""
    return os.path.join(state_dir, "localcloud")
