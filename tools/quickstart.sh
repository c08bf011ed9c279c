#!/usr/bin/env bash
# The quick start's one command: set up, validate the example template offline, then create,
# show and delete its stack with the engine on the embedded defaults (SQLite in a state dir).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
echo "== heat template-validate --offline -f examples/hello.yaml"
.venv/bin/heat template-validate --offline -f examples/hello.yaml
echo
echo "== creating the example stack with the engine (SQLite under ~/.local/share/heat/example)"
exec .venv/bin/python tools/run_example.py examples/hello.yaml "$@"
