"""`heat`: the command-line client of heat-api.

    heat stack-create web -f web.yaml -P "KeyName=k;InstanceType=m1.small" --wait
    heat template-validate --offline -f web.yaml

Credentials and endpoint come from OS_* variables as for python-heatclient (heat-all writes
them to <state-dir>/heatrc), or --heat-url. Errors are one clear line on stderr and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from heat.cmd.client import details, stacks, validate
from heat.cmd.client.api import ApiError, HeatApi
from heat.cmd.client.common import UsageError, parse_parameters
from heat.cmd.client.watch import StackFailed
from heat.common.exception import HeatError, TemplateError
from heat.engine import template_format

__all__ = ["UsageError", "build_parser", "main", "parse_parameters", "template_format"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heat", description="Heat orchestration client")
    parser.add_argument(
        "--heat-url",
        metavar="URL",
        help="heat-api's endpoint instead of the catalog's (default: $HEAT_URL)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for module in (stacks, details, validate):
        module.register(commands)
    return parser


def _run(args) -> int:
    if getattr(args, "offline", False):
        return args.offline_handler(args)
    return args.handler(HeatApi.from_env(args.heat_url), args)


def _print_error(message: str) -> None:
    for line in str(message).splitlines() or [""]:
        print(f"ERROR: {line}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except TemplateError as exc:
        validate.print_findings(exc, getattr(args, "format", "text"))
        return 1
    except (HeatError, UsageError, ApiError, StackFailed) as exc:
        _print_error(getattr(exc, "message", None) or str(exc))
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
