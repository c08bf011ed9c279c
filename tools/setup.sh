#!/usr/bin/env bash
# Creates .venv and installs Heat into it; with "test", also what the tests need, including
# the Debian packages the real-consumer tests run (cloud-init, heat-cfntools) when root.
#   tools/setup.sh [test]
set -euo pipefail
cd "$(dirname "$0")/.."

want=${1:-}
[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-$want
if [ ! -e "$stamp" ]; then
    .venv/bin/pip install -q --upgrade pip >/dev/null
    if [ "$want" = test ]; then
        .venv/bin/pip install -q -e '.[test]'
    else
        .venv/bin/pip install -q -e .
    fi
    touch "$stamp"
fi

if [ "$want" = test ] && [ -f tools/system-packages.txt ]; then
    missing=()
    while read -r pkg; do
        [ -z "$pkg" ] || [ "${pkg#\#}" != "$pkg" ] && continue
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done < tools/system-packages.txt
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "installing Debian packages: ${missing[*]}"
            apt-get update -qq >/dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${missing[@]}" >/dev/null
        else
            echo "note: not root or no apt-get; tests needing ${missing[*]} will be skipped"
        fi
    fi
fi
