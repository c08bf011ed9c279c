#!/usr/bin/env bash
# Sets up everything the tests need, from nothing, and runs them: the one test command.
# Idempotent: a second run reuses the virtualenv and only installs what changed.
#   tools/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh test

.venv/bin/ruff check heat heat_tests cloudinit tools
.venv/bin/ruff format --check heat heat_tests cloudinit >/dev/null || {
    echo "ruff format: files need formatting (run .venv/bin/ruff format heat heat_tests cloudinit)"
    .venv/bin/ruff format --check heat heat_tests cloudinit || true
    exit 1
}
exec .venv/bin/pytest "$@"
