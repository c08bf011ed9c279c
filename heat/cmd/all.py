"""`heat-all`: the engine, heat-api, heat-api-cfn, the identity store and (unless told
otherwise) localcloud, in one process on SQLite in a state directory.

The engine is reached through the same RPC client as in a split deployment, over the
in-process transport. The identity store is also localcloud's identity, so one login works
for Heat and for the cloud. The first start bootstraps an admin and writes
<state-dir>/heatrc (OS_* for python-heatclient and the heat CLI, AWS_* for boto3); a
restart keeps every stack, user and key. Ctrl-C (or SIGTERM) stops cleanly.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import warnings

from oslo_config import cfg

from heat.api.openstack.app import make_app
from heat.api.server import HttpServer
from heat.cmd import service_main
from heat.common import heap, paths
from heat.db import migration
from heat.db.api import Database
from heat.identity import IdentityStore
from heat.identity.catalog import Catalog
from heat.identity.keystone import KeystoneApp
from heat.identity.localcloud import LocalcloudIdentity
from heat.localcloud.container.image import ImageError

HEATRC = "heatrc"
ADMIN = "admin"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heat-all", description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=[], help="heat.conf to read")
    parser.add_argument("--state-dir", help="state directory (default: the state_dir option)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--api-port", type=int, default=8004, help="heat-api port (0: any)")
    parser.add_argument("--cfn-port", type=int, default=8000, help="heat-api-cfn port (0: any)")
    parser.add_argument(
        "--cloudwatch-port", type=int, default=8003, help="heat-api-cloudwatch port (0: any)"
    )
    parser.add_argument(
        "--localcloud-port", type=int, default=5000, help="localcloud port (0: any)"
    )
    parser.add_argument(
        "--no-localcloud", action="store_true", help="do not run localcloud (a cloud is configured)"
    )
    parser.add_argument(
        "--boot-mode",
        choices=["record", "container"],
        help="localcloud's servers: records (default) or containers that boot a Debian root "
        "with cloud-init for real (root and debootstrap needed; the base image is built on "
        "first use)",
    )
    parser.add_argument(
        "--image-cache-dir", help="where container mode keeps its base image (built once)"
    )
    return parser


def load_conf(args) -> cfg.ConfigOpts:
    conf = service_main.load_conf(args.config_file)
    if args.state_dir:
        conf.set_override("state_dir", os.path.abspath(args.state_dir))
    return conf


def read_rc(path: str) -> dict:
    values = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("export ") and "=" in line:
                    name, _, value = line[len("export ") :].partition("=")
                    values[name] = shlex.split(value)[0] if value else ""
    except OSError:
        return {}
    return values


def write_rc(path: str, values: dict) -> None:
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("# Written by heat-all: source it for the heat CLI, python-heatclient and boto3.\n")
        for name, value in values.items():
            f.write(f"export {name}={shlex.quote(str(value))}\n")
    os.replace(tmp, path)


class HeatAll:
    """The running parts of heat-all; start() then stop()."""

    def __init__(self, conf: cfg.ConfigOpts, args):
        self.conf = conf
        self.args = args
        self.state_dir = paths.ensure_state_dir(conf.state_dir)
        self.boot_mode: str | None = None  # localcloud's, when it runs
        self._stoppers: list = []

    def start(self) -> HeatAll:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        from heat.engine.clients.session import CloudCredentials
        from heat.engine.service import EngineService
        from heat.engine.userdata import userdata_settings
        from heat.rpc import transport as rpc_transport
        from heat.rpc.client import EngineClient
        from heat.rpc.server import EngineServer

        conf, args = self.conf, self.args
        migration.db_sync(conf.database.connection)
        db = Database.from_conf(conf)
        self._stoppers.append(db.dispose)
        store = IdentityStore.for_database(db)
        rc_path = os.path.join(self.state_dir, HEATRC)
        rc = read_rc(rc_path)
        admin = store.find_user(ADMIN)
        password = rc.get("OS_PASSWORD")
        if admin is None or not password or store.authenticate(password, name=ADMIN) is None:
            boot = store.bootstrap(ADMIN, ADMIN)
            password, access, secret = boot.password, boot.access_key, boot.secret_key
        else:
            access, secret = rc.get("AWS_ACCESS_KEY_ID"), rc.get("AWS_SECRET_ACCESS_KEY")
            if not access or store.ec2_credentials(access) is None:
                project = store.find_project(ADMIN)
                access, secret = store.create_ec2_credentials(admin.id, project.id)
        project = store.find_project(ADMIN)

        region = conf.region_name
        cloud = None
        if not args.no_localcloud:
            from heat.localcloud import settings as lc_settings
            from heat.localcloud.server import LocalCloud

            settings = lc_settings.Settings.from_conf(conf)
            if args.boot_mode:
                settings.boot_mode = args.boot_mode
            if args.image_cache_dir:
                settings.image_cache_dir = os.path.abspath(args.image_cache_dir)
            self.boot_mode = settings.boot_mode
            cloud = LocalCloud(
                lc_settings.localcloud_state_dir(self.state_dir),
                host=args.host,
                port=args.localcloud_port,
                settings=settings,
                identity=LocalcloudIdentity(store, project.id),
            ).start()
            self._stoppers.append(cloud.stop)
            catalog = cloud.app.catalog
            cloud.mount("/identity", KeystoneApp(store, catalog))
        else:
            catalog = Catalog(region)

        transport = rpc_transport.in_process_transport(conf)
        self._stoppers.append(transport.cleanup)
        engine_at = len(self._stoppers)  # the engine stops after the APIs that call it
        client = EngineClient(transport)

        api = HttpServer(make_app(client, store, conf, catalog=catalog), args.host, args.api_port)
        api.start()
        self._stoppers.append(api.stop)
        if cloud is None:
            catalog.register("identity", "keystone", f"{api.url}/identity")
            auth_url = f"{api.url}/identity/v3"
        else:
            auth_url = cloud.auth_url
        catalog.register("orchestration", "heat", f"{api.url}/v1/{{project_id}}")
        self.api_url = api.url
        self.cfn_url = None
        ports = {}  # where servers reach the CFN and CloudWatch APIs: the ports bound here
        cfn_app = _cfn_app(client, store, conf, db)
        if cfn_app is not None:
            cfn = HttpServer(cfn_app, args.host, args.cfn_port, name="cfn").start()
            self._stoppers.append(cfn.stop)
            self.cfn_url = f"{cfn.url}/v1"
            catalog.register("cloudformation", "heat-cfn", self.cfn_url)
            ports["cfn_port"] = cfn.port
        from heat.api.cloudwatch.app import make_app as make_cloudwatch_app

        cloudwatch = HttpServer(
            make_cloudwatch_app(client, store, conf), args.host, args.cloudwatch_port, "cloudwatch"
        ).start()
        self._stoppers.append(cloudwatch.stop)
        self.cloudwatch_url = f"{cloudwatch.url}/v1"
        ports["cloudwatch_port"] = cloudwatch.port

        engine_kwargs = {"userdata_settings": userdata_settings(conf, **ports)}
        if cloud is not None:
            engine_kwargs["cloud"] = CloudCredentials(
                auth_url=cloud.auth_url,
                username=ADMIN,
                password=password,
                project_name=ADMIN,
                region_name=region,
            )
        engine = EngineService.from_conf(db, conf, **engine_kwargs).start()
        self._stoppers.insert(engine_at, engine.stop)
        server = EngineServer(engine, transport).start()
        self._stoppers.insert(engine_at + 1, server.stop)
        self.rc_path = rc_path
        values = {
            "OS_AUTH_URL": auth_url,
            "OS_USERNAME": ADMIN,
            "OS_PASSWORD": password,
            "OS_PROJECT_NAME": ADMIN,
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_IDENTITY_API_VERSION": "3",
            "OS_REGION_NAME": region,
            "AWS_ACCESS_KEY_ID": access,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": region,
        }
        if self.cfn_url:
            values["AWS_ENDPOINT_URL_CLOUDFORMATION"] = self.cfn_url
        values["AWS_ENDPOINT_URL_CLOUDWATCH"] = self.cloudwatch_url
        write_rc(rc_path, values)

    def stop(self) -> None:
        while self._stoppers:
            stopper = self._stoppers.pop()
            try:
                stopper()
            except Exception as exc:  # keep stopping the rest
                print(f"heat-all: error while stopping: {exc}", file=sys.stderr)


def _cfn_app(client, store, conf, db):
    """The CFN API app if heat.api.cfn provides one."""
    try:
        from heat.api.cfn.app import make_app as make_cfn_app
    except ImportError:
        return None
    return make_cfn_app(client, store, conf, database=db)


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = build_parser().parse_args(argv)
    try:
        conf = load_conf(args)
    except cfg.Error as exc:
        print(f"heat-all: {exc}", file=sys.stderr)
        return 2
    stop = service_main.stop_on_signals()
    try:
        heat = HeatAll(conf, args).start()
    except ImageError as exc:  # container mode without its base image (and no way to build it)
        print(f"heat-all: cannot start localcloud's container mode: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"heat-all: cannot start: {exc}", file=sys.stderr)
        return 1
    heap.freeze_startup_heap()  # full collections would walk it all, holding the GIL
    print(f"heat-api serving at {heat.api_url}", flush=True)
    if heat.cfn_url:
        print(f"heat-api-cfn serving at {heat.cfn_url}", flush=True)
    print(f"heat-api-cloudwatch serving at {heat.cloudwatch_url}", flush=True)
    if heat.boot_mode:
        print(f"localcloud servers: {heat.boot_mode} mode", flush=True)
    print(f"credentials: source {heat.rc_path}", flush=True)
    try:
        service_main.wait_until(stop)
    finally:
        heat.stop()
    print("heat-all stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
