"""The cloud-init user data Heat gives every server it boots.

A server's user data is a multipart/mixed MIME message that cloud-init in the guest takes
apart: Heat's cloud-config, a boothook, a part handler that saves each text/x-cfninitdata
part under /var/lib/heat-cfntools (where heat-cfntools reads it), the template's UserData,
a script that runs that UserData, the resource's Metadata for cfn-init, and where the
server reaches Heat's APIs. The guest-side files live in the top-level cloudinit/ directory
(package data ``heat.cloudinit``).

build_userdata() is pure: every input is an argument, settings included, so the engine
resolves options once with userdata_settings(conf) and the builder is testable alone.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import importlib.resources
import json
import re
import string
from collections.abc import Mapping
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any
from urllib.parse import urlsplit

from oslo_config import cfg

from heat.common.exception import InvalidInput

# Where the CFN and CloudWatch Query APIs listen unless configured otherwise.
CFN_API_PORT = 8000
CLOUDWATCH_API_PORT = 8003

# Nova refuses user_data longer than this, counted after base64 encoding.
MAX_USERDATA_SIZE = 65535

# POSIX portable user names (what useradd accepts everywhere); the name is also written
# into YAML unquoted, so nothing outside this set may reach the cloud-config.
_USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")

OPTS = [
    cfg.StrOpt(
        "heat_api_host",
        default="127.0.0.1",
        help="Host name or IP address at which servers reach Heat's CFN and CloudWatch "
        "APIs; used to build the server URLs below when they are not set. The default "
        "only suits servers on this host (localcloud).",
    ),
    cfg.URIOpt(
        "heat_metadata_server_url",
        schemes=["http", "https"],
        help="URL of the CFN API as servers reach it, for cfn-init and cfn-hup "
        f"(default: http://<heat_api_host>:{CFN_API_PORT}).",
    ),
    cfg.URIOpt(
        "heat_waitcondition_server_url",
        schemes=["http", "https"],
        help="URL servers signal wait conditions to "
        f"(default: http://<heat_api_host>:{CFN_API_PORT}/v1/waitcondition).",
    ),
    cfg.URIOpt(
        "heat_watch_server_url",
        schemes=["http", "https"],
        help="URL of the CloudWatch API as servers reach it, for cfn-push-stats "
        f"(default: http://<heat_api_host>:{CLOUDWATCH_API_PORT}).",
    ),
    cfg.BoolOpt(
        "instance_connection_is_secure",
        default=False,
        help="Whether servers talk to Heat's APIs over HTTPS.",
    ),
    cfg.BoolOpt(
        "instance_connection_https_validate_certificates",
        default=True,
        help="Whether servers validate the certificates of Heat's APIs when using HTTPS.",
    ),
    cfg.StrOpt(
        "instance_user",
        default="ec2-user",
        regex=rf"\A{_USER_NAME.pattern}\Z",
        help="The user cloud-init creates on each server (with passwordless sudo) for "
        "logging in and running cfn-init.",
    ),
]


@dataclasses.dataclass(frozen=True)
class UserdataSettings:
    """Where servers reach Heat and as whom they log in; see OPTS for each field."""

    metadata_server_url: str
    waitcondition_server_url: str
    watch_server_url: str
    connection_is_secure: bool = False
    https_validate_certificates: bool = True
    instance_user: str = "ec2-user"

    def __post_init__(self):
        # Checked here too (not only by the option's regex) because callers may build or
        # replace() settings directly, and the name is pasted into YAML.
        if not _USER_NAME.fullmatch(self.instance_user):
            raise ValueError(f"instance_user {self.instance_user!r} is not a valid user name")


def _url_host(host: str) -> str:
    # An IPv6 literal needs brackets inside a URL.
    return f"[{host}]" if ":" in host else host


def userdata_settings(
    conf: cfg.ConfigOpts,
    cfn_port: int = CFN_API_PORT,
    cloudwatch_port: int = CLOUDWATCH_API_PORT,
) -> UserdataSettings:
    """Resolve OPTS on `conf` into settings, deriving unset URLs from heat_api_host and the
    ports the APIs listen on (a process that serves them, as heat-all, passes its own)."""
    conf.register_opts(OPTS)
    host = _url_host(conf.heat_api_host)
    cfn = f"http://{host}:{cfn_port}"
    return UserdataSettings(
        metadata_server_url=conf.heat_metadata_server_url or cfn,
        waitcondition_server_url=conf.heat_waitcondition_server_url or f"{cfn}/v1/waitcondition",
        watch_server_url=conf.heat_watch_server_url or f"http://{host}:{cloudwatch_port}",
        connection_is_secure=conf.instance_connection_is_secure,
        https_validate_certificates=conf.instance_connection_https_validate_certificates,
        instance_user=conf.instance_user,
    )


@dataclasses.dataclass(frozen=True)
class Userdata:
    """A built user data message.

    `plain_text_user_data` is True when the template's UserData was not base64 (the
    engine should warn: CloudFormation requires Fn::Base64) and was used as it was.
    """

    mime: str
    plain_text_user_data: bool


def decode_user_data(user_data: str | None) -> tuple[str, bool]:
    """The template's UserData as text, and whether it was plain text rather than base64.

    Fn::Base64 yields base64, which is decoded. Text that is not strict base64, or whose
    decoding is not UTF-8 text, is taken as it is: a short word such as "true" is valid
    base64 but decodes to bytes that are not text, so it stays a word.
    """
    if not user_data:
        return "", False
    try:
        decoded = base64.b64decode("".join(user_data.split()), validate=True)
        return decoded.decode("utf-8"), False
    except (binascii.Error, ValueError):
        return user_data, True


def _resource(name: str) -> str:
    return importlib.resources.files("heat.cloudinit").joinpath(name).read_text("utf-8")


def _boto_config(settings: UserdataSettings) -> str:
    """The boto config heat-cfntools use to find the CFN and CloudWatch APIs.

    boto 2 reads only host names from it (*_region_endpoint); heat-cfntools take the
    ports from the URLs in cfn-metadata-server and cfn-watch-server.
    """
    cfn = urlsplit(settings.metadata_server_url)
    watch = urlsplit(settings.watch_server_url)
    return "\n".join(
        [
            "[Boto]",
            "debug = 0",
            f"is_secure = {settings.connection_is_secure}",
            f"https_validate_certificates = {settings.https_validate_certificates}",
            "cfn_region_name = heat",
            f"cfn_region_endpoint = {cfn.hostname}",
            "cloudwatch_region_name = heat",
            f"cloudwatch_region_endpoint = {watch.hostname}",
            "",
        ]
    )


def _part(content: str, subtype: str, filename: str) -> MIMEText:
    part = MIMEText(content, subtype)
    # cloud-init names saved scripts and handler files after the attachment filename.
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _boundary(parts: list[tuple[str, str, str]]) -> str:
    """A boundary derived from the content, so equal inputs give byte-equal user data.

    A random boundary (the email package's default) would make every build differ,
    hiding whether a server's user data really changed.
    """
    digest = hashlib.sha256()
    for content, subtype, filename in parts:
        digest.update(f"{subtype}\0{filename}\0{content}\0".encode())
    boundary = f"==heat-{digest.hexdigest()[:32]}=="
    while any(boundary in content for content, _, _ in parts):
        boundary = f"=={boundary}"
    return boundary


def build_userdata(
    settings: UserdataSettings,
    user_data: str | None,
    metadata: Mapping[str, Any] | None,
) -> Userdata:
    """Build the multipart user data for one server.

    `user_data` is the template's UserData property (base64 from Fn::Base64, or plain
    text); `metadata` is the resource's Metadata, included for cfn-init when not None.
    Raises InvalidInput when the result exceeds what Nova accepts.
    """
    script, plain_text = decode_user_data(user_data)
    config = string.Template(_resource("config")).substitute(instance_user=settings.instance_user)
    parts = [
        (config, "cloud-config", "cloud-config"),
        (_resource("boothook.sh"), "cloud-boothook", "boothook.sh"),
        (_resource("part_handler.py"), "part-handler", "part-handler.py"),
        (script, "x-cfninitdata", "cfn-userdata"),
        (_resource("loguserdata.py"), "x-shellscript", "loguserdata.py"),
    ]
    if metadata is not None:
        parts.append((json.dumps(metadata), "x-cfninitdata", "cfn-init-data"))
    parts += [
        (settings.watch_server_url, "x-cfninitdata", "cfn-watch-server"),
        (settings.metadata_server_url, "x-cfninitdata", "cfn-metadata-server"),
        (_boto_config(settings), "x-cfninitdata", "cfn-boto-cfg"),
    ]

    message = MIMEMultipart(boundary=_boundary(parts))
    for part in parts:
        message.attach(_part(*part))
    mime = message.as_string()

    size = len(base64.b64encode(mime.encode("utf-8")))
    if size > MAX_USERDATA_SIZE:
        raise InvalidInput(
            f"The server's user data is {size} bytes after base64 encoding (UserData "
            f"and Metadata included); Nova accepts at most {MAX_USERDATA_SIZE} bytes."
        )
    return Userdata(mime=mime, plain_text_user_data=plain_text)
