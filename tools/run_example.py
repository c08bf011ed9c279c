"""Create, show and delete a template's stack with the engine in-process on SQLite.

Until the all-in-one server exists this is the quick start's main job:
    .venv/bin/python tools/run_example.py examples/hello.yaml [--state-dir DIR]
"""

import argparse
import os
import sys

from heat.common import crypt, paths
from heat.common.context import RequestContext
from heat.common.exception import HeatError, TemplateError
from heat.db import migration
from heat.db.api import Database
from heat.engine.service import EngineService


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("template")
    parser.add_argument("--state-dir", default=os.path.join(paths.default_state_dir(), "example"))
    args = parser.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    url = f"sqlite:///{args.state_dir}/heat.sqlite"
    migration.db_sync(url)
    db = Database(url, crypter=crypt.Crypter(crypt.load_or_create_key(args.state_dir)))
    engine = EngineService(db).start()
    ctx = RequestContext("demo", "demo")
    try:
        name = os.path.splitext(os.path.basename(args.template))[0]
        with open(args.template, "rb") as handle:
            stack_id = engine.create_stack(ctx, name, handle.read())["stack_id"]
        engine.wait(stack_id)
        for event in engine.list_events(ctx, stack_id):
            print(
                f"{event['resource_name']:>10}  {event['action']}_{event['status']}  "
                f"{event['reason']}"
            )
        stack = engine.show_stack(ctx, stack_id)
        for output in stack["outputs"]:
            print(f"output {output['output_key']} = {output['output_value']}")
        engine.delete_stack(ctx, stack_id)
        engine.wait(stack_id)
        print(f"stack {name}: {stack['stack_status']}, then deleted")
        return 0 if stack["stack_status"] == "CREATE_COMPLETE" else 1
    except TemplateError as exc:
        print("\n".join(str(f) for f in exc.findings), file=sys.stderr)
        return 1
    except HeatError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.stop()
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
