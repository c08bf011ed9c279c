"""Engine benchmarks; each prints one JSON line of figures.

python -m heat_tests.benchmarks.engine validate --kind none|random|chain --n N
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from heat.engine.parameters import StackIdentity
from heat.engine.stack_definition import StackDefinition
from heat.engine.template import Template
from heat_tests.benchmarks.templates import KINDS, generate

IDENTITY = StackIdentity("bench", "bench", "00000000-0000-0000-0000-000000000001")
WORDPRESS = Path(__file__).resolve().parents[2] / ".." / "shared" / "templates" / "cfn" / "F17"


def _best_of(repeat: int, fn):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def validate(kind: str, n: int, repeat: int) -> dict:
    text = generate(kind, n)

    def run():
        template = Template.parse(text, "bench.json", max_size=len(text))
        definition = StackDefinition(template, {}, IDENTITY)
        return definition

    seconds, definition = _best_of(repeat, run)
    figures = {
        "benchmark": "validate",
        "kind": kind,
        "n": n,
        "bytes": len(text),
        "seconds": round(seconds, 5),
        "per_resource_us": round(seconds / n * 1e6, 2),
        "findings": len(definition.findings),
    }
    wordpress = WORDPRESS / "WordPress_Single_Instance.template"
    if wordpress.exists():
        wp_text = wordpress.read_text()
        wp_seconds, _ = _best_of(
            repeat,
            lambda: StackDefinition(
                Template.parse(wp_text, wordpress.name), {}, IDENTITY, require_all_parameters=False
            ),
        )
        figures["wordpress_single_instance_seconds"] = round(wp_seconds, 5)
    return figures


def create(kind: str, n: int, db_url: str | None, checks: int = 1) -> dict:
    """Store, create, load and delete a generated stack; seconds and SQL statements each."""
    import resource as rlimit
    import tempfile

    from cryptography.fernet import Fernet

    from heat.common import crypt, heap
    from heat.common.context import RequestContext
    from heat.db import migration
    from heat.db.api import Database
    from heat.engine.service import EngineService

    workdir = tempfile.mkdtemp(prefix="heat-bench-")
    url = db_url or f"sqlite:///{workdir}/heat.sqlite"
    migration.db_sync(url)
    db = Database(url, crypter=crypt.Crypter(Fernet.generate_key().decode()))
    engine = EngineService(db).start()
    heap.freeze_startup_heap()  # as heat-engine and heat-all do once started
    ctx = RequestContext("bench")
    text = generate(kind, n, checks)
    figures = {"benchmark": "create", "kind": kind, "n": n, "db": url.split(":")[0]}
    if kind == "chain":
        figures["checks"] = checks

    def phase(name, fn):
        db.reset_statement_count()
        started = time.perf_counter()
        result = fn()
        figures[f"{name}_seconds"] = round(time.perf_counter() - started, 4)
        figures[f"{name}_statements"] = db.statement_count
        return result

    template = phase("parse", lambda: Template.parse(text, "bench.json", max_size=len(text)))
    phase("validate", lambda: StackDefinition(template, {}, IDENTITY).raise_if_invalid())

    # store: validate again, store the template, stack and resource rows, start the walk;
    # create: the walk itself, until the stack is CREATE_COMPLETE.
    stack_id = phase("store", lambda: engine.create_stack(ctx, "bench", template)["stack_id"])
    phase("create", lambda: engine.wait(stack_id))
    figures["status"] = engine.show_stack(ctx, stack_id)["stack_status"]
    figures["statements_per_resource"] = round(
        (figures["store_statements"] + figures["create_statements"]) / n, 2
    )
    phase("load", lambda: engine._load(db.stacks.get(stack_id)))

    def delete_and_wait():
        engine.delete_stack(ctx, stack_id)
        engine.wait(stack_id)

    phase("delete", delete_and_wait)
    figures["peak_rss_mb"] = round(rlimit.getrusage(rlimit.RUSAGE_SELF).ru_maxrss / 1024, 1)
    engine.stop()
    db.dispose()
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m heat_tests.benchmarks.engine")
    sub = parser.add_subparsers(dest="benchmark", required=True)
    v = sub.add_parser("validate", help="parse + validate + graph a generated template")
    v.add_argument("--kind", choices=KINDS, default="none")
    v.add_argument("--n", type=int, default=2000)
    v.add_argument("--repeat", type=int, default=5)
    c = sub.add_parser("create", help="store, create, load and delete a generated stack")
    c.add_argument("--kind", choices=KINDS, default="none")
    c.add_argument("--n", type=int, default=1000)
    c.add_argument("--db", help="database URL (default: SQLite in a temporary directory)")
    c.add_argument(
        "--checks", type=int, default=1, help="chain: the status check that completes each"
    )
    args = parser.parse_args(argv)
    if args.benchmark == "validate":
        print(json.dumps(validate(args.kind, args.n, args.repeat)))
    else:
        print(json.dumps(create(args.kind, args.n, args.db, args.checks)))


if __name__ == "__main__":
    main()
