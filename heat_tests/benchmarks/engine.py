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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m heat_tests.benchmarks.engine")
    sub = parser.add_subparsers(dest="benchmark", required=True)
    v = sub.add_parser("validate", help="parse + validate + graph a generated template")
    v.add_argument("--kind", choices=KINDS, default="none")
    v.add_argument("--n", type=int, default=2000)
    v.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.benchmark == "validate":
        print(json.dumps(validate(args.kind, args.n, args.repeat)))


if __name__ == "__main__":
    main()
