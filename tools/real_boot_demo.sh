#!/usr/bin/env bash
# The optional third command: a server that really boots. As root, set up, build localcloud's
# Debian base image on first use (debootstrap, about 1-2 minutes, progress shown; cached in
# the image cache for every later run), start heat-all with servers in container mode,
# create examples/real_boot.yaml with the heat CLI (the server's UserData runs the real
# cfn-init and cfn-signal), print the stack's outputs and the files cfn-init wrote in the
# server, and stop heat-all (which stops the server; the stack stays in the state directory).
#   sudo tools/real_boot_demo.sh [STATE_DIR]   (default: ~/.local/share/heat/real-boot)
# HEAT_LOCALCLOUD_IMAGE_CACHE moves the image cache (default /var/cache/heat-localcloud-image).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/heat_all.sh

if [ "$(id -u)" != 0 ]; then
    echo "tools/real_boot_demo.sh needs root (mount, PID and UTS namespaces, overlayfs):" >&2
    echo "    sudo $0 $*" >&2
    exit 1
fi
tools/setup.sh
state=${1:-${XDG_DATA_HOME:-$HOME/.local/share}/heat/real-boot}
cache=${HEAT_LOCALCLOUD_IMAGE_CACHE:-/var/cache/heat-localcloud-image}
template=examples/real_boot.yaml
stack=realboot
mkdir -p "$state"
log=$state/heat-all.log

if ! command -v debootstrap >/dev/null && command -v apt-get >/dev/null; then
    echo "== installing debootstrap (builds the base image)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        debootstrap >/dev/null
fi
echo "== base image in $cache (built on first use: Debian bookworm with cloud-init and heat-cfntools)"
.venv/bin/python - "$cache" <<'PY'
import sys

from heat.localcloud.container.image import ImageCache, ImageError, ImageSpec, TerminalProgress

try:
    path = ImageCache(sys.argv[1]).ensure(ImageSpec(), TerminalProgress(sys.stdout))
except ImageError as exc:
    sys.exit(f"cannot build the base image: {exc}")
print(f"ready: {path}")
PY

echo "== starting heat-all --boot-mode container (state in $state, log in $log)"
start_heat_all "$state" "$log" "heat-all stopped (and with it the server)" \
    --boot-mode container --image-cache-dir "$cache" \
    --api-port 0 --cfn-port 0 --cloudwatch-port 0 --localcloud-port 0

if .venv/bin/heat stack-show "$stack" >/dev/null 2>&1; then
    echo "== heat stack-delete -y --wait $stack   (left by an earlier run)"
    .venv/bin/heat stack-delete -y --wait "$stack"
fi
echo "== heat stack-create $stack -f $template --wait"
started=$(date +%s%N)
.venv/bin/heat stack-create "$stack" -f "$template" --wait
ms=$((($(date +%s%N) - started) / 1000000))
printf '   (created in %d.%01d s: boot, cloud-init, cfn-init, cfn-signal)\n' $((ms / 1000)) \
    $((ms % 1000 / 100))
echo "== heat output-list $stack"
.venv/bin/heat output-list "$stack"

server=$(.venv/bin/heat output-show "$stack" InstanceId)
upper=$state/localcloud/servers/$server/upper
echo "== the files cfn-init wrote in server $server (its root's upper layer: $upper)"
for file in /etc/demo/greeting.txt /etc/demo/app.conf /usr/local/bin/demo-report; do
    stat -c '--- %n  mode %a  uid:gid %u:%g' "$upper$file" | sed "s|$upper||"
    cat "$upper$file"
done
echo "== the end of the server's console (cloud-init's output)"
tail -n 5 "$state/localcloud/servers/$server/console.log"
